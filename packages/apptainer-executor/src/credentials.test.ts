import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { findCredential, registryHost, writeAuthFile } from './credentials.js';
import { JobEnvironment } from './job-environment.js';

afterAll(removeTempDirs);

function job(response: object, env: Record<string, string> = {}) {
  const file = join(makeTempDir(), 'response.json');
  writeFileSync(file, JSON.stringify(response));
  return new JobEnvironment({ JOB_RESPONSE_FILE: file, ...env });
}

describe('registry credentials', () => {
  it.each([
    ['registry.example.com', 'registry.example.com'],
    ['https://registry.example.com:5005/v2/', 'registry.example.com:5005'],
    ['https://index.docker.io/v1/', 'docker.io'],
  ])('normalizes %s to %s', (url, host) => expect(registryHost(url)).toBe(host));

  it("takes the job's credentials for the image's registry only", () => {
    const j = job({
      credentials: [
        { type: 'registry', url: 'https://registry.example.com', username: 'u', password: 'p4ss' },
      ],
    });
    expect(findCredential('registry.example.com', j)).toMatchObject({
      username: 'u',
      password: 'p4ss',
      from: 'job credentials',
    });
    expect(findCredential('docker.io', j)).toBeUndefined();
    expect(findCredential(undefined, j)).toBeUndefined();
  });

  it('falls back to CI_REGISTRY_USER and CI_REGISTRY_PASSWORD for images on CI_REGISTRY', () => {
    const env = {
      CUSTOM_ENV_CI_REGISTRY: 'gitlab.example.com:5050',
      CUSTOM_ENV_CI_REGISTRY_USER: 'gitlab-ci-token',
      CUSTOM_ENV_CI_REGISTRY_PASSWORD: 'job-token',
    };
    const j = job({}, env);
    expect(findCredential('gitlab.example.com:5050', j)).toMatchObject({
      username: 'gitlab-ci-token',
      from: 'CI_REGISTRY_USER',
    });
    expect(findCredential('gitlab.example.com', j)).toBeUndefined();
  });

  it('writes a Docker-style auth file for one registry, readable only by its owner', async () => {
    const auth = await writeAuthFile(makeTempDir(), {
      registry: 'r.io',
      username: 'u',
      password: 'p4ss',
      from: 'x',
    });
    expect(statSync(auth.path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(auth.path, 'utf8'))).toEqual({
      auths: { 'r.io': { auth: Buffer.from('u:p4ss').toString('base64') } },
    });
    await auth.remove();
    expect(() => statSync(auth.path)).toThrow();
  });

  it('never quotes a broken job response file, which holds tokens', () => {
    const file = join(makeTempDir(), 'response.json');
    writeFileSync(file, '{"token": "glcbt-secret-token", broken');
    const j = new JobEnvironment({ JOB_RESPONSE_FILE: file });
    expect(j.jobResponse()).toBeUndefined();
    expect(j.responseProblem).toContain('not valid JSON');
    expect(j.responseProblem).not.toContain('secret');
  });
});
