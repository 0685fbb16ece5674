import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CustomExecutorCommands } from '@mr/gitlab-simulator';
import { type JobSession, waitUntil } from './custom-executor-driver.js';

// Measures which processes a job step leaves running. A step's script starts one process of each pattern
// below, named `mr-survivor-<token>-<pattern>` (bash's `exec -a`), so they are found by name in /proc
// whatever their pid, process group, session or parent, and inside or outside a PID namespace.

/** The ways a step's script can leave a process behind. */
export const SURVIVOR_PATTERNS = [
  /** `sleep &`: a background child in the step's process group. */
  'background',
  /** A double fork: the child's parent exits at once, so it is reparented (to init or a subreaper). */
  'daemon',
  /** `setsid`: a new session and process group. */
  'setsid',
  /** `trap '' TERM` then a double fork: an orphan that ignores SIGTERM. */
  'ignores-term',
  /** `set -m`: bash puts the background job into a process group of its own (same session). */
  'own-group',
] as const;
export type SurvivorPattern = (typeof SURVIVOR_PATTERNS)[number];

/**
 * How a `run` call ends, as gitlab-runner ends it: the script ends by itself (`end`); a cancel or timeout
 * (SIGTERM to the executor's process group, helpers/process/killer_unix.go in gitlab-runner v19.3.0);
 * the force kill after graceful_kill_timeout (SIGKILL to the group); or SIGKILL of the executor process
 * alone (the OOM killer, a `kill -9` of its pid).
 */
export type StepEnding = 'end' | 'term' | 'kill-group' | 'kill-process';

const name = (token: string, pattern: SurvivorPattern) => `mr-survivor-${token}-${pattern}`;

/**
 * Bash lines that start one process of every pattern (stdin and output detached, so none holds the job
 * log open), wait until all of them run, then create the file `ready`.
 */
export function survivorScript(token: string, ready: string): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const sleeper = (pattern: SurvivorPattern) => `exec -a ${q(name(token, pattern))} sleep 600`;
  const quiet = '</dev/null >/dev/null 2>&1';
  return [
    `(${sleeper('background')}) ${quiet} &`,
    `( (${sleeper('daemon')}) ${quiet} & )`,
    `setsid bash -c ${q(sleeper('setsid'))} ${quiet} &`,
    `( (trap '' TERM; ${sleeper('ignores-term')}) ${quiet} & )`,
    `set -m; (${sleeper('own-group')}) ${quiet} & set +m`,
    `until [ "$(grep -las '^mr-survivor-${token}-' /proc/[0-9]*/cmdline | wc -l)" -ge ${SURVIVOR_PATTERNS.length} ]; do sleep 0.02; done`,
    `: > ${q(ready)}`,
  ].join('\n');
}

/** The running (not zombie) processes of `token`, by pattern. */
export function survivors(token: string): Record<SurvivorPattern, number[]> {
  const found = Object.fromEntries(SURVIVOR_PATTERNS.map((p) => [p, [] as number[]])) as Record<
    SurvivorPattern,
    number[]
  >;
  const prefix = `mr-survivor-${token}-`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv0: string;
    let state: string;
    try {
      argv0 = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (!argv0.startsWith(prefix)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
    } catch {
      continue;
    }
    const pattern = argv0.slice(prefix.length) as SurvivorPattern;
    if (state !== 'Z' && pattern in found) found[pattern].push(Number(entry));
  }
  return found;
}

/** How many processes of `token` run. */
export const survivorCount = (token: string): number =>
  Object.values(survivors(token)).reduce((n, pids) => n + pids.length, 0);

/** SIGKILLs what a measurement left running (by pid, found by its unique name). */
export function killSurvivors(token: string): void {
  for (const pids of Object.values(survivors(token))) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
  }
}

export interface EndedStep {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** The executor's pid (also its process group). */
  pid: number;
}

let scripts = 0;

/**
 * Runs `run <script> <stage>` of a job as gitlab-runner does (in a process group of its own, the script in
 * a new 0700 directory of the job's temporary directory) and ends it as `ending` says once the file
 * `ready` exists (for `end`, the script ends by itself). Resolves when the executor process has exited;
 * what it left running is not touched. A call still running after `deadlineMs` is killed with its group
 * and rejects.
 */
export function runStepEnding(
  executor: CustomExecutorCommands,
  session: JobSession,
  stage: string,
  body: string,
  ending: StepEnding,
  ready: string,
  deadlineMs = 60_000,
): Promise<EndedStep> {
  const dir = join(session.jobTmp, `survivor-script${String(++scripts).padStart(3, '0')}`);
  mkdirSync(dir, { mode: 0o700 });
  const script = join(dir, 'script.');
  const vars = session.inner.scriptVariables();
  const exports = Object.entries(vars)
    .map(([k, v]) => `export ${k}='${v.replaceAll("'", `'\\''`)}'`)
    .join('\n');
  writeFileSync(
    script,
    `#!/usr/bin/env bash\n${exports}\ncd "$CI_PROJECT_DIR" 2>/dev/null || true\n${body}\n`,
    { mode: 0o700 },
  );
  return new Promise((resolve, reject) => {
    const child = spawn(executor.run_exec, [...executor.run_args, script, stage], {
      env: session.env,
      cwd: session.jobTmp,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    const pid = child.pid!;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // Gone.
      }
    };
    let exited = false;
    const deadline = setTimeout(() => {
      signalGroup('SIGKILL');
      reject(new Error(`the ${stage} step did not end within ${deadlineMs} ms:\n${output}`));
    }, deadlineMs);
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => {
      exited = true;
      clearTimeout(deadline);
      resolve({ exitCode, signal, output, pid });
    });
    if (ending === 'end') return;
    waitUntil(() => existsSync(ready) || exited, deadlineMs, `${ready} (the step's processes started)`).then(
      () => {
        if (exited) return;
        if (ending === 'term') signalGroup('SIGTERM');
        else if (ending === 'kill-group') signalGroup('SIGKILL');
        else child.kill('SIGKILL');
      },
      reject,
    );
  });
}

/** Per pattern: in how many trials a process of it ran after the step, and after cleanup. */
export type SurvivorCounts = Record<SurvivorPattern, { afterStep: number; afterCleanup: number }>;

export interface MeasureOptions {
  executor: CustomExecutorCommands;
  /** A new job (a unique id each time) whose config and prepare are yet to run. */
  newJob: () => JobSession;
  stage: string;
  trials: number;
  endings?: readonly StepEnding[];
  /** Makes the temporary file that tells the step's processes have started. */
  readyFile: () => string;
}

/**
 * Runs `trials` jobs per ending, each with one `run` of `stage` whose script starts the survivor patterns,
 * and counts what runs after the step (after a SIGKILL: within 2 s, what dies "at once") and after the
 * job's cleanup. Every process a trial left is killed before the next.
 */
export async function measureSurvivors(options: MeasureOptions): Promise<Map<StepEnding, SurvivorCounts>> {
  const table = new Map<StepEnding, SurvivorCounts>();
  for (const ending of options.endings ?? (['end', 'term', 'kill-group', 'kill-process'] as const)) {
    const counts = Object.fromEntries(
      SURVIVOR_PATTERNS.map((p) => [p, { afterStep: 0, afterCleanup: 0 }]),
    ) as SurvivorCounts;
    for (let trial = 0; trial < options.trials; trial++) {
      const session = options.newJob();
      const token = `${process.pid}-${session.inner.env.CUSTOM_ENV_CI_JOB_ID}-${ending}`;
      const ready = options.readyFile();
      const count = (field: 'afterStep' | 'afterCleanup') => {
        for (const [p, pids] of Object.entries(survivors(token))) {
          if (pids.length > 0) counts[p as SurvivorPattern][field]++;
        }
      };
      try {
        const config = await session.config();
        if (config.exitCode !== 0) throw new Error(`config failed:\n${config.stderr}`);
        const prepare = await session.prepare();
        if (prepare.exitCode !== 0) throw new Error(`prepare failed:\n${prepare.stderr}`);
        const body = `${survivorScript(token, ready)}\n${ending === 'end' ? 'exit 0' : 'sleep 600'}`;
        const step = await runStepEnding(options.executor, session, options.stage, body, ending, ready);
        if (ending === 'end' && step.exitCode !== 0)
          throw new Error(`the step failed (${step.exitCode}):\n${step.output}`);
        if (ending.startsWith('kill'))
          await waitUntil(() => survivorCount(token) === 0, 2_000).catch(() => {});
        count('afterStep');
        const cleanup = await session.cleanup();
        if (cleanup.exitCode !== 0) throw new Error(`cleanup failed:\n${cleanup.stderr}`);
        count('afterCleanup');
      } finally {
        killSurvivors(token);
      }
    }
    table.set(ending, counts);
  }
  return table;
}

/** The table as lines: `<label> <ending> <pattern> a/n after the step, b/n after cleanup`. */
export function formatSurvivors(
  label: string,
  table: Map<StepEnding, SurvivorCounts>,
  trials: number,
): string {
  return [...table]
    .flatMap(([ending, counts]) =>
      Object.entries(counts).map(
        ([p, c]) =>
          `${label} ${ending.padEnd(12)} ${p.padEnd(13)} ${c.afterStep}/${trials} after the step, ${c.afterCleanup}/${trials} after cleanup`,
      ),
    )
    .join('\n');
}
