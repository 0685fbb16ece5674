import { type Answer, BadRequest } from './http.js';
import type { SimRunner } from './model.js';
import { runnerSummary } from './payloads.js';
import type { SimulatorStore } from './state.js';
import { visibleGroupOr404, visibleProjectOr404 } from './visible.js';

// The runner listings of doc/api/runners.md: "List project's runners" and "List group's runners".

const runnerTypes: ReadonlySet<string> = new Set(['instance_type', 'group_type', 'project_type']);

/** The `type` filter of a listing; 400 for a value GitLab does not know. */
function typeFilter(url: URL): string | null {
  const type = url.searchParams.get('type');
  if (type !== null && !runnerTypes.has(type)) throw new BadRequest('type does not have a valid value');
  return type;
}

/** One offset page of runner summaries, oldest first, with `x-*` headers and a `Link` to the next page. */
function answerPage(runners: SimRunner[], url: URL, webBase: string, answer: Answer): void {
  const query = url.searchParams;
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page')) || 20));
  const page = Math.max(1, Number(query.get('page')) || 1);
  const hasNext = page * perPage < runners.length;
  const headers: Record<string, string> = {
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-next-page': hasNext ? String(page + 1) : '',
    'x-total': String(runners.length),
  };
  if (hasNext) {
    const next = new URLSearchParams(query);
    next.set('page', String(page + 1));
    headers.link = `<${webBase}${url.pathname}?${next}>; rel="next"`;
  }
  answer(200, runners.slice((page - 1) * perPage, page * perPage).map(runnerSummary), headers);
}

/**
 * `GET /projects/:id/runners`: project runners owned by or enabled in the project, and the group runners of
 * its group and the group's ancestors (`Ci::Runner.owned_or_instance_wide`, lib/api/ci/runners.rb at gitlabhq
 * commit 034daf00b1), filtered by `type`.
 */
export function listProjectRunners(
  store: SimulatorStore,
  idOrPath: string,
  url: URL,
  webBase: string,
  answer: Answer,
): void {
  const project = visibleProjectOr404(store, idOrPath, answer);
  if (!project) return;
  const group = store.groupOf(project);
  const groups = new Set(group ? store.ancestry(group).map((g) => g.id) : []);
  const type = typeFilter(url);
  const all = [...store.runners.values()].filter(
    (r) =>
      (type === null || type === r.runnerType) &&
      (r.runnerType === 'project_type'
        ? r.projectId === project.id || r.enabledProjectIds.includes(project.id)
        : r.groupId !== null && groups.has(r.groupId)),
  );
  answerPage(all, url, webBase, answer);
}

/**
 * `GET /groups/:id/runners`: the group runners of the group and its ancestors
 * (`Ci::Runner.group_or_instance_wide`, lib/api/ci/runners.rb at gitlabhq commit 034daf00b1), filtered by `type`.
 */
export function listGroupRunners(
  store: SimulatorStore,
  idOrPath: string,
  url: URL,
  webBase: string,
  answer: Answer,
): void {
  const group = visibleGroupOr404(store, idOrPath, answer);
  if (!group) return;
  const groups = new Set(store.ancestry(group).map((g) => g.id));
  const type = typeFilter(url);
  const all = [...store.runners.values()].filter(
    (r) =>
      (type === null || type === r.runnerType) &&
      r.runnerType === 'group_type' &&
      r.groupId !== null &&
      groups.has(r.groupId),
  );
  answerPage(all, url, webBase, answer);
}
