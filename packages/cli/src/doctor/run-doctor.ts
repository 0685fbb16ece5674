import { homedir } from 'node:os';
import { GitLabClient } from '@mr/gitlab-api';
import {
  type Config,
  generatedConfigPath,
  gitlabBaseUrl,
  loadConfig,
  readTokens,
  type TokensFile,
  tokensFilePath,
} from '@mr/runner-config';
import type { CommandContext } from '../io.js';
import { Checklist } from './check.js';
import { checkManagementToken, checkRunners } from './gitlab-checks.js';
import { checkScope } from './scope-checks.js';
import { checkGeneratedConfig, checkLaunchCommands } from './local-checks.js';
import { checkReachable } from './reachability.js';

/** The setup checks that need no compute node, in the order a support engineer would go. */
export async function runDoctorChecks(
  context: CommandContext,
): Promise<{ list: Checklist; config?: Config | undefined }> {
  const list = new Checklist();
  let config: Config;
  try {
    config = await loadConfig(context.configFile, { env: context.env });
  } catch (error) {
    const e = error as { message: string; details?: unknown; hint?: unknown };
    list.fail(
      'config',
      `the config ${context.configFile} is not valid: ${e.message}`,
      typeof e.hint === 'string' && e.hint
        ? e.hint
        : '`gitlab-meta-runner check-config` explains every problem',
      Array.isArray(e.details) ? e.details.map(String) : undefined,
    );
    return { list };
  }
  list.ok(
    'config',
    `the config ${context.configFile} is valid (name "${config.name}", ${Object.keys(config.runners).length} instance(s))`,
  );

  const configPath = generatedConfigPath(context.dataDir, config.name, context.generatedConfigFile);
  await checkGeneratedConfig(list, configPath);
  checkLaunchCommands(list, config, {
    thisPath: context.thisPath,
    env: context.env,
    home: context.env.HOME || homedir(),
    configPath,
    cwd: context.cwd,
  });

  const baseUrl = gitlabBaseUrl(config.hostname);
  if (!(await checkReachable(list, baseUrl, context.env))) {
    list.skip(
      'token',
      'management token, project or group, and runner tokens not checked: GitLab is not reachable',
    );
    return { list, config };
  }
  const client = new GitLabClient({
    baseUrl,
    token: config.management_token,
    env: context.env,
    logger: context.logger,
    timeoutMs: 15_000,
    retry: { maxRetries: 2, maxTotalMs: 10_000 },
  });
  try {
    await checkManagementToken(list, client, Date.now(), config);
    await checkScope(list, client, config);
    let tokens: TokensFile | undefined;
    try {
      tokens = await readTokens(tokensFilePath(context.dataDir, config.name));
    } catch (error) {
      list.fail(
        'runners',
        `the tokens file cannot be read: ${(error as Error).message}`,
        'run `gitlab-meta-runner configure` to write it again',
      );
    }
    if (tokens) await checkRunners(list, client, config, tokens);
  } finally {
    await client.close();
  }
  return { list, config };
}
