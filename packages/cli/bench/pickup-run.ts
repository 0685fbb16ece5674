// One variant of the pickup benchmark: a GitLab simulator, `gitlab-meta-runner run -v` (the built bin) with
// `[poll] interval = 30` (unless the variant says otherwise) and its other `[poll]` keys, and a launch
// command that writes the time it is called (ms since the epoch) to `$BATCH_DIR/launch-times` before it
// submits the stand-in runner to the local background batch system of the CLI tests (`bg-submit`, with
// `bg-status` as the status command). The batch job runs the stand-in runner at the lowest priority
// (`nice -n 19`): on a cluster it would run on a compute node, not beside the launcher.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimJob } from '@mr/gitlab-simulator';
import { eventually, launchFixture } from '../test/launch-fixture.ts';
import { quantile } from './stats.ts';

const secret = 'bench-webhook-secret-0123456789';
/** The longest a stage's jobs may take to end. */
const RELAX_MS = 600_000;

const launch = `
executable = "sh"
args = ['-c', 'date +%s%3N >> "$$BATCH_DIR/launch-times"; exec bg-submit']
status_command = ["bg-status"]
stdin = """
#!/bin/sh
exec nice -n 19 gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
`;

const webhookPoll = `
[poll.webhook]
listen = "127.0.0.1:0"
secret = "$MR_WEBHOOK_SECRET"
`;

export interface Arrival {
  /** The workload and its part: `single`, `burst`, `stages×5 first`, `stages×5 later`, ... */
  kind: string;
  jobs: { id: number; createdAt: number }[];
}

export interface Figures {
  n: number;
  median: number;
  p95: number;
}

export interface PickupRun {
  name: string;
  /** Adds pending jobs at once (one pipeline), one per script (a job's `script:` lines); default `true`. */
  add(kind: string, count: number, scripts?: readonly (readonly string[])[]): Arrival;
  /**
   * Adds the next stage: its jobs become pending the moment the last job of `previous` ends, as GitLab makes
   * a stage's jobs pending when the stage before it completes. Resolves with them.
   */
  addAfter(previous: Arrival, kind: string, scripts: readonly (readonly string[])[]): Promise<Arrival>;
  /** Resolves once every job of `arrival` ended. */
  ended(arrival: Arrival): Promise<void>;
  /** When the launch command was called, once per launch (ms since the epoch). */
  launchTimes(): number[];
  /** Every job added so far was taken by a runner. */
  allTaken(): boolean;
  /**
   * The launcher is idle: every job added so far was taken, and a cycle after that decided to wait the
   * whole `interval` (reason idle; the original's fixed interval is idle as soon as the jobs are taken).
   */
  relaxed(): boolean;
  /** Requests the launcher made so far: the pending-job lists, and all its API requests (runner side excluded). */
  requests(): { lists: number; api: number };
  /**
   * Per workload and metric, in seconds; `paces`: how many arrivals of each workload came while the run
   * waited for which reason (`single idle`: the launcher had relaxed); `problems`: lost or extra launches,
   * untaken jobs, refused hooks.
   */
  measure(arrivals: readonly Arrival[]): {
    figures: Record<string, Figures>;
    paces: Record<string, number>;
    problems: string[];
  };
  /** What helps to find out why a launch was missing: the run's decisions and the hook deliveries. */
  diagnostics(): string;
  close(): Promise<void>;
}

const figures = (values: number[]): Figures => ({
  n: values.length,
  median: quantile(values, 0.5),
  p95: quantile(values, 0.95),
});

export async function startPickupRun(variant: {
  name: string;
  poll: string;
  webhook: boolean;
  /** `[poll] interval` in seconds; default 30. */
  interval?: number;
}): Promise<PickupRun> {
  const f = await launchFixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch,
    interval: variant.interval ?? 30,
    poll: `${variant.poll}\n${variant.webhook ? webhookPoll : ''}`,
    env: { MR_WEBHOOK_SECRET: secret },
  });
  const child = f.cli(['run', '-v'], { timeout: 3_600_000 });
  let stderr = '';
  /** The run's log lines, each with the time it arrived (ms since the epoch). */
  const logLines: { at: number; line: string }[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const at = Date.now();
    for (const line of chunk.toString().split('\n')) if (line !== '') logLines.push({ at, line });
  });
  /** Why the run waited when `at` came: the reason of the last "next poll" before it. */
  const paceAt = (at: number) =>
    /reason=(\S+)/.exec(
      logLines.findLast((l) => l.at < at && l.line.startsWith('next poll'))?.line ?? '',
    )?.[1];
  const started = () => /webhook listener started listen=(\S+)/.exec(stderr)?.[1];
  if (variant.webhook) {
    await eventually(() => started() !== undefined, 60_000, `the webhook listener of ${variant.name}`);
    f.sim.addWebhook({ url: `http://${started()}/`, token: secret });
  }
  await eventually(() => stderr.includes('cycle pending='), 60_000, `a first cycle of ${variant.name}`);

  const added: SimJob[] = [];
  const timesFile = join(f.env.BATCH_DIR!, 'launch-times');
  const launchTimes = () =>
    existsSync(timesFile)
      ? readFileSync(timesFile, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map(Number)
          .sort((a, b) => a - b)
      : [];
  const add = (kind: string, count: number, scripts?: readonly (readonly string[])[]): Arrival => {
    const jobs = f.sim.addJobs(
      Array.from({ length: count }, (_, i) => ({ tags: ['cpu'], script: scripts?.[i] ?? ['true'] })),
    );
    added.push(...jobs);
    return { kind, jobs: jobs.map((j) => ({ id: j.id, createdAt: j.createdAt.getTime() })) };
  };
  return {
    name: variant.name,
    add,
    addAfter(previous, kind, scripts) {
      return new Promise((resolve) => {
        const check = () => {
          const finished = previous.jobs.map((j) => f.sim.job(j.id)?.finishedAt?.getTime());
          if (finished.some((t) => t === undefined)) return;
          f.sim.off('change', check);
          resolve(add(kind, scripts.length, scripts));
        };
        f.sim.on('change', check);
        check();
      });
    },
    ended: (arrival) =>
      f.sim.waitFor(() => arrival.jobs.every((j) => f.sim.job(j.id)?.finishedAt), {
        timeoutMs: RELAX_MS,
        description: `the end of jobs ${arrival.jobs.map((j) => j.id).join(', ')} in ${variant.name}`,
      }),
    launchTimes,
    allTaken: () => added.every((j) => f.sim.job(j.id)?.startedAt),
    relaxed() {
      let lastTaken = 0;
      for (const j of added) {
        const taken = f.sim.job(j.id)?.startedAt?.getTime();
        if (taken === undefined) return false;
        lastTaken = Math.max(lastTaken, taken);
      }
      const last = logLines.findLast((l) => l.line.startsWith('next poll'));
      if (!last) return false;
      // A fixed interval has no busier pace to relax from.
      if (/reason=fixed/.test(last.line)) return true;
      return /reason=idle/.test(last.line) && last.at > lastTaken;
    },
    requests() {
      const counts = f.sim.requestCounts();
      let api = 0;
      for (const [endpoint, n] of Object.entries(counts))
        if (!/^(POST|PUT|PATCH) \/jobs|\.git\//.test(endpoint)) api += n ?? 0;
      return { lists: counts['GET /projects/:id/jobs'] ?? 0, api };
    },
    measure(arrivals) {
      const problems: string[] = [];
      const launches = launchTimes();
      const jobs = arrivals.flatMap((a) => a.jobs).sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
      if (launches.length !== jobs.length)
        problems.push(`${launches.length} launches for ${jobs.length} jobs`);
      const untaken = jobs.filter((j) => !f.sim.job(j.id)?.startedAt).map((j) => j.id);
      if (untaken.length > 0) problems.push(`jobs never taken: ${untaken.join(', ')}`);
      // One launch per job (group_size 1), made in the order the jobs became pending.
      const launchOf = new Map(jobs.map((j, i) => [j.id, launches[i]]));
      const series: Record<string, number[]> = {};
      const push = (key: string, value: number | undefined) => {
        if (value === undefined || !Number.isFinite(value)) return;
        series[key] = [...(series[key] ?? []), value];
      };
      const paces: Record<string, number> = {};
      for (const arrival of arrivals) {
        const pace = `${arrival.kind} ${paceAt(arrival.jobs[0]!.createdAt) ?? 'none'}`;
        paces[pace] = (paces[pace] ?? 0) + 1;
        const at = arrival.jobs.map((j) => launchOf.get(j.id));
        for (const [i, j] of arrival.jobs.entries()) {
          const launched = at[i];
          push(`${arrival.kind} pending-launch`, launched && (launched - j.createdAt) / 1000);
          const taken = f.sim.job(j.id)?.startedAt?.getTime();
          push(`${arrival.kind} pending-taken`, taken && (taken - j.createdAt) / 1000);
        }
        if (arrival.jobs.length > 1 && at.every((t) => t !== undefined)) {
          const times = at as number[];
          push(`${arrival.kind} last-launch`, (Math.max(...times) - arrival.jobs[0]!.createdAt) / 1000);
          push(`${arrival.kind} first-to-last-launch`, (Math.max(...times) - Math.min(...times)) / 1000);
        }
      }
      if (variant.webhook) {
        const refused = f.sim.webhookDeliveries.filter((d) => d.status !== 200);
        if (refused.length > 0)
          problems.push(
            `hooks not answered 200: ${refused.map((d) => `job ${d.jobId} ${d.status ?? d.error}`).join(', ')}`,
          );
      }
      return {
        figures: Object.fromEntries(Object.entries(series).map(([k, v]) => [k, figures(v)])),
        paces,
        problems,
      };
    },
    diagnostics() {
      const lines = logLines
        .filter((l) => /^(cycle|next poll|launched|warning|error|webhook)/.test(l.line))
        .map((l) => `${new Date(l.at).toISOString().slice(11, 23)} ${l.line}`);
      const hooks = f.sim.webhookDeliveries.map(
        (d) =>
          `${new Date(d.sentAt).toISOString().slice(11, 23)} job ${d.jobId} ${d.buildStatus} ${d.status ?? d.error ?? d.skipped}`,
      );
      return [`-- ${variant.name}: run log (last 80 lines)`, ...lines.slice(-80), '-- hooks', ...hooks].join(
        '\n',
      );
    },
    async close() {
      child.kill('SIGTERM');
      await child;
      await f.close();
    },
  };
}
