import { randomUUID } from 'node:crypto';
import type { LauncherCore } from './launcher-core.js';
import type { PlannedLaunch } from './plan.js';
import { redactText as redact } from '@mr/node-kit/redact';

/** A launch a dry run would make: the command line and script, secrets redacted. */
export interface DryRunLaunch {
  instance: string;
  numJobs: number;
  jobIds: readonly number[];
  executable: string;
  /** Every argument, the batch system's own (Slurm job name and comment) first. */
  args: readonly string[];
  workdir?: string | undefined;
  /** The script written to the launch command's standard input. */
  stdin?: string | undefined;
  /** Set instead of the command line when the instance's `[launch]` does not expand. */
  error?: string | undefined;
}

/** The command line a planned launch would run, built as `launchOne` builds it; secrets redacted. */
export function describeLaunch(core: LauncherCore, launch: PlannedLaunch): DryRunLaunch {
  const base = { instance: launch.instance, numJobs: launch.numJobs, jobIds: launch.jobIds };
  const hide = (text: string) => redact(text, core.secrets);
  try {
    const settings = core.options.launchSettings(launch.instance, launch.numJobs);
    const system = core.systems.for(launch.instance);
    const tag = {
      name: core.options.settings.name,
      instance: launch.instance,
      numJobs: launch.numJobs,
      launchId: randomUUID(),
    };
    const args = [...system.tagArgs(tag, settings.args, settings.stdin), ...settings.args];
    return {
      ...base,
      executable: hide(settings.executable),
      args: args.map(hide),
      workdir: settings.workdir === undefined ? undefined : hide(settings.workdir),
      stdin: settings.stdin === undefined ? undefined : hide(settings.stdin),
    };
  } catch (error) {
    return { ...base, executable: '', args: [], error: hide((error as Error).message) };
  }
}
