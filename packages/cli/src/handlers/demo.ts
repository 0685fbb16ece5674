import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { GitLabClient } from '@mr/gitlab-api';
import { type GitLabSimulator, startSimulator } from '@mr/gitlab-simulator';
import { openLauncher } from '@mr/launcher';
import { configure, formatConfigureSummary } from '@mr/registration';
import { createLogger } from '@mr/logger';
import { generatedConfigPath, loadConfig, statePath, tokensFilePath } from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import {
  demoProject,
  logTail,
  queueDemoJobs,
  stateText,
  unmatchableTags,
  writeDemoDir,
} from '../demo/demo-files.js';
import { abortOnSignals, demoDirectory, stopDemoJobs } from '../demo/demo-session.js';
import { UsageError } from '../errors.js';
import type { CommandContext } from '../io.js';

// Every job runs about ten executor calls, each a process start: generous on a busy machine.
const demoTimeoutMs = 300_000;

interface Progress {
  pending: number;
  running: number;
  done: number;
  inFlight: number;
}

function progressLine(p: Progress, matchable: number, seconds: number): string {
  return `${seconds.toFixed(0).padStart(3)}s  done ${String(p.done).padStart(3)}/${matchable}  running ${p.running}  pending ${p.pending}  runners in flight ${p.inFlight}`;
}

/** Runs the demo and returns its exit code: 0 when every matchable job was done. */
export async function demoHandler(
  context: CommandContext,
  args: Record<string, unknown>,
): Promise<CommandResult> {
  for (const option of ['config-file', 'data-dir', 'generated-config-file']) {
    if (args[option] !== undefined)
      throw new UsageError(`demo does not use --${option}: it writes its own config and data directory`, {
        hint: 'name the directory the demo works in with --dir',
      });
  }
  const jobs = typeof args.jobs === 'number' ? args.jobs : Number.NaN;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 200) {
    throw new UsageError(`--jobs takes a whole number from 1 to 200, not ${JSON.stringify(args.jobs)}`, {
      hint: 'for example: gitlab-meta-runner demo --jobs 20',
    });
  }
  if (args.serve === true) return (await import('./demo-serve.js')).demoServe(context, args, jobs);
  const keep = Boolean(args.keep) || typeof args.dir === 'string';
  const dir = demoDirectory(context.cwd, args.dir);
  const out = context.stdout;
  const tty = out.isTTY === true && context.logFormat === 'text';
  const spool = join(dir, 'spool');

  let sim: GitLabSimulator | undefined;
  const { stop, release } = abortOnSignals();
  const started = Date.now();
  try {
    sim = await startSimulator({ projects: [{ id: 1, path: demoProject }] });
    const matchableIds = queueDemoJobs(sim, jobs);
    const { dataDir, configFile, registry, notIsolated } = writeDemoDir(dir, sim);

    const env: Record<string, string | undefined> = {
      ...context.env,
      DEMO_GITLAB_TOKEN: sim.token,
    };
    const logger = createLogger({
      level: context.logLevel,
      format: context.logFormat,
      env: context.env,
      // On a terminal, a log line first clears the progress line it interrupts.
      stream: tty
        ? { isTTY: true, write: (s: string) => context.stderr.write(`\r\x1b[K${s}`) }
        : context.stderr,
      secrets: [sim.token],
    });

    out.write(
      `GitLab simulator on ${sim.url}, project ${demoProject}: ${jobs} pending jobs for the runner instances cpu and gpu, and 1 (tags: ${unmatchableTags.join(', ')}) that no instance can take.\n`,
    );
    out.write(
      'Each job runs through gitlab-meta-runner executor, in the images of the stand-in apptainer: ' +
        (registry
          ? `isolated with bubblewrap in busybox root filesystems from a local registry (${registry}).\n`
          : `on this host, not isolated (${notIsolated}; install bubblewrap and busybox-static to isolate them).\n`),
    );
    out.write(`Config: ${configFile}\n\n== configure\n`);
    const config = await loadConfig(configFile, { env });
    const home = env.HOME ?? tmpdir();
    // The simulator is on loopback: reached directly, whatever proxy the environment names.
    const gitlab = new GitLabClient({ baseUrl: sim.url, token: sim.token, logger, env: {} });
    const configured = await configure({
      config,
      dataDir,
      context: { thisPath: context.thisPath, env, home, configFile },
      logger,
      client: gitlab,
    }).catch(async (error: unknown) => {
      await gitlab.close();
      throw error;
    });
    out.write(`${formatConfigureSummary(configured)}\n`);
    if (configured.failed.length > 0) {
      await gitlab.close();
      return 1;
    }

    out.write('\n== run (poll every second, launch through the local stand-in for sbatch)\n');
    const { launcher, client } = await openLauncher({
      config,
      dataDir,
      thisPath: context.thisPath,
      env,
      logger,
      client: gitlab,
    });
    let launches = 0;
    let failedLaunches = 0;
    const loop = launcher
      .run({
        intervalMs: 1000,
        signal: stop.signal,
        onCycle: (cycle) => {
          launches += cycle.launched;
          failedLaunches += cycle.failed;
        },
      })
      .finally(async () => {
        await launcher.close();
        await client.close();
      });

    const progress = (): Progress => {
      const all = sim!.jobs().filter((j) => matchableIds.has(j.id));
      return {
        pending: all.filter((j) => j.status === 'pending').length,
        running: all.filter((j) => j.status === 'running').length,
        done: all.filter((j) => ['success', 'failed', 'canceled'].includes(j.status)).length,
        inFlight: launcher.state.launches.length,
      };
    };
    let last = '';
    let current = progress();
    while (!stop.signal.aborted && current.done < jobs && Date.now() - started < demoTimeoutMs) {
      const line = progressLine(current, jobs, (Date.now() - started) / 1000);
      const shown = line.replace(/^\s*\d+s\s+/, '');
      if (tty) out.write(`\r\x1b[K${line}`);
      else if (shown !== last) out.write(`${line}\n`);
      last = shown;
      await wait(250, undefined, { signal: stop.signal }).catch(() => {});
      current = progress();
    }
    const finished = current.done >= jobs;
    stop.abort();
    await loop;
    if (tty) out.write(`\r\x1b[K${progressLine(current, jobs, (Date.now() - started) / 1000)}\n`);
    else out.write(`${progressLine(current, jobs, (Date.now() - started) / 1000)}\n`);

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const unmatched = sim.jobs().filter((j) => !matchableIds.has(j.id) && j.status === 'pending').length;
    out.write('\n== summary\n');
    out.write(
      finished
        ? `All ${jobs} matchable jobs done in ${seconds} s by ${launches} launches (group_size 2, so one runner takes up to 2 jobs); ${failedLaunches} failed launches.\n`
        : `Stopped after ${seconds} s with ${current.done} of ${jobs} matchable jobs done.\n`,
    );
    out.write(
      `${unmatched} job left pending: no runner instance has the tags ${unmatchableTags.join(', ')}.\n`,
    );
    const logDir = join(dir, 'logs');
    const artifactDir = join(dir, 'artifacts');
    if (keep) for (const d of [logDir, artifactDir]) mkdirSync(d, { recursive: true });
    out.write('\n== jobs (state, then the end of the log)\n');
    for (const job of sim.jobs().filter((j) => matchableIds.has(j.id))) {
      out.write(`${job.name} (job ${job.id}): ${stateText(job)}\n`);
      for (const line of logTail(job.trace, 4)) out.write(`    ${line}\n`);
      for (const artifact of sim.jobArtifacts(job.id)) {
        const kept = join(artifactDir, `job-${job.id}-${artifact.fileName}`);
        if (keep) writeFileSync(kept, artifact.data);
        out.write(
          `    artifact ${artifact.fileName} (${artifact.format}, ${artifact.data.length} bytes) stored in the simulator${keep ? `, kept as ${kept}` : ''}\n`,
        );
      }
      if (keep) {
        const file = join(logDir, `job-${job.id}-${job.name}.log`);
        writeFileSync(file, job.trace);
        out.write(`    log: ${file}\n`);
      }
    }
    const files = [
      ['config', configFile],
      ['runner tokens (0600)', tokensFilePath(dataDir, config.name)],
      ['generated gitlab-runner config (0600)', generatedConfigPath(dataDir, config.name)],
      ['launch state', statePath(dataDir, config.name)],
      ['batch job scripts and output', spool],
      ['job logs', logDir],
      ['artifacts', artifactDir],
      ...(registry ? [['image registry (busybox root filesystems)', registry]] : []),
    ];
    if (keep) {
      out.write(`\nFiles, kept in ${dir}:\n`);
      for (const [what, path] of files) out.write(`  ${what}: ${path}\n`);
      out.write(`Try: gitlab-meta-runner status --config-file ${configFile} --data-dir ${dataDir}\n`);
    } else {
      out.write(
        '\nThe demo directory was removed; run with --keep to look at the config, tokens, state and logs.\n',
      );
    }
    return finished ? 0 : 1;
  } finally {
    release();
    stopDemoJobs(spool);
    await sim?.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
