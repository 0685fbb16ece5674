import type { Logger, LogLevel } from '@mr/logger';

/** Where a command writes and what it knows about its process; tests pass their own. */
export interface CliIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Absolute path of the running `gitlab-meta-runner` executable: `$THIS` in templates. */
  thisPath: string;
}

/** Everything a command handler gets. */
export interface CommandContext extends CliIo {
  configFile: string;
  dataDir: string;
  generatedConfigFile: string | undefined;
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
  logger: Logger;
}
