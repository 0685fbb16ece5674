import type { Config } from './schema.js';

/** The management_token of the documented example. */
export const EXAMPLE_TOKEN = 'enter-your-token-here';

/** Things that are valid but probably not what the user wants, one sentence each. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.management_token === EXAMPLE_TOKEN) {
    warnings.push(
      'management_token is still the placeholder of the example; configure and run need a real token',
    );
  }
  const instances = Object.entries(config.runners);
  if (instances.length === 0) warnings.push('the config defines no runner instance ([runners.<instance>])');
  for (const [name, instance] of instances) {
    if (instance.tags.length === 0 && !instance.run_untagged) {
      warnings.push(
        `runner instance ${JSON.stringify(name)} has no tags and run_untagged = false, so it can never take a job`,
      );
    }
  }
  if (!config.launch) warnings.push('there is no [launch] section, so `run` cannot launch runners');
  return warnings;
}
