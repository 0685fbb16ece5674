import { startTestProxy, type TestProxy } from '@mr/test-support';
import { EnvHttpProxyAgent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingIn, rejection, simulatorClients } from '../test/helpers.js';
import { GitLabNetworkError } from './errors.js';
import { proxyRoute, proxySecrets, proxySettings, redactProxyUrl } from './proxy.js';

const t = simulatorClients();
let proxy: TestProxy;
beforeAll(async () => {
  proxy = await startTestProxy({ credentials: 'squid:pr0xy-Pass' });
});
afterAll(() => proxy.close());

describe('proxy variables', () => {
  it.each([
    ['upper case', { HTTP_PROXY: 'http://up:3128' }, 'http://up:3128', 'HTTP_PROXY', 'http://up:3128'],
    [
      'lower case before upper case',
      { http_proxy: 'http://low:3128', HTTP_PROXY: 'http://up:3128' },
      'http://low:3128',
      'http_proxy',
      'http://low:3128',
    ],
    ['an empty lower-case variable hides the upper-case one', { http_proxy: '', HTTP_PROXY: 'http://up:1' }],
    [
      'https falls back to the HTTP proxy',
      { HTTP_PROXY: 'proxy.example:3128' },
      'http://proxy.example:3128',
      'HTTP_PROXY',
      'http://proxy.example:3128',
    ],
    [
      'an HTTPS proxy serves https only',
      { HTTPS_PROXY: 'http://secure:3128' },
      undefined,
      'HTTPS_PROXY',
      'http://secure:3128',
    ],
  ])('reads them like EnvHttpProxyAgent: %s', (_name, env, http?, variable?, https?) => {
    const settings = proxySettings(env as Record<string, string>);
    if (variable === undefined) {
      expect(settings).toBeUndefined();
      return;
    }
    expect(settings?.http?.url).toBe(http);
    expect(settings?.https).toEqual({ url: https, variable });
  });

  it('redacts credentials and lists every form in which they could leak', () => {
    expect(redactProxyUrl('http://squid:pr0xy%40Pass@proxy:3128/')).toBe('http://***@proxy:3128/');
    expect(redactProxyUrl('http://proxy:3128')).toBe('http://proxy:3128');
    expect(redactProxyUrl('http://a:b@c@[bad')).toBe('http://***@[bad');
    expect(proxySecrets('http://squid:pr0xy%40Pass@proxy:3128')).toEqual([
      'squid:pr0xy%40Pass',
      'pr0xy%40Pass',
      'pr0xy@Pass',
      Buffer.from('squid:pr0xy@Pass').toString('base64'),
    ]);
  });
});

describe('which requests go through the proxy', () => {
  // What proxyRoute says (for doctor) must be what EnvHttpProxyAgent does: each case is sent through it
  // to the simulator, and the proxy counts what reached it.
  it.each([
    ['', true],
    ['127.0.0.1', false],
    ['localhost', true],
    ['127.0.0.1:1', true],
    ['*', false],
    ['example.com, .0.0.1', false],
    ['*.0.0.1', false],
    ['gitlab.example.com 127.0.0.2', true],
  ])('NO_PROXY=%j: proxied %s, as undici decides', async (noProxy, proxied) => {
    const target = new URL(t.sim.url);
    target.port ||= '80';
    const env = { HTTP_PROXY: proxy.url.replace('//', '//squid:pr0xy-Pass@'), NO_PROXY: noProxy };
    const settings = proxySettings(env);
    expect(proxyRoute(target, settings).via).toBe(proxied ? 'proxy' : 'direct');
    const agent = new EnvHttpProxyAgent({
      httpProxy: settings?.http?.url ?? '',
      httpsProxy: settings?.https?.url ?? '',
      noProxy,
      proxyTunnel: false,
    });
    const before = proxy.requests.length;
    const answer = await request(`${t.sim.url}/api/v4/version`, { dispatcher: agent });
    await answer.body.dump();
    await agent.close();
    expect(proxy.requests.length - before).toBe(proxied ? 1 : 0);
  });

  it('sends the client through the proxy with its credentials, one pool for every request', async () => {
    const client = t.client({ env: { HTTP_PROXY: proxy.url.replace('//', '//squid:pr0xy-Pass@') } });
    expect(client.route).toEqual({
      via: 'proxy',
      proxy: { url: proxy.url.replace('//', '//***@'), variable: 'HTTP_PROXY' },
    });
    const before = proxy.requests.length;
    const simBefore = t.sim.requestCount();
    await client.getProject(t.sim.project.path);
    await client.listPendingJobs(t.sim.project.id);
    const seen = proxy.requests.slice(before);
    expect(seen.length).toBe(t.sim.requestCount() - simBefore);
    expect(seen.every((r) => r.method === 'GET' && r.target.startsWith(`${t.sim.url}/api/v4/`))).toBe(true);
    expect(
      seen.every((r) => r.authorization === `Basic ${Buffer.from('squid:pr0xy-Pass').toString('base64')}`),
    ).toBe(true);
  });

  it('names the proxy, never its password, when the proxy refuses the credentials or does not answer', async () => {
    const wrong = t.client({
      env: { http_proxy: proxy.url.replace('//', '//squid:wr0ng-Pass@') },
      retry: { maxRetries: 0 },
    });
    const refused = await rejection(wrong.getProject(t.sim.project.path));
    expect(refused).toBeInstanceOf(GitLabNetworkError);
    expect(refused.message).toContain(`through the proxy ${proxy.url.replace('//', '//***@')} (http_proxy)`);
    expect(refused.message).toMatch(/407/);
    const closed = await startTestProxy();
    await closed.close();
    const gone = t.client({
      env: { HTTPS_PROXY: 'http://none', HTTP_PROXY: `http://squid:wr0ng-Pass@127.0.0.1:${closed.port}` },
      retry: { maxRetries: 0 },
    });
    const unreachable = await rejection(gone.getProject(t.sim.project.path));
    expect(unreachable.message).toMatch(/ECONNREFUSED/);
    expect((unreachable as GitLabNetworkError & { hint?: string }).hint).toMatch(/NO_PROXY/);
    for (const error of [refused, unreachable]) {
      const text = everythingIn(error);
      for (const secret of ['wr0ng-Pass', Buffer.from('squid:wr0ng-Pass').toString('base64')])
        expect(text).not.toContain(secret);
    }
  });

  it('refuses a proxy variable that is no http or https URL, redacted', () => {
    expect(() => t.client({ env: { HTTP_PROXY: 'socks4://user:s3cret-pw@proxy:1080' } })).toThrow(
      /HTTP_PROXY is not a proxy URL: "socks4:\/\/\*\*\*@proxy:1080"/,
    );
  });
});
