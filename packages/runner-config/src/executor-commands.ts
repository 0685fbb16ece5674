import type { InstantiatedCustom } from './instantiate.js';

const steps = ['config', 'prepare', 'run', 'cleanup'] as const;

/**
 * `[runners.custom]` with the config file named in every step that calls this program's `executor`
 * subcommand, so that a step reads the file `configure` used, not the default path. A step calls it when
 * its `*_exec` is `thisPath` and its arguments start with `executor`, or when an argument is `thisPath`
 * followed by `executor` (a wrapper such as `env`). `--config-file <path>` goes right before `executor`;
 * steps that already name a config file, or call something else, are left as they are.
 */
export function withConfigFile(
  custom: InstantiatedCustom,
  thisPath: string,
  configFile: string,
): InstantiatedCustom {
  const out: InstantiatedCustom = { ...custom };
  for (const step of steps) {
    const exec = custom[`${step}_exec`];
    const args = custom[`${step}_args`];
    if (args.includes('--config-file') || args.some((a) => a.startsWith('--config-file='))) continue;
    let at = -1;
    if (exec === thisPath && args[0] === 'executor') at = 0;
    else
      for (let i = 0; i + 1 < args.length; i++)
        if (args[i] === thisPath && args[i + 1] === 'executor') {
          at = i + 1;
          break;
        }
    if (at < 0) continue;
    out[`${step}_args`] = [...args.slice(0, at), '--config-file', configFile, ...args.slice(at)];
  }
  return out;
}
