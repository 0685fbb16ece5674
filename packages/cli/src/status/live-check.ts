import { homedir } from 'node:os';
import { type LaunchRecord, type LiveLaunches, liveLaunchesFromConfig } from '@mr/launcher';
import type { Config, TokensFile } from '@mr/runner-config';
import type { CommandContext } from '../io.js';

/** What a report needs to ask the batch systems about its launches. */
export interface LiveCheckRequest {
  records: readonly LaunchRecord[];
  tokens: TokensFile;
  /** Whether a launcher holds the data directory now (it asks the batch system every cycle itself). */
  launcherRunning: boolean;
  /** Where a problem goes (the batch system could not be set up). */
  warn: (message: string) => void;
}

/** How a report learns what the batch systems say; `skipped` says why it did not ask (then as recorded). */
export type LiveCheck = (request: LiveCheckRequest) => Promise<{ live?: LiveLaunches; skipped?: string }>;

/**
 * Asks the batch systems (squeue for Slurm) which recorded launches still run. Never fails the command: a
 * batch system that cannot be asked is reported as such, and the recorded state is shown as it is.
 */
export async function askBatchSystems(
  context: CommandContext,
  config: Config,
  request: LiveCheckRequest,
): Promise<LiveLaunches | undefined> {
  try {
    return await liveLaunchesFromConfig({
      config,
      dataDir: context.dataDir,
      generatedConfigFile: context.generatedConfigFile,
      thisPath: context.thisPath,
      env: context.env,
      home: context.env.HOME || homedir(),
      records: request.records,
      secrets: [config.management_token, ...Object.values(request.tokens).map((t) => t.token)].filter(
        (s): s is string => typeof s === 'string' && s !== '',
      ),
    });
  } catch (error) {
    request.warn(`could not ask the batch system: ${(error as Error).message}`);
    return undefined;
  }
}

/** `status`: asks every time. */
export function alwaysAsk(context: CommandContext, config: Config): LiveCheck {
  return async (request) => {
    const live = await askBatchSystems(context, config, request);
    return live ? { live } : {};
  };
}
