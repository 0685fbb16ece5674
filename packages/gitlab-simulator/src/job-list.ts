import type { Answer } from './http.js';
import type { SimJob, SimProject } from './model.js';
import type { PaginationOptions } from './options.js';
import { jobPayload } from './payloads.js';
import type { SimulatorStore } from './state.js';

/** Pagination settings with their defaults filled in. */
export type Pagination = Required<Omit<PaginationOptions, 'forcePerPage'>> & {
  forcePerPage: number | undefined;
};

export function paginationWithDefaults(options: PaginationOptions = {}): Pagination {
  return {
    forcePerPage: options.forcePerPage,
    defaultPerPage: options.defaultPerPage ?? 20,
    keyset: options.keyset ?? true,
    links: options.links ?? true,
  };
}

const jobScopes: ReadonlySet<string> = new Set([
  'created',
  'pending',
  'running',
  'failed',
  'success',
  'canceled',
  'skipped',
  'waiting_for_resource',
  'manual',
]);

function positiveInt(text: string | null | undefined): number | undefined {
  if (!text || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value > 0 ? value : undefined;
}

/** A job as `GET /projects/:id/jobs` shows it. */
export function jobJson(store: SimulatorStore, job: SimJob, project: SimProject, webBase: string) {
  const runner = job.runnerId === null ? undefined : store.runners.get(job.runnerId);
  return jobPayload(job, project, runner, webBase, Date.now());
}

/**
 * `GET /projects/:id/jobs`: newest first, filtered by `scope[]`, in offset pages (with `x-*` headers and
 * `Link`) or keyset pages (`pagination=keyset`, only `order_by=id&sort=desc`), as doc/api/rest/index.md
 * describes.
 */
export function listJobs(
  store: SimulatorStore,
  idOrPath: string,
  url: URL,
  webBase: string,
  pagination: Pagination,
  answer: Answer,
): void {
  const project = store.project(idOrPath);
  if (!project) {
    answer(404, { message: '404 Project Not Found' });
    return;
  }
  const query = url.searchParams;
  const scopes = [...query.getAll('scope[]'), ...query.getAll('scope')];
  for (const scope of scopes) {
    if (!jobScopes.has(scope)) {
      answer(400, { error: 'scope does not have a valid value' });
      return;
    }
  }
  const asked = positiveInt(query.get('per_page'));
  const perPage = pagination.forcePerPage ?? Math.min(100, asked ?? pagination.defaultPerPage);
  const all = store.jobList(project.id, scopes);
  const base = `${webBase}${url.pathname}`;
  const link = (params: URLSearchParams, rel: string) => `<${base}?${params}>; rel="${rel}"`;
  const render = (page: SimJob[]) => page.map((job) => jobJson(store, job, project, webBase));

  if (query.get('pagination') === 'keyset' && pagination.keyset) {
    if ((query.get('order_by') ?? 'id') !== 'id' || (query.get('sort') ?? 'desc') !== 'desc') {
      answer(405, { message: '405 Method Not Allowed' });
      return;
    }
    let before = Number.POSITIVE_INFINITY;
    const cursor = query.get('cursor');
    if (cursor) {
      try {
        const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
          id_before?: unknown;
        };
        if (typeof decoded.id_before !== 'number') throw new Error('bad cursor');
        before = decoded.id_before;
      } catch {
        answer(400, { error: 'cursor is invalid' });
        return;
      }
    }
    // The list is sorted by id, newest first: binary search for the first job older than the cursor.
    let low = 0;
    let high = all.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (all[mid]!.id < before) high = mid;
      else low = mid + 1;
    }
    const start = low < all.length ? low : -1;
    const page = start < 0 ? [] : all.slice(start, start + perPage);
    const headers: Record<string, string> = { 'x-per-page': String(perPage) };
    if (start >= 0 && start + perPage < all.length) {
      const next = new URLSearchParams(query);
      next.set('cursor', Buffer.from(JSON.stringify({ id_before: page.at(-1)!.id })).toString('base64url'));
      headers.link = link(next, 'next');
    }
    answer(200, render(page), headers);
    return;
  }

  const pageNumber = positiveInt(query.get('page')) ?? 1;
  const total = all.length;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const page = all.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  const hasNext = pageNumber * perPage < total;
  const headers: Record<string, string> = {
    'x-page': String(pageNumber),
    'x-per-page': String(perPage),
    'x-next-page': hasNext ? String(pageNumber + 1) : '',
    'x-prev-page': pageNumber > 1 ? String(pageNumber - 1) : '',
  };
  // GitLab leaves out the totals (and the "last" link) above 10,000 items.
  if (total <= 10_000) {
    headers['x-total'] = String(total);
    headers['x-total-pages'] = String(totalPages);
  }
  if (pagination.links) {
    const at = (n: number) => {
      const params = new URLSearchParams(query);
      params.set('page', String(n));
      params.set('per_page', String(perPage));
      return params;
    };
    const links: string[] = [];
    if (pageNumber > 1) links.push(link(at(pageNumber - 1), 'prev'));
    if (hasNext) links.push(link(at(pageNumber + 1), 'next'));
    links.push(link(at(1), 'first'));
    if (total <= 10_000) links.push(link(at(totalPages), 'last'));
    headers.link = links.join(', ');
  }
  answer(200, render(page), headers);
}
