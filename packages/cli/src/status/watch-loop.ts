import { setTimeout as wait } from 'node:timers/promises';
import type { LiveLaunches } from '@mr/launcher';
import { useColor } from '@mr/logger';
import type { Config } from '@mr/runner-config';
import { formatError } from '../errors.js';
import type { CommandContext } from '../io.js';
import { askBatchSystems, type LiveCheck } from './live-check.js';
import { buildReport, type StatusReport } from './status-report.js';
import { type TerminalOutput, TerminalScreen } from './terminal-screen.js';
import { type WatchLine, watchLines } from './watch-view.js';

/** How often `--watch` asks the batch system itself at most (only while no launcher runs). */
export const WATCH_BATCH_CHECK_MS = 30_000;

export interface WatchOptions {
  intervalMs: number;
  json: boolean;
}

/**
 * The batch system is asked only while no launcher holds the data directory: a running launcher asks it every
 * cycle and saves what it learns, so its state file is at most one cycle old. Otherwise at most every
 * {@link WATCH_BATCH_CHECK_MS}, so that a watch left open does not poll `squeue` every few seconds.
 */
function watchLiveCheck(context: CommandContext, config: Config, intervalMs: number): LiveCheck {
  let last: { at: number; live: LiveLaunches } | undefined;
  return async (request) => {
    if (request.launcherRunning) {
      last = undefined;
      return { skipped: 'batch states as the running launcher last saw them, at most one cycle ago' };
    }
    const now = Date.now();
    if (last && now - last.at < Math.max(intervalMs, WATCH_BATCH_CHECK_MS)) return { live: last.live };
    const live = await askBatchSystems(context, config, request);
    last = live ? { at: now, live } : undefined;
    return live ? { live } : {};
  };
}

/** The report without the figures that change by themselves as time passes (ages, seconds left). */
export function changeKey(report: StatusReport): string {
  const r = structuredClone(report) as StatusReport;
  r.state_saved_at = undefined;
  r.state_file_age_seconds = undefined;
  r.launcher.refreshed_seconds_ago = undefined;
  if (r.last_cycle) r.last_cycle = { ...r.last_cycle, at: '', age_seconds: 0 };
  for (const x of r.in_flight) x.age_seconds = 0;
  for (const b of r.backoff) b.seconds_left = 0;
  for (const w of r.jobs_near_drop) w.seconds_left = 0;
  for (const t of r.runners) t.expires_in_seconds = undefined;
  return JSON.stringify(r);
}

type Output = TerminalOutput & {
  isTTY?: boolean;
  on?(event: 'resize' | 'error', listener: () => void): unknown;
  off?(event: 'resize' | 'error', listener: () => void): unknown;
};

/**
 * `status --watch`: the report again every `intervalMs` until SIGINT or SIGTERM, then exit 0. On a terminal
 * the view is redrawn in place (and at once when the window is resized); otherwise, and with `--json`, a
 * block of lines (or one JSON line) is written each time the report changed, figures that only age aside.
 */
export async function watchStatus(
  context: CommandContext,
  config: Config,
  options: WatchOptions,
): Promise<number> {
  const out = context.stdout as Output;
  const screen =
    !options.json && out.isTTY === true ? new TerminalScreen(out, useColor(out, context.env)) : undefined;
  const stop = new AbortController();
  let pause = new AbortController();
  let resized = false;
  const onStop = () => stop.abort();
  const onResize = () => {
    resized = true;
    pause.abort();
  };
  const restore = () => screen?.close();
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  process.on('exit', restore);
  out.on?.('resize', onResize);
  // A reader that goes away (`| head`) ends the watch instead of crashing it.
  out.on?.('error', onStop);
  const live = watchLiveCheck(context, config, options.intervalMs);
  const every = `${options.intervalMs / 1000}s`;
  let lastKey: string | undefined;
  let first = true;
  try {
    while (!stop.signal.aborted) {
      const now = Date.now();
      const notes: string[] = [];
      let report: StatusReport | undefined;
      let failure: unknown;
      try {
        report = await buildReport(context, config, now, { live, warn: (m) => notes.push(m) });
      } catch (error) {
        failure = error;
      }
      if (stop.signal.aborted) break;
      const key = report ? `${changeKey(report)}${JSON.stringify(notes)}` : `error ${String(failure)}`;
      const at = new Date(now);
      if (screen) {
        const lines: WatchLine[] = [
          {
            text: `gitlab-meta-runner status --watch: "${config.name}" at ${at.toTimeString().slice(0, 8)}, every ${every} (Ctrl-C stops)`,
            tone: 'title',
          },
          { text: '' },
          ...(report ? watchLines(report, now, notes) : errorLines(failure)),
        ];
        screen.draw(lines, first || resized);
      } else if (key !== lastKey) {
        if (options.json)
          out.write(
            `${JSON.stringify(report ? { at: at.toISOString(), ...report, notes } : { at: at.toISOString(), error: errorJson(failure) })}\n`,
          );
        else {
          const body = report ? watchLines(report, now, notes) : errorLines(failure);
          out.write(
            `--- ${at.toISOString()} "${config.name}" ---\n${body.map((l) => l.text).join('\n')}\n\n`,
          );
        }
      }
      lastKey = key;
      first = false;
      resized = false;
      pause = new AbortController();
      await wait(options.intervalMs, undefined, {
        signal: AbortSignal.any([stop.signal, pause.signal]),
      }).catch(() => {});
    }
  } finally {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
    process.off('exit', restore);
    out.off?.('resize', onResize);
    out.off?.('error', onStop);
    restore();
  }
  return 0;
}

function errorLines(error: unknown): WatchLine[] {
  return formatError(error, false)
    .trimEnd()
    .split('\n')
    .map((text) => ({ text, tone: 'bad' as const }));
}

function errorJson(error: unknown): { message: string; code?: string } {
  const e = error as { message?: unknown; code?: unknown };
  return { message: String(e?.message ?? error), ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}
