// GitLab only through an HTTP proxy, with the built bin against the simulator and a real proxy on loopback
// (forwarding and CONNECT, counted at the proxy): configure, run-single and doctor go through it when a proxy
// variable is set, not for a host in NO_PROXY, TLS and NODE_EXTRA_CA_CERTS work through the tunnel, and the
// proxy's password appears nowhere.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { selfSignedCertificate, startTestProxy, type TestProxy } from '@mr/test-support';
import { describe, expect, it } from 'vitest';
import { doctor, editConfig } from './doctor-fixture.js';
import type { LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

const PASSWORD = 'Pr0xy-S3cret';
const basic = Buffer.from(`squid:${PASSWORD}`).toString('base64');
/** A name only the proxy can resolve (RFC 6761 reserves .test). */
const GITLAB_HOST = 'gitlab.example.test';

const launch = `
executable = "sh"
args = ['-c', 'echo id-$$$$']
`;

function setup(): Promise<LaunchFixture> {
  return harness.fixture({ instances: { cpu: { tags: ['cpu'] } }, launch });
}

async function proxy(options: Parameters<typeof startTestProxy>[0] = {}): Promise<TestProxy> {
  const p = await startTestProxy({ hosts: { [GITLAB_HOST]: '127.0.0.1' }, ...options });
  harness.cleanup(() => p.close());
  return p;
}

const withCredentials = (p: TestProxy, password = PASSWORD) => p.url.replace('//', `//squid:${password}@`);
const simPort = (f: LaunchFixture) => new URL(f.sim.url).port;

/** Runs a command and returns what it did at the proxy and at the simulator. */
async function counted(f: LaunchFixture, p: TestProxy, args: string[], env: Record<string, string>) {
  const proxied = p.requests.length;
  const received = f.sim.requestCount();
  const result = await f.cli(args, { env, timeout: 170_000 });
  return { result, atProxy: p.requests.slice(proxied), atGitLab: f.sim.requestCount() - received };
}

function expectNoPassword(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(basic);
  }
}

describe('GitLab through an HTTP proxy', () => {
  it('sends every request of configure and run-single through HTTP_PROXY, with its credentials, to a host only the proxy knows', async () => {
    const f = await setup();
    const p = await proxy({ credentials: `squid:${PASSWORD}` });
    editConfig(f, /^hostname = .*$/m, `hostname = "http://${GITLAB_HOST}:${simPort(f)}"`);
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const env = { HTTP_PROXY: withCredentials(p) };

    const configured = await counted(f, p, ['configure', '-v'], env);
    expect(configured.result.exitCode).toBe(0);
    const single = await counted(f, p, ['run-single', '-v'], env);
    expect(single.result.exitCode).toBe(0);
    expect(single.result.stderr).toMatch(/cycle pending=1 matched=cpu:1 in_flight=1 launched=1/);
    for (const { atProxy, atGitLab } of [configured, single]) {
      expect(atProxy.length).toBeGreaterThan(0);
      expect(atProxy).toHaveLength(atGitLab);
      for (const r of atProxy) {
        expect(r.target.startsWith(`http://${GITLAB_HOST}:${simPort(f)}/api/v4/`)).toBe(true);
        expect(r.authorization).toBe(`Basic ${basic}`);
        expect(r.refused).toBeUndefined();
      }
    }
    expectNoPassword(
      String(configured.result.stdout),
      String(configured.result.stderr),
      String(single.result.stdout),
      String(single.result.stderr),
      readFileSync(f.stateFile, 'utf8'),
    );
  });

  it('goes directly to a host listed in NO_PROXY, and reads no_proxy before NO_PROXY', async () => {
    const f = await setup();
    const p = await proxy();
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const bypass = await counted(f, p, ['run-single'], {
      HTTP_PROXY: p.url,
      NO_PROXY: 'localhost,127.0.0.1',
    });
    expect(bypass.result.exitCode).toBe(0);
    expect(bypass.atGitLab).toBeGreaterThan(0);
    expect(bypass.atProxy).toEqual([]);
    const lower = await counted(f, p, ['run-single'], {
      HTTP_PROXY: p.url,
      NO_PROXY: '127.0.0.1',
      no_proxy: 'gitlab.elsewhere.test',
    });
    expect(lower.result.exitCode).toBe(0);
    expect(lower.atProxy).toHaveLength(lower.atGitLab);
  });

  it('tunnels https:// through HTTPS_PROXY with CONNECT and checks the certificate against NODE_EXTRA_CA_CERTS', async () => {
    const f = await setup();
    const p = await proxy();
    const tls = await tlsFront(f);
    editConfig(f, /^hostname = .*$/m, `hostname = "https://${GITLAB_HOST}:${tls.port}"`);
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const env = { HTTPS_PROXY: p.url, NODE_EXTRA_CA_CERTS: tls.ca };
    const single = await counted(f, p, ['run-single'], env);
    expect(single.result.stderr).toMatch(/launched=1/);
    expect(single.result.exitCode).toBe(0);
    expect(single.atProxy.length).toBeGreaterThan(0);
    expect(
      single.atProxy.every((r) => r.method === 'CONNECT' && r.target === `${GITLAB_HOST}:${tls.port}`),
    ).toBe(true);
    expect(tls.requests()).toBe(single.atGitLab);
    // Without the CA, the tunnel still opens but GitLab's certificate is refused.
    const untrusted = await counted(f, p, ['run-single'], { HTTPS_PROXY: p.url });
    expect(untrusted.result.exitCode).toBe(1);
    expect(untrusted.result.stderr).toMatch(/self[- ]signed certificate|DEPTH_ZERO_SELF_SIGNED_CERT/);
  });

  it('names the proxy without its password when the proxy refuses the credentials or does not run', async () => {
    const f = await setup();
    const p = await proxy({ credentials: `squid:${PASSWORD}` });
    const wrong = await f.cli(['run-single'], { env: { HTTP_PROXY: withCredentials(p, 'wr0ng-Passw0rd') } });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain(`through the proxy ${p.url.replace('//', '//***@')} (HTTP_PROXY)`);
    expect(wrong.stderr).toMatch(/407/);
    expect(wrong.stderr).not.toContain('wr0ng-Passw0rd');
    const gone = await startTestProxy();
    await gone.close();
    const down = await f.cli(['run-single'], {
      env: { HTTP_PROXY: `http://squid:${PASSWORD}@127.0.0.1:${gone.port}` },
      timeout: 170_000,
    });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toMatch(
      /Cannot reach GitLab at .* through the proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+ .*ECONNREFUSED/,
    );
    expectNoPassword(String(down.stdout), String(down.stderr));
  });
});

describe('gitlab-meta-runner doctor and proxies', () => {
  it('checks GitLab through the proxy and names it, redacted', async () => {
    const f = await setup();
    const p = await proxy({ credentials: `squid:${PASSWORD}` });
    editConfig(f, /^hostname = .*$/m, `hostname = "http://${GITLAB_HOST}:${simPort(f)}"`);
    const proxied = p.requests.length;
    const received = f.sim.requestCount();
    const result = await doctor(f, [], { HTTP_PROXY: withCredentials(p) });
    expect(result.failed).toEqual([]);
    expect(result.byId('gitlab.proxy')).toMatchObject({
      status: 'ok',
      summary: `GitLab is reached through the proxy ${p.url.replace('//', '//***@')} (HTTP_PROXY)`,
    });
    expect(result.byId('gitlab.dns').summary).toMatch(/not looked up here: the proxy resolves it/);
    expect(result.byId('gitlab.connect').summary).toMatch(/answers through the proxy .* \(HTTP 401\)/);
    expect(result.byId('runner.cpu').status).toBe('ok');
    expect(p.requests.length - proxied).toBe(f.sim.requestCount() - received);
    expectNoPassword(JSON.stringify(result.checks));
  });

  it('fails when the proxy does not accept connections, with the fix, and checks nothing that needs GitLab', async () => {
    const f = await setup();
    const gone = await startTestProxy();
    await gone.close();
    const result = await doctor(f, [], { HTTP_PROXY: `http://squid:${PASSWORD}@127.0.0.1:${gone.port}` });
    expect(result.exitCode).toBe(1);
    expect(result.byId('gitlab.proxy')).toMatchObject({
      status: 'fail',
      summary: `the proxy http://***@127.0.0.1:${gone.port} (HTTP_PROXY) does not accept connections (ECONNREFUSED)`,
      fix: expect.stringMatching(/check host and port in HTTP_PROXY .*add 127\.0\.0\.1 to NO_PROXY/),
    });
    expect(result.byId('token').status).toBe('skip');
    expectNoPassword(JSON.stringify(result.checks));
  });

  it('fails on credentials the proxy refuses (407), and says when NO_PROXY keeps GitLab away from the proxy', async () => {
    const f = await setup();
    const p = await proxy({ credentials: `squid:${PASSWORD}` });
    const wrong = await doctor(f, [], { HTTP_PROXY: withCredentials(p, 'wr0ng-Passw0rd') });
    expect(wrong.byId('gitlab.connect')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/asks for credentials \(407 Proxy Authentication Required\)/),
      fix: expect.stringMatching(/HTTP_PROXY: http:\/\/user:password@host:port/),
    });
    expect(JSON.stringify(wrong.checks)).not.toContain('wr0ng-Passw0rd');
    const bypass = await doctor(f, [], { HTTP_PROXY: p.url, NO_PROXY: '.example.org,127.0.0.1' });
    expect(bypass.failed).toEqual([]);
    expect(bypass.byId('gitlab.proxy').summary).toBe(
      'no proxy for GitLab: NO_PROXY entry "127.0.0.1" matches 127.0.0.1, so requests go directly',
    );
  });
});

/** An HTTPS server for GitLab's name in front of the simulator, with a self-signed certificate (its own CA). */
async function tlsFront(f: LaunchFixture): Promise<{ port: number; ca: string; requests(): number }> {
  const { key, cert, certFile } = selfSignedCertificate(GITLAB_HOST);
  const target = new URL(f.sim.url);
  let count = 0;
  const server: Server = createHttpsServer({ key, cert }, (req, res) => {
    count++;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  harness.cleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    port: (server.address() as { port: number }).port,
    ca: certFile,
    requests: () => count,
  };
}
