import { useColor } from '@mr/logger';
import { REDACTED, redactText } from '@mr/node-kit/redact';
import {
  configScope,
  describeScope,
  highlightToml,
  readTokens,
  redactConfig,
  stringifyToml,
  type TokensFile,
  tokensFilePath,
  withWrittenDurations,
} from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import type { CommandContext } from '../io.js';
import { loadInstantiatedConfig } from './instantiated-config.js';

/**
 * Prints the parsed config (defaults filled in, durations as "1h30m", sizes in bytes) and, per instance,
 * its registration (from the tokens file, token redacted) and its instantiated sections. The management
 * token and runner tokens never appear, even where a template copied them.
 */
export async function showConfigHandler(
  context: CommandContext,
  args: Record<string, unknown>,
): Promise<CommandResult> {
  const { config, configPath, instances } = await loadInstantiatedConfig(context);
  const tokensFile = tokensFilePath(context.dataDir, config.name);
  let tokens: TokensFile = {};
  try {
    tokens = await readTokens(tokensFile);
  } catch (error) {
    context.logger.warn(`registrations not shown: ${(error as Error).message}`);
  }
  const secrets = [config.management_token, ...Object.values(tokens).map((t) => t.token)];
  const perInstance = Object.fromEntries(
    Object.entries(instances).map(([name, sections]) => {
      const token = Object.hasOwn(tokens, name) ? tokens[name] : undefined;
      const registration = token && { ...token, token: REDACTED };
      const written = Object.fromEntries(
        Object.entries(sections).map(([section, value]) => [section, withWrittenDurations(value, [section])]),
      );
      return [name, { ...(registration ? { registration } : {}), ...written }];
    }),
  );

  if (args.json) {
    const document = {
      file: context.configFile,
      generated_config_file: configPath,
      tokens_file: tokensFile,
      config: withWrittenDurations(redactConfig(config)),
      scope: { ...configScope(config), description: describeScope(configScope(config)) },
      instances: perInstance,
    };
    context.stdout.write(`${redactText(JSON.stringify(document, null, 2), secrets)}\n`);
    return 0;
  }
  const text = [
    stringifyToml(withWrittenDurations(redactConfig(config)) as unknown as Record<string, unknown>, [
      `The config file ${context.configFile} as gitlab-meta-runner understands it:`,
      'defaults filled in, sizes in bytes, secrets redacted.',
      `Its runners take the jobs of ${describeScope(configScope(config))}.`,
    ]),
    stringifyToml({ instances: perInstance }, [
      'Per runner instance: its registration (from the tokens file) and the instantiated sections,',
      `with $CONFIG = ${configPath} and $NUM_JOBS = [launch] group_size.`,
    ]),
  ].join('\n');
  const safe = redactText(text, secrets);
  context.stdout.write(useColor(context.stdout, context.env) ? highlightToml(safe) : safe);
  return 0;
}
