import { fs } from './builtins.js';
import { ExecutorError } from './errors.js';
import { type JobResponse, parseJobResponse, responseError } from './job-response.js';

export type { JobResponse } from './job-response.js';
export type Env = Record<string, string | undefined>;

/** What gitlab-runner tells every call of the executor through the environment. */
export class JobEnvironment {
  readonly buildFailureExitCode: number;
  readonly systemFailureExitCode: number;
  readonly buildExitCodeFile: string | undefined;
  private response: JobResponse | null | undefined;
  private responseFailure: ExecutorError | undefined;

  constructor(readonly env: Env) {
    this.buildFailureExitCode = exitCode(env.BUILD_FAILURE_EXIT_CODE, 1);
    this.systemFailureExitCode = exitCode(env.SYSTEM_FAILURE_EXIT_CODE, 2);
    this.buildExitCodeFile = env.BUILD_EXIT_CODE_FILE || undefined;
  }

  /** A job variable: `CUSTOM_ENV_<name>`, else the job response's variables. */
  variable(name: string): string | undefined {
    const value = this.env[`CUSTOM_ENV_${name}`];
    if (value !== undefined) return value;
    return this.jobResponse()?.variables?.find((v) => v.key === name)?.value;
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

  /**
   * The parsed job response, or undefined without JOB_RESPONSE_FILE (a step run by hand). Throws
   * `MR_EXECUTOR_JOB_RESPONSE` (a system failure naming the bad fields) when the file cannot be read or
   * does not have the shape gitlab-runner writes; every later call throws the same error.
   */
  jobResponse(): JobResponse | undefined {
    if (this.responseFailure) throw this.responseFailure;
    if (this.response === undefined) {
      this.response = null;
      const file = this.env.JOB_RESPONSE_FILE;
      if (file) {
        try {
          let text: string;
          try {
            text = fs.readFileSync(file, 'utf8');
          } catch (error) {
            throw responseError(file, [(error as Error).message], error);
          }
          this.response = parseJobResponse(text, file);
        } catch (error) {
          this.responseFailure = error as ExecutorError;
          throw error;
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
