// `status --watch` beside a running `run`: the figures of the state file (in flight per instance and batch
// state, the last cycle, pickup times, recent failures) as they change; plain lines when the output is not a
// terminal, JSON lines with --json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { eventually, type LaunchFixture, launchFixture } from './launch-fixture.js';

afterAll(removeTempDirs);

/** A launch that prints an id the status command lists (running) until the test removes it from `alive`. */
const heldLaunch = `
executable = "sh"
args = ['-c', 'echo id-$$$$ | tee -a "$$BATCH_DIR/alive"']
status_command = ['sh', '-c', 'sed "s/$$/ R/" "$$BATCH_DIR/alive" 2>/dev/null || true']
`;

/** Starts a bin and collects its stdout and stderr; killed at the end of the test whatever happens. */
function start(f: LaunchFixture, args: string[]) {
  const child = f.cli(args, { timeout: 170_000 });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => {
    out.stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out.stderr += chunk.toString();
  });
  return { child, out };
}

/** The complete blocks of plain `--watch` output: a `--- <time> "<name>" ---` line, the view, a blank line. */
function blocks(stdout: string): { at: string; body: string }[] {
  return stdout
    .split(/^(?=--- \S+ "meta" ---$)/m)
    .filter((block) => block.endsWith('\n\n'))
    .map((block) => {
      const newline = block.indexOf('\n');
      return { at: /^--- (\S+)/.exec(block)![1]!, body: block.slice(newline + 1, -1) };
    });
}

describe('status --watch', () => {
  it('shows a launch appear and end beside a running run, a block only when something changed', async () => {
    const f = await launchFixture({ instances: { cpu: { tags: ['cpu'] } }, launch: heldLaunch });
    onTestFinished(() => f.close());
    const run = start(f, ['run']);
    const cycles = () => run.out.stderr.split('\n').filter((l) => l.startsWith('cycle ')).length;
    await eventually(() => cycles() >= 1, 60_000, 'the first cycle of run');

    const plain = start(f, ['status', '--watch', '--interval', '0.2']);
    const json = start(f, ['status', '--watch', '--json', '--interval', '0.2']);
    const last = () => blocks(plain.out.stdout).at(-1)?.body ?? '';
    await eventually(
      () => /in flight: 0 runner/.test(last()),
      60_000,
      'a first block with nothing in flight',
    );
    expect(last()).toMatch(/^launcher: running \(process \d+ on /);
    expect(last()).toContain('last cycle ');
    expect(blocks(plain.out.stdout)[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // Nothing changes while run cycles: no new block (its cycles only age the figures).
    const quiet = blocks(plain.out.stdout).length;
    const before = cycles();
    await eventually(() => cycles() >= before + 5, 60_000, 'five more cycles');
    expect(blocks(plain.out.stdout)).toHaveLength(quiet);

    // A job: run launches a runner for it; the watch shows it in flight and its pickup time.
    const [job] = f.sim.addJobs([{ tags: ['cpu'] }]);
    await eventually(() => /in flight: 1 runner/.test(last()), 60_000, 'the launch in the watch');
    await eventually(() => /cpu: batch job id-\d+, running/.test(last()), 60_000, 'its batch state');
    expect(last()).toMatch(/^ {2}cpu {2}1 {2}\(running 1\)$/m);
    expect(last()).toMatch(/pending to launch[^\n]*\n {2}cpu: median [\d.]+s, max [\d.]+s over 1 job\(s\)/);

    // The job goes, and so does the batch job: the launch ends.
    f.sim.cancelJob(job!.id);
    writeFileSync(join(f.env.BATCH_DIR!, 'alive'), '');
    await eventually(() => /in flight: 0 runner/.test(last()), 60_000, 'the launch to end in the watch');

    // The same changes as JSON lines: nothing in flight, then one launch, then none again.
    await eventually(
      () =>
        json.out.stdout.split('\n').some((l) => l.includes('"in_flight":[]') && l.includes('"pickups":[{')),
      60_000,
      'the JSON line after the end',
    );
    const lines = json.out.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const counts = lines.map((l) => l.in_flight.length);
    expect(counts[0]).toBe(0);
    expect(counts).toContain(1);
    expect(counts.at(-1)).toBe(0);
    expect(lines.every((l) => typeof l.at === 'string' && l.name === 'meta')).toBe(true);

    for (const w of [plain, json]) w.child.kill('SIGTERM');
    expect((await plain.child).exitCode).toBe(0);
    expect((await json.child).exitCode).toBe(0);
    expect(plain.out.stderr).toBe('');
    expect(plain.out.stdout).not.toMatch(/\x1b/);
    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(0);
  });

  const noPython = spawnSync('python3', ['-c', 'import pty'], { timeout: 30_000 }).status !== 0;
  it.skipIf(noPython)(
    `redraws in place on a terminal, fits its width (also after a resize), and shows the cursor again after Ctrl-C${noPython ? ' (skipped: no python3 with pty)' : ''}`,
    async () => {
      const dir = makeTempDir();
      const dataDir = join(dir, 'data');
      mkdirSync(dataDir);
      writeFileSync(
        join(dir, 'meta.toml'),
        `name = "meta"\nproject = "group/project"\nhostname = "gitlab.example.org"\nmanagement_token = "$NOT_SET"\n\n[runners.cpu]\ntags = ["cpu"]\n\n[poll]\ninterval = 30\n\n[launch]\nexecutable = "sh"\n\n[runner]\nbuilds_dir = "/tmp/b"\ncache_dir = "/tmp/c"\nexecutor = "shell"\n`,
      );
      const failedAt = new Date(Date.now() - 90_000).toISOString();
      writeFileSync(
        join(dataDir, 'meta.state'),
        JSON.stringify({
          version: 1,
          launches: [],
          recentFailures: [{ at: failedAt, instance: 'cpu', message: 'sbatch: error: invalid partition' }],
        }),
      );
      const watch = (env: Record<string, string>) => {
        const args = ['status', '--watch', '--interval', '0.2', '--config-file', join(dir, 'meta.toml')];
        const child = spawn(
          'python3',
          [
            join(import.meta.dirname, 'pty-run.py'),
            ...['30', '60'], // rows and columns
            ...['30', '40'], // after a resize (SIGUSR1)
            process.execPath,
            binPath('gitlab-meta-runner'),
            ...args,
            '--data-dir',
            dataDir,
          ],
          { env: { PATH: process.env.PATH, HOME: dir, TERM: 'xterm', ...env }, stdio: 'pipe' },
        );
        const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
        onTestFinished(() => {
          child.kill('SIGKILL');
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        // Ctrl-C: the terminal sends SIGINT to the command; resolves with its exit code.
        const interrupt = () => {
          child.stdin.write('\x03');
          return exited;
        };
        const resize = () => child.kill('SIGUSR1');
        return { out: () => out, interrupt, resize };
      };
      const HOME = '\x1b[H';
      const colour = watch({});
      // Three frames: drawn, then redrawn in place (cursor home, each line cleared to its end, the rest below).
      await eventually(() => colour.out().split(HOME).length > 3, 60_000, 'three frames');
      const beforeResize = colour.out();
      colour.resize();
      // A resized window is cleared and drawn again at once, to its new width.
      await eventually(() => colour.out().split('\x1b[2J').length > 2, 60_000, 'the redraw after the resize');
      expect(await colour.interrupt()).toBe(0);
      const afterResize = colour.out().split('\x1b[2J')[2]!.split(HOME)[1]!;
      const narrow = afterResize.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split('\r\n');
      expect(Math.max(...narrow.map((l) => l.length))).toBeLessThanOrEqual(39);
      expect(narrow[0]).toBe(`gitlab-meta-runner status --watch: "...`);
      const text = beforeResize;
      expect(text.startsWith('\x1b[?25l')).toBe(true); // cursor hidden first
      expect(colour.out().trimEnd().endsWith('\x1b[?25h')).toBe(true); // and shown again at the end
      expect(text.split('\x1b[2J')).toHaveLength(2); // the first frame clears the screen, the next ones not
      const frames = text.split(HOME).slice(1);
      const frame = frames.at(-2)!;
      expect(frame).toContain('\x1b[K\r\n'); // each line cleared to its end (the terminal turns \n into \r\n)
      expect(frame).toMatch(/\x1b\[J$/);
      expect(frame).toContain('\x1b[1m'); // titles in bold
      expect(frame).toContain('\x1b[31m'); // the failure in red
      const visible = frame
        .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
        .split('\r\n')
        .filter((l) => l !== '');
      // 60 columns: lines are cut to 59, the header with "...".
      expect(Math.max(...visible.map((l) => l.length))).toBeLessThanOrEqual(59);
      expect(visible[0]).toMatch(/^gitlab-meta-runner status --watch: "meta" at .*\.\.\.$/);
      expect(visible).toContain('launcher: not running');
      expect(visible.some((l) => /^ {2}1m3\ds ago, cpu: sbatch: error: invalid/.test(l))).toBe(true);
      expect(text).not.toContain('--- ');

      // NO_COLOR: the same frames without colours.
      const plain = watch({ NO_COLOR: '1' });
      await eventually(() => plain.out().split(HOME).length > 2, 60_000, 'two frames without colour');
      expect(await plain.interrupt()).toBe(0);
      expect(plain.out()).not.toMatch(/\x1b\[(1|31|33)m/);
    },
  );
});
