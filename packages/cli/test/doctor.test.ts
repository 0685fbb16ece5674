import { chmodSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { readTokens } from '@mr/runner-config';
import { selfSignedCertificate } from '@mr/test-support';
import { describe, expect, it } from 'vitest';
import { doctor, doctorFixture, editConfig, generatedConfig } from './doctor-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

async function setup(options: Parameters<typeof doctorFixture>[0] = {}) {
  return harness.closeAfter(await doctorFixture(options));
}

/** A port nobody listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('gitlab-meta-runner doctor', () => {
  it('passes every check of a configured setup and exits 0; the text checklist says so', async () => {
    const f = await setup();
    const result = await doctor(f);
    expect(result.failed).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.ok).toBe(true);
    for (const id of [
      'config',
      'generated-config',
      'launch.bg-submit',
      'launch.bg-status',
      'gitlab.dns',
      'gitlab.connect',
      'token.expiry',
      'token.scopes',
      'project',
      'runner.cpu',
    ])
      expect(result.byId(id).status).toBe('ok');
    expect(result.byId('gitlab.dns').summary).toMatch(/is an address/);
    const text = await f.cli(['doctor']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^\[ok {2}\] the config .* is valid/m);
    expect(text.stdout).toMatch(/everything needed holds\.\n$/);
  });

  it('fails on a management token GitLab refuses, naming the fix', async () => {
    const f = await setup();
    const result = await doctor(f, [], { MR_TEST_TOKEN: 'glpat-wrong-token-xxxxxxxx' });
    expect(result.exitCode).toBe(1);
    expect(result.byId('token.valid')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/refuses the management token \(401/),
    });
    expect(result.byId('token.valid').fix).toMatch(/read_api, create_runner and manage_runner/);
    expect(JSON.stringify(result.checks)).not.toContain('glpat-wrong-token-xxxxxxxx');
  });

  it('fails on an expired management token and warns (exit 0) about one expiring within 14 days', async () => {
    const f = await setup();
    f.sim.accessToken.expiresAt = '2020-01-31';
    const expired = await doctor(f);
    expect(expired.exitCode).toBe(1);
    expect(expired.byId('token.expiry')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/expired on 2020-01-31/),
    });
    f.sim.accessToken.expiresAt = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const soon = await doctor(f);
    expect(soon.byId('token.expiry')).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/in [23] day\(s\)/),
    });
    expect(soon.exitCode).toBe(0);
  });

  it('fails on a management token without the scopes it needs, naming them', async () => {
    const f = await setup();
    f.sim.accessToken.scopes = ['read_api', 'read_repository'];
    const result = await doctor(f);
    expect(result.exitCode).toBe(1);
    const scopes = result.byId('token.scopes');
    expect(scopes.status).toBe('fail');
    expect(scopes.summary).toMatch(/lacks scope\(s\) create_runner .*manage_runner/);
    expect(scopes.summary).not.toMatch(/read_api \(/);
  });

  it('warns when GitLab cannot tell the token scopes (before 15.5) and still checks the project', async () => {
    const f = await setup();
    f.sim.accessToken.missing = true;
    const result = await doctor(f);
    expect(result.byId('token.valid').status).toBe('warn');
    expect(result.byId('project').status).toBe('ok');
    expect(result.exitCode).toBe(0);
  });

  it('fails when the project is not visible', async () => {
    const f = await setup();
    editConfig(f, /^project = .*$/m, 'project = "group/elsewhere"');
    const result = await doctor(f);
    expect(result.byId('project')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/not visible .*404/),
    });
    expect(result.exitCode).toBe(1);
  });

  it('fails when GitLab is unreachable (closed port) or its host does not resolve, and skips the token checks', async () => {
    const f = await setup();
    editConfig(f, /^hostname = .*$/m, `hostname = "http://127.0.0.1:${await closedPort()}"`);
    const refused = await doctor(f, [], { HTTPS_PROXY: 'http://proxy.example:3128' });
    expect(refused.exitCode).toBe(1);
    expect(refused.byId('gitlab.connect')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/ECONNREFUSED/),
    });
    // HTTPS_PROXY is for https:// URLs; this GitLab is http://, so it is reached directly.
    expect(refused.byId('gitlab.proxy')).toMatchObject({
      status: 'ok',
      summary: expect.stringMatching(/no proxy for GitLab: HTTPS_PROXY applies to https:\/\/ URLs only/),
    });
    expect(refused.byId('token').status).toBe('skip');
    editConfig(f, /^hostname = .*$/m, 'hostname = "https://gitlab.no-such-host.invalid"');
    const dns = await doctor(f);
    expect(dns.byId('gitlab.dns')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/does not resolve/),
    });
    expect(dns.exitCode).toBe(1);
  });

  it('fails on a TLS certificate it cannot trust, and passes with NODE_EXTRA_CA_CERTS naming its CA', async () => {
    const f = await setup();
    const { key, cert, certFile } = selfSignedCertificate('127.0.0.1');
    const server = createHttpsServer({ key, cert }, (_req, res) => res.writeHead(401).end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      editConfig(
        f,
        /^hostname = .*$/m,
        `hostname = "https://127.0.0.1:${(server.address() as { port: number }).port}"`,
      );
      const untrusted = await doctor(f);
      expect(untrusted.byId('gitlab.tls')).toMatchObject({
        status: 'fail',
        summary: expect.stringMatching(/not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/),
      });
      expect(untrusted.byId('gitlab.tls').fix).toMatch(/NODE_EXTRA_CA_CERTS/);
      const trusted = await doctor(f, [], { NODE_EXTRA_CA_CERTS: certFile });
      expect(trusted.byId('gitlab.ca').status).toBe('ok');
      expect(trusted.byId('gitlab.connect').status).toBe('ok');
      // That server is no GitLab: the token check that follows fails.
      expect(trusted.byId('token.valid').status).toBe('fail');
      const unreadable = await doctor(f, [], { NODE_EXTRA_CA_CERTS: join(certFile, '..', 'missing.pem') });
      expect(unreadable.byId('gitlab.ca').status).toBe('fail');
    } finally {
      server.close();
    }
  });

  it('fails on a generated config other users can read, with the chmod that fixes it, and on a missing one', async () => {
    const f = await setup();
    chmodSync(generatedConfig(f), 0o644);
    const open = await doctor(f);
    expect(open.byId('generated-config')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/mode 0644/),
      fix: `chmod 600 ${generatedConfig(f)}`,
    });
    expect(open.exitCode).toBe(1);
    rmSync(generatedConfig(f));
    const missing = await doctor(f);
    expect(missing.byId('generated-config')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/does not exist/),
    });
  });

  it('fails when the launch command is not on PATH, and for Slurm also checks squeue and scancel', async () => {
    const f = await setup();
    editConfig(f, 'executable = "bg-submit"', 'executable = "sbatch-nowhere"');
    const result = await doctor(f);
    expect(result.byId('launch.sbatch-nowhere')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/not on PATH/),
    });
    expect(result.exitCode).toBe(1);
    editConfig(f, 'executable = "sbatch-nowhere"', `executable = "${join(f.binDir, 'sbatch')}"`);
    const slurm = await doctor(f, [], { PATH: `${f.binDir}:/usr/bin:/bin` });
    expect(slurm.byId(`launch.sbatch`).status).toBe('fail');
    expect(slurm.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['launch.squeue', 'launch.scancel']),
    );
  });

  it('fails on a runner token GitLab refuses and on an instance without a runner', async () => {
    const f = await setup({ instances: { cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu'] } } });
    const tokens = await readTokens(join(f.dataDir, 'meta.tokens'));
    expect(f.sim.removeRunner(tokens.cpu!.id)).toBe(true);
    editConfig(f, '[poll]', '[runners.arm]\ntags = ["arm"]\n\n[poll]');
    const result = await doctor(f);
    expect(result.byId('runner.cpu')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/refuses the runner token/),
      fix: expect.stringMatching(/configure/),
    });
    expect(result.byId('runner.gpu').status).toBe('ok');
    expect(result.byId('runner.arm')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/no registered runner/),
    });
    expect(result.exitCode).toBe(1);
  });

  it('fails on a config that is not valid, with its problems, and checks nothing else', async () => {
    const f = await setup();
    editConfig(f, '[poll]', '[poll]\nintervall = 3');
    const result = await doctor(f);
    expect(result.exitCode).toBe(1);
    expect(result.checks).toHaveLength(1);
    expect(result.byId('config').status).toBe('fail');
    expect(result.byId('config').details?.join('\n')).toMatch(/intervall/);
  });
});
