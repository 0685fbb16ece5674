import type { SimAccessToken } from './access-token.js';
import type { SimArtifacts, SimCache, SimRole } from './model.js';
import type { RateLimitOptions } from './rate-limit-window.js';
import type { StuckJobLimits } from './stuck-jobs.js';
import type { SimWebhook } from './webhooks.js';

/** How the simulator pages job lists. */
export interface PaginationOptions {
  /** Serve this many items per page whatever `per_page` says (a server that ignores it). */
  forcePerPage?: number;
  /** Page size when the request names none. Default 20, like GitLab. */
  defaultPerPage?: number;
  /** Honour `pagination=keyset` on the jobs list. Default true; false answers with offset pages instead. */
  keyset?: boolean;
  /** Send `Link` headers with offset pages. Default true; false leaves only `x-next-page` to follow. */
  links?: boolean;
}

export interface SimulatorOptions {
  /** The access token accepted as `PRIVATE-TOKEN` (or `Authorization: Bearer`). Default: a random `glpat-...`. */
  token?: string;
  /** Scopes and expiry of that token (`GET /personal_access_tokens/self`). Default: `api`, a year ahead. */
  accessToken?: Partial<SimAccessToken>;
  /** Projects that exist. Default one project, id 1, `group/project`. */
  projects?: ReadonlyArray<ProjectSpec>;
  /** Groups that exist (a project `g/p` is in group `g`; a group `g/s` is a subgroup of `g`). Default none. */
  groups?: ReadonlyArray<GroupSpec>;
  /** Address to listen on. Default 127.0.0.1, a random free port. */
  host?: string;
  port?: number;
  pagination?: PaginationOptions;
  /** Lifetime of runner tokens in seconds (sets `token_expires_at`). Default: tokens never expire (null). */
  runnerTokenExpiresIn?: number | null;
  /** The URL GitLab says it has (web_url, Link headers). Default: the simulator's own URL. */
  externalUrl?: string;
  /** Where the projects' git repositories are made (default: a new temporary directory, removed by close()). */
  gitRoot?: string;
  /** How many requests `requests` keeps (oldest dropped first). Default 10,000. */
  requestLogLimit?: number;
  /** RateLimit-* headers on API answers (always sent; 429 only with `enforce`). */
  rateLimit?: RateLimitOptions;
  /** GitLab's drop of jobs pending too long; see `dropStuckJobs`. */
  stuckJobs?: StuckJobLimits;
  /**
   * Project webhooks with Job events: each job's creation, becoming pending, start and end are posted to each;
   * GitLab's auto-disabling of failing hooks applies.
   */
  webhooks?: readonly SimWebhook[];
}

/** A project to add. `role` is the access token user's role there (default: its group's, else maintainer). */
export interface ProjectSpec {
  id?: number;
  path: string;
  role?: SimRole;
  /** Whether the project lets group runners take its jobs (default true). */
  groupRunnersEnabled?: boolean;
}

/** A group to add by full path. `role` is the token user's role (default: its parent group's, else owner). */
export interface GroupSpec {
  id?: number;
  path: string;
  role?: SimRole;
}

/** A job to add: everything but the tags has a default. */
export interface JobSpec {
  tags?: readonly string[];
  name?: string;
  stage?: string;
  projectId?: number;
  /** The job's `image:`; default none (null). */
  image?: string | null;
  script?: readonly string[];
  /** `after_script:` commands. */
  afterScript?: readonly string[];
  variables?: Record<string, string>;
  cache?: readonly SimCache[];
  artifacts?: readonly SimArtifacts[];
  /** `allow_failure: exit_codes: [...]`. */
  allowFailureExitCodes?: readonly number[];
  ref?: string;
  createdAt?: Date;
}

/** A runner registered as if someone had done it before (through the UI or another tool). */
export interface RunnerSpec {
  /** A project runner's project (default: the first project). */
  projectId?: number;
  /** A group runner of this group instead. */
  groupId?: number;
  /** More projects a project runner is enabled in. */
  enabledProjectIds?: readonly number[];
  description?: string;
  tags?: readonly string[];
  runUntagged?: boolean;
  locked?: boolean;
  paused?: boolean;
  token?: string;
  tokenExpiresAt?: Date | null;
}

export interface WaitForOptions {
  /** Give up after this long. Default 10,000 ms. */
  timeoutMs?: number;
  /** Named in the error when it times out. */
  description?: string;
}
