import { userInfo } from 'node:os';
import { basename } from 'node:path';
import type { BatchSystem } from './batch-system.js';
import { genericBatchSystem } from './generic-batch.js';
import type { LauncherOptions } from './launcher-options.js';
import { slurmBatchSystem } from './slurm.js';
import type { LaunchRecord } from './state.js';

/** What {@link BatchSystems} needs of a launcher's options. */
export type BatchSystemsOptions = Pick<LauncherOptions, 'launchSettings' | 'env' | 'user'> & {
  settings: Pick<LauncherOptions['settings'], 'batchSystem' | 'instances'>;
};

/** The batch systems of a launcher's instances, one per distinct Slurm `sbatch` or generic status command. */
export class BatchSystems {
  readonly #options: BatchSystemsOptions;
  readonly #systems = new Map<string, BatchSystem>();
  #env: Record<string, string | undefined>;

  constructor(options: BatchSystemsOptions, env: Record<string, string | undefined>) {
    this.#options = options;
    this.#env = env;
  }

  /** New launch environment (secrets were added): batch systems are made again with it. */
  setEnv(env: Record<string, string | undefined>): void {
    this.#env = env;
    this.#systems.clear();
  }

  /** The batch system of an instance's launches; throws when its `[launch]` does not expand. */
  for(instance: string): BatchSystem {
    const settings = this.#options.launchSettings(instance, 1);
    const kind =
      settings.batchSystem ??
      (this.#options.settings.batchSystem === 'auto'
        ? basename(settings.executable) === 'sbatch'
          ? 'slurm'
          : 'generic'
        : this.#options.settings.batchSystem);
    const key =
      kind === 'slurm'
        ? `slurm\u0000${settings.executable}`
        : `generic\u0000${JSON.stringify(settings.statusCommand ?? [])}`;
    let system = this.#systems.get(key);
    if (!system) {
      system =
        kind === 'slurm'
          ? slurmBatchSystem({
              sbatch: settings.executable,
              env: this.#env,
              user: this.#options.user ?? currentUser(this.#options.env),
            })
          : genericBatchSystem({ statusCommand: settings.statusCommand, env: this.#env });
      this.#systems.set(key, system);
    }
    return system;
  }

  /** The batch system each record and instance belongs to; records of removed instances use the first. */
  inUse(records: readonly LaunchRecord[]): {
    systems: Map<BatchSystem, { instances: string[]; records: LaunchRecord[] }>;
    /** Records no batch system can be made for (no instance's `[launch]` expands): kept as they are. */
    orphans: LaunchRecord[];
  } {
    const out = new Map<BatchSystem, { instances: string[]; records: LaunchRecord[] }>();
    const byInstance = new Map<string, BatchSystem>();
    for (const instance of this.#options.settings.instances) {
      try {
        const system = this.for(instance.name);
        byInstance.set(instance.name, system);
        if (!out.has(system)) out.set(system, { instances: [], records: [] });
        out.get(system)!.instances.push(instance.name);
      } catch {
        // The instance's launch settings do not expand: its launches fail with that message.
      }
    }
    const fallback = out.keys().next().value;
    const orphans: LaunchRecord[] = [];
    for (const record of records) {
      const system = byInstance.get(record.instance) ?? fallback;
      if (system) out.get(system)!.records.push(record);
      else orphans.push(record);
    }
    return { systems: out, orphans };
  }
}

function currentUser(env: Record<string, string | undefined>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? String(process.getuid?.() ?? '');
  }
}
