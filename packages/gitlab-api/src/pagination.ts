/** The `rel` → URL pairs of an HTTP `Link` header (RFC 8288), as GitLab sends them for pagination. */
export function parseLinkHeader(header: string | undefined): Map<string, string> {
  const links = new Map<string, string>();
  if (!header) return links;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const url = match[1]!;
    for (const param of (match[2] ?? '').split(';')) {
      const rel = /^\s*rel\s*=\s*"?([^"]*)"?\s*$/i.exec(param);
      if (rel) for (const name of rel[1]!.trim().split(/\s+/)) if (!links.has(name)) links.set(name, url);
    }
  }
  return links;
}

/**
 * The path (below the origin) of the next page, or undefined on the last page. A `Link: rel="next"` wins
 * (keyset and offset pagination both send it); else a non-empty `x-next-page` replaces `page` in the
 * current path. The server's own URL in `Link` may name another host (an external URL behind a proxy): only
 * the part from `/api/v4/` on is kept and put under `apiPath`.
 */
export function nextPagePath(
  currentPath: string,
  headers: Record<string, string | string[] | undefined>,
  apiPath: string,
): string | undefined {
  const link = parseLinkHeader(headerValue(headers, 'link')).get('next');
  if (link) {
    const url = URL.canParse(link, 'http://placeholder.invalid')
      ? new URL(link, 'http://placeholder.invalid')
      : undefined;
    const at = url ? url.pathname.indexOf('/api/v4/') : -1;
    if (url && at >= 0) return `${apiPath}${url.pathname.slice(at + '/api/v4'.length)}${url.search}`;
  }
  const next = headerValue(headers, 'x-next-page')?.trim();
  if (next && /^\d+$/.test(next)) {
    const url = new URL(currentPath, 'http://placeholder.invalid');
    url.searchParams.set('page', next);
    return `${url.pathname}${url.search}`;
  }
  return undefined;
}

export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
