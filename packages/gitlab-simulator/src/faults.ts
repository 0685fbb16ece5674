/** Endpoints the simulator serves, named like GitLab's documentation names them (below `/api/v4`). */
export const endpoints = [
  'GET /projects/:id',
  'GET /projects/:id/jobs',
  'GET /projects/:id/jobs/:job_id',
  'GET /projects/:id/runners',
  'POST /projects/:id/runners',
  'DELETE /projects/:id/runners/:runner_id',
  'GET /groups/:id',
  'GET /groups/:id/runners',
  'GET /groups/:id/members/all/:user_id',
  'GET /user',
  'POST /api/graphql',
  'POST /user/runners',
  'GET /runners/:id',
  'PUT /runners/:id',
  'DELETE /runners/:id',
  'POST /runners/verify',
  'GET /personal_access_tokens/self',
  'POST /runners/:id/reset_authentication_token',
  'POST /jobs/request',
  'PUT /jobs/:id',
  'PATCH /jobs/:id/trace',
  'POST /jobs/:id/artifacts',
  'GET /:project.git/info/refs',
  'POST /:project.git/git-upload-pack',
] as const;

export type Endpoint = (typeof endpoints)[number];

/** Any request the simulator does not know; GitLab answers 404. */
export type EndpointOrUnknown = Endpoint | 'unknown';

/**
 * A fault: which requests it hits and what happens to them. Each rule counts the requests that match it;
 * it applies to matches number `nth` to `nth + times - 1`. When several rules apply, the first one added
 * decides; all of them count the request.
 */
export interface FaultRule {
  /** An endpoint name (`'POST /user/runners'`), or `'*'` for every request. Default `'*'`. */
  endpoint?: EndpointOrUnknown | '*';
  /** Further narrowing: the request path below the origin (query included) contains this or matches it. */
  path?: string | RegExp;
  /** The first matching request hit (1 = the next one). Default 1. */
  nth?: number;
  /** How many matching requests in a row are hit. Default 1; `Infinity` for all of them. */
  times?: number;
  /** Answer with this status instead of the real handler (body default `{"message": "<status> ..."}`). */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Answer 429 Too Many Requests; with `retryAfter` (seconds) and/or `rateLimitReset` (seconds from now). */
  rateLimit?: { retryAfter?: number | string; rateLimitReset?: number } | true;
  /** Wait this long first, then answer (normally, or as `status`/`drop` say). */
  delayMs?: number;
  /** Close the connection without an answer (a connection reset for the client). */
  drop?: boolean;
  /** Never answer; the request stays open until the client gives up or the simulator closes. */
  hang?: boolean;
  /**
   * Apply `delayMs`, `drop` or `hang` to the answer, after the real handler has done its work: GitLab created
   * the runner (or reset the token), then its answer is late or lost. Default false (before the handler).
   */
  afterHandling?: boolean;
  /**
   * Answer 200 with a JSON body this many bytes long (an empty array padded with spaces), streamed in
   * 64 KiB chunks without `Content-Length`, so that a huge answer costs neither side its size in memory.
   * The stream stops when the client closes the connection.
   */
  oversizedBody?: number;
  /**
   * The real handler answers, then its `x-next-page` always names the page after the one asked for and its
   * `Link` header is dropped: a server (or a proxy in front of it) that never says a page is the last. With
   * keyset pages, which have no page number, the next page is the first one again. `'new-jobs'`: each page
   * after the first also shows its jobs under new ids (id + page × 10,000,000), so that no page repeats one
   * already read and only a bound on pages ends the reading.
   */
  endlessNextPage?: boolean | 'new-jobs';
}

/** A rule in force: how many requests it has hit so far; `remove()` ends it. */
export interface FaultHandle {
  readonly rule: Readonly<FaultRule>;
  /** Requests the fault was applied to. */
  readonly hits: number;
  /** Requests that matched the rule (hit or not). */
  readonly matched: number;
  remove(): void;
}

export interface ActiveFault {
  rule: FaultRule;
  hits: number;
  matched: number;
  removed: boolean;
}

/** Whether a rule matches a request (before counting). */
export function faultMatches(rule: FaultRule, endpoint: EndpointOrUnknown, path: string): boolean {
  if (rule.endpoint !== undefined && rule.endpoint !== '*' && rule.endpoint !== endpoint) return false;
  if (rule.path !== undefined) {
    if (typeof rule.path === 'string' ? !path.includes(rule.path) : !rule.path.test(path)) return false;
  }
  return true;
}

/** Counts the request against every matching rule and returns the rule that applies, if any. */
export function pickFault(
  faults: ActiveFault[],
  endpoint: EndpointOrUnknown,
  path: string,
): ActiveFault | undefined {
  let chosen: ActiveFault | undefined;
  for (const fault of faults) {
    if (fault.removed || !faultMatches(fault.rule, endpoint, path)) continue;
    fault.matched++;
    const nth = fault.rule.nth ?? 1;
    const times = fault.rule.times ?? 1;
    if (fault.matched >= nth && fault.matched < nth + times && !chosen) {
      fault.hits++;
      chosen = fault;
    }
  }
  return chosen;
}

/** Adds a rule to `faults` and returns its handle; `remove()` takes it out again. */
export function addFault(faults: ActiveFault[], rule: FaultRule): FaultHandle {
  const fault: ActiveFault = { rule: { ...rule }, hits: 0, matched: 0, removed: false };
  faults.push(fault);
  return {
    rule: fault.rule,
    get hits() {
      return fault.hits;
    },
    get matched() {
      return fault.matched;
    },
    remove: () => {
      fault.removed = true;
      faults.splice(faults.indexOf(fault), 1);
    },
  };
}
