import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Config, findExecutable, instantiateLaunch } from '@mr/runner-config';
import type { Checklist } from './check.js';

/** The generated gitlab-runner config: present, and readable by its owner only (it holds runner tokens). */
export async function checkGeneratedConfig(list: Checklist, path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    list.fail(
      'generated-config',
      `the generated gitlab-runner config ${path} does not exist`,
      'run `gitlab-meta-runner configure`: it writes it',
    );
    return;
  }
  const mode = info.mode & 0o777;
  if ((mode & 0o077) !== 0)
    list.fail(
      'generated-config',
      `the generated gitlab-runner config ${path} has mode ${mode.toString(8).padStart(4, '0')}: other users can read its runner tokens`,
      `chmod 600 ${path}`,
    );
  else list.ok('generated-config', `the generated gitlab-runner config ${path} exists with mode 0600`);
}

/** The launch command of every instance, its status command, and squeue/scancel for Slurm, found on PATH. */
export function checkLaunchCommands(
  list: Checklist,
  config: Config,
  context: {
    thisPath: string;
    env: Record<string, string | undefined>;
    home: string;
    configPath: string;
    cwd: string;
  },
): void {
  if (!config.launch) {
    list.fail(
      'launch',
      'the config has no [launch] section: run cannot launch anything',
      'add a [launch] section; `gitlab-meta-runner show-example-config` shows one for Slurm',
    );
    return;
  }
  const path = context.env.PATH;
  const seen = new Set<string>();
  for (const instance of Object.keys(config.runners)) {
    let launch: ReturnType<typeof instantiateLaunch>;
    try {
      launch = instantiateLaunch(config, instance, { ...context, numJobs: 1 });
    } catch (error) {
      list.fail(
        `launch.${instance}`,
        `[launch] does not expand for instance ${instance}: ${(error as Error).message}`,
        'fix the variables [launch] uses (config_variables of the instance, or the environment)',
      );
      continue;
    }
    const programs = [launch.executable];
    if (launch.status_command?.[0]) programs.push(launch.status_command[0]);
    if (launch.batch_system === 'slurm') programs.push('squeue', 'scancel');
    for (const program of programs) {
      if (seen.has(program)) continue;
      seen.add(program);
      const found = findExecutable(program, { path, cwd: launch.workdir ?? context.cwd });
      if (found) list.ok(`launch.${basename(program)}`, `launch program ${program} found: ${found}`);
      else
        list.fail(
          `launch.${basename(program)}`,
          program.includes('/')
            ? `launch program ${program} does not exist or is not executable`
            : `launch program ${program} is not on PATH (${path || 'empty'})`,
          program.includes('/')
            ? 'fix the path in [launch]'
            : `install ${program}, add its directory to PATH where gitlab-meta-runner runs, or give its absolute path in [launch]`,
        );
    }
  }
}
