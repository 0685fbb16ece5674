import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { startSimulator } from '@mr/gitlab-simulator';
import type { CommandResult } from '../commands/command.js';
import { demoProject, queueDemoJobs, unmatchableTags, writeDemoDir } from '../demo/demo-files.js';
import { abortOnSignals, demoDirectory, stopDemoJobs } from '../demo/demo-session.js';
import type { CommandContext } from '../io.js';

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * `demo --serve`: the demo's GitLab simulator on its own, with pending jobs, a config that points at it and
 * the local stand-ins for sbatch and gitlab-runner, until SIGINT or SIGTERM; the user runs `configure`,
 * `run-single`, `run` and `status` against it from another terminal. The directory is kept.
 */
export async function demoServe(
  context: CommandContext,
  args: Record<string, unknown>,
  jobs: number,
): Promise<CommandResult> {
  const dir = demoDirectory(context.cwd, args.dir);
  const out = context.stdout;
  const sim = await startSimulator({ projects: [{ id: 1, path: demoProject }] });
  const { stop: stopped, release } = abortOnSignals();
  const spool = join(dir, 'spool');
  try {
    const demo = writeDemoDir(dir, sim);
    const matchable = queueDemoJobs(sim, jobs);
    // The token of this throw-away simulator, for the commands run from another shell (0600).
    const envFile = join(dir, 'env.sh');
    writeFileSync(envFile, `export DEMO_GITLAB_TOKEN=${quote(sim.token)}\n`, { mode: 0o600 });
    const files = `--config-file ${quote(demo.configFile)} --data-dir ${quote(demo.dataDir)}`;
    out.write(
      [
        `GitLab simulator on ${sim.url}, project ${demoProject}, with ${jobs} pending jobs for the runner instances cpu and gpu and 1 (tags: ${unmatchableTags.join(', ')}) that none can take.`,
        `Access token: ${sim.token} (in ${envFile})`,
        `Config: ${demo.configFile} (its [launch] uses the local stand-ins for sbatch and gitlab-runner in ${demo.bin})`,
        `Data directory: ${demo.dataDir}`,
        '',
        'In another terminal:',
        `  . ${quote(envFile)}`,
        `  gitlab-meta-runner configure ${files}`,
        `  gitlab-meta-runner run-single --dry-run ${files}`,
        `  gitlab-meta-runner run ${files}`,
        `  gitlab-meta-runner status ${files}`,
        '',
        'Serving until Ctrl-C; job progress follows.',
        '',
      ].join('\n'),
    );
    let last = '';
    const report = () => {
      const mine = sim.jobs().filter((j) => matchable.has(j.id));
      const count = (...statuses: string[]) => mine.filter((j) => statuses.includes(j.status)).length;
      const line = `jobs: pending ${count('pending')}  running ${count('running')}  done ${count('success', 'failed')}/${jobs}`;
      if (line !== last) out.write(`${line}\n`);
      last = line;
    };
    report();
    const timer = setInterval(report, 250);
    try {
      if (!stopped.signal.aborted) await once(stopped.signal, 'abort');
    } finally {
      clearInterval(timer);
    }
    report();
    out.write(`Stopped. The files stay in ${dir}.\n`);
    return 0;
  } finally {
    release();
    stopDemoJobs(spool);
    await sim.close();
  }
}
