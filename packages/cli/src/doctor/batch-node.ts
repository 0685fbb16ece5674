import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { type Config, generatedConfigPath, instantiateLaunch } from '@mr/runner-config';
import type { CommandContext } from '../io.js';
import type { Check, Checklist } from './check.js';

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The probe's batch script: the directives of the instance's own `[launch] stdin` (shebang, `#SBATCH` lines and
 * other leading comments, so it gets the same partition, account and GPUs), then the probe instead of
 * gitlab-runner.
 */
export function probeScript(stdin: string, command: readonly string[]): string {
  const header: string[] = [];
  for (const line of stdin.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') header.push(line);
    else break;
  }
  while (header.length > 0 && header.at(-1)!.trim() === '') header.pop();
  if (!header[0]?.startsWith('#!')) header.unshift('#!/bin/sh');
  return `${header.join('\n')}\nexec ${command.map(shellQuote).join(' ')}\n`;
}

function runLaunch(
  file: string,
  args: readonly string[],
  stdin: string,
  cwd: string | undefined,
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(file, [...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.once('error', (error) => resolve({ code: null, output, error }));
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/**
 * Submits one short batch job through `[launch]` of an instance; in it, `gitlab-meta-runner doctor
 * --node-report` checks the compute node and writes its findings to a file in the data directory (which the
 * nodes share), which this waits for. The node's checks join the list.
 */
export async function checkBatchNode(
  list: Checklist,
  config: Config,
  context: CommandContext,
  options: {
    instance?: string | undefined;
    timeoutMs: number;
    /** Stops the wait for the report (SIGINT/SIGTERM): the checklist is printed with what was found. */
    signal?: AbortSignal | undefined;
  },
): Promise<void> {
  const instance = options.instance ?? Object.keys(config.runners)[0];
  if (!instance || !Object.hasOwn(config.runners, instance)) {
    list.fail(
      'batch',
      `--batch: no instance ${options.instance ?? ''} in the config`,
      `name one of: ${Object.keys(config.runners).join(', ')}`,
    );
    return;
  }
  if (!config.launch) return; // reported by the launch check
  const configPath = generatedConfigPath(context.dataDir, config.name, context.generatedConfigFile);
  let launch: ReturnType<typeof instantiateLaunch>;
  try {
    launch = instantiateLaunch(config, instance, {
      thisPath: context.thisPath,
      env: context.env,
      home: context.env.HOME || homedir(),
      configPath,
      numJobs: 1,
    });
  } catch (error) {
    list.fail(
      'batch',
      `[launch] does not expand for ${instance}: ${(error as Error).message}`,
      'fix [launch]',
    );
    return;
  }
  if (launch.stdin === undefined) {
    list.fail(
      'batch',
      `[launch] of ${instance} passes no script on standard input, so doctor cannot put its probe there`,
      'check the node by hand: run `gitlab-runner --version` and `apptainer --version` in a batch job',
    );
    return;
  }
  const dir = join(context.dataDir, 'doctor');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const out = join(dir, `node-${randomBytes(6).toString('hex')}.json`);
  const command = [
    context.thisPath,
    'doctor',
    '--node-report',
    out,
    '--node-instance',
    instance,
    '--node-time-limit',
    String(Math.max(1, Math.ceil(options.timeoutMs / 1000))),
    '--config-file',
    context.configFile,
    '--data-dir',
    context.dataDir,
  ];
  const started = await runLaunch(
    launch.executable,
    launch.args,
    probeScript(launch.stdin, command),
    launch.workdir,
    context.env,
  );
  const said = started.output.trim().split('\n').slice(-5);
  if (started.error || started.code !== 0) {
    list.fail(
      'batch.submit',
      `the launch command ${launch.executable} of ${instance} failed: ${started.error?.message ?? `exit code ${started.code}`}`,
      'run `gitlab-meta-runner run-single --dry-run` and try its command by hand',
      said,
    );
    return;
  }
  list.ok(
    'batch.submit',
    `submitted a probe job through [launch] of ${instance}${said[0] ? ` (${said.join(' ')})` : ''}`,
  );
  context.logger.info(
    `waiting up to ${Math.round(options.timeoutMs / 1000)} s for the probe job to report (Ctrl-C stops waiting)`,
  );
  const report = await waitForReport(out, options.timeoutMs, options.signal);
  await rm(out, { force: true });
  if (report === 'interrupted') {
    list.fail(
      'batch.report',
      'stopped while waiting for the probe job to report',
      'the probe job may still wait in the queue: cancel it (scancel on Slurm), or leave it: it ends by itself within --batch-timeout once it runs',
      said,
    );
    return;
  }
  if (!report) {
    list.fail(
      'batch.report',
      `the probe job reported nothing within ${Math.round(options.timeoutMs / 1000)} s`,
      'the job may still wait in the queue (squeue), or the node does not see the data directory or cannot run gitlab-meta-runner: check the job’s output file',
      [`expected ${out}`],
    );
    return;
  }
  list.ok('batch.report', `the probe job ran on ${report.host}`);
  for (const check of report.checks) list.add({ ...check, summary: `${report.host}: ${check.summary}` });
}

type NodeReport = { host: string; checks: Check[] };

/**
 * Waits for the probe's report file: read again whenever its directory changes (the probe renames the
 * report into place), and at least every 5 s where file events do not come (network file systems), until
 * `timeoutMs` have passed or `signal` aborts.
 */
async function waitForReport(
  file: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<NodeReport | undefined | 'interrupted'> {
  const deadline = Date.now() + timeoutMs;
  // One controller per wait, so that a file event ends only the wait it happened in.
  let changed = new AbortController();
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(dirname(file), (_event, name) => {
      if (name === null || name === basename(file)) changed.abort();
    });
    watcher.on('error', () => {});
  } catch {
    // No file events here: the periodic look alone.
  }
  try {
    for (;;) {
      const report = await readFile(file, 'utf8').then(
        (text) => JSON.parse(text) as NodeReport,
        () => undefined,
      );
      if (report) return report;
      if (signal?.aborted) return 'interrupted';
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      const wake = signal ? AbortSignal.any([signal, changed.signal]) : changed.signal;
      await wait(Math.min(left, 5_000), undefined, { signal: wake }).catch(() => {});
      changed = new AbortController();
    }
  } finally {
    watcher?.close();
  }
}
