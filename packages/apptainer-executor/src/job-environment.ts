import { fs } from './builtins.js';
import { ExecutorError } from './errors.js';

export type Env = Record<string, string | undefined>;

/** The parts of gitlab-runner's job response (`JOB_RESPONSE_FILE`) the executor reads. */
export interface JobResponse {
  id?: number;
  image?: { name?: string; pull_policy?: string[] | string | null } | null;
  credentials?: Array<{ type?: string; url?: string; username?: string; password?: string }> | null;
  variables?: Array<{ key?: string; value?: string }> | null;
}

/** What gitlab-runner tells every call of the executor through the environment. */
export class JobEnvironment {
  readonly buildFailureExitCode: number;
  readonly systemFailureExitCode: number;
  readonly buildExitCodeFile: string | undefined;
  private response: JobResponse | null | undefined;
  /** Set when JOB_RESPONSE_FILE exists but cannot be read; reported once by the caller. */
  responseProblem: string | undefined;

  constructor(readonly env: Env) {
    this.buildFailureExitCode = exitCode(env.BUILD_FAILURE_EXIT_CODE, 1);
    this.systemFailureExitCode = exitCode(env.SYSTEM_FAILURE_EXIT_CODE, 2);
    this.buildExitCodeFile = env.BUILD_EXIT_CODE_FILE || undefined;
  }

  /** A job variable: `CUSTOM_ENV_<name>`, else the job response's variables. */
  variable(name: string): string | undefined {
    const value = this.env[`CUSTOM_ENV_${name}`];
    if (value !== undefined) return value;
    return this.jobResponse()?.variables?.find((v) => v?.key === name)?.value ?? undefined;
  }

  /** The job's id (`CUSTOM_ENV_CI_JOB_ID`), checked to be a safe directory name. */
  jobId(): string {
    const id = this.env.CUSTOM_ENV_CI_JOB_ID ?? (this.jobResponse()?.id?.toString() || undefined);
    if (id === undefined || !/^[0-9]+$/.test(id)) {
      throw new ExecutorError(
        'MR_EXECUTOR_JOB',
        id === undefined
          ? 'CUSTOM_ENV_CI_JOB_ID is not set: the executor must be started by gitlab-runner'
          : `CUSTOM_ENV_CI_JOB_ID is ${JSON.stringify(id)}, expected a number`,
        {
          hint: 'gitlab-runner sets CUSTOM_ENV_CI_JOB_ID for every step of a job; to try a step by hand, set it yourself.',
        },
      );
    }
    return id;
  }

  /** The parsed job response, or undefined without JOB_RESPONSE_FILE. */
  jobResponse(): JobResponse | undefined {
    if (this.response === undefined) {
      this.response = null;
      const file = this.env.JOB_RESPONSE_FILE;
      if (file) {
        try {
          const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
          if (parsed && typeof parsed === 'object') this.response = parsed as JobResponse;
        } catch (error) {
          // A JSON syntax error quotes the content, which holds tokens: never include it.
          const reason = error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message;
          this.responseProblem = `cannot read JOB_RESPONSE_FILE ${file}: ${reason}`;
        }
      }
    }
    return this.response ?? undefined;
  }
}

function exitCode(value: string | undefined, fallback: number): number {
  const n = value === undefined ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 255 ? n : fallback;
}
