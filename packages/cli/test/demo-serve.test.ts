import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs, runCli } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';

afterAll(removeTempDirs);

/** Resolves once `check()` is true, polling every 100 ms; rejects after `ms`. */
async function until(check: () => boolean, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('gitlab-meta-runner demo --serve', () => {
  it('serves a simulated GitLab that configure, run-single and status work against, until SIGINT', async () => {
    const dir = join(makeTempDir(), 'try');
    const serve = runCli(['demo', '--serve', '--dir', dir, '--jobs', '2'], { timeout: 280_000 });
    let out = '';
    serve.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    try {
      await until(() => out.includes('Serving until Ctrl-C'), 'the simulator to be ready');
      const token = /^Access token: (\S+)/m.exec(out)?.[1];
      expect(token).toMatch(/^glpat-/);
      const envFile = join(dir, 'env.sh');
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(envFile, 'utf8')).toContain(`DEMO_GITLAB_TOKEN=${token}`);
      const files = ['--config-file', join(dir, 'config.toml'), '--data-dir', join(dir, 'data')];
      expect(out).toContain(`gitlab-meta-runner configure ${files.join(' ')}`);

      const env = { DEMO_GITLAB_TOKEN: token!, MR_STANDIN_JOB_MS: '50' };
      const configured = await runCli(['configure', ...files], { env });
      expect(configured.exitCode, configured.stderr).toBe(0);
      expect(configured.stdout).toContain('created: cpu, gpu');
      expect(configured.stdout + configured.stderr).not.toContain(token!);

      const launched = await runCli(['run-single', ...files], { env });
      expect(launched.exitCode, launched.stderr).toBe(0);
      expect(launched.stderr).toMatch(/launched=[12] failed=0/);
      await until(() => out.includes('done 2/2'), 'both jobs to be done');

      const status = await runCli(['status', ...files]);
      expect(status.exitCode, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/cpu: runner id \d+/);
    } finally {
      serve.kill('SIGINT');
    }
    const result = await serve;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Stopped. The files stay in ${dir}.`);
  }, 300_000);
});
