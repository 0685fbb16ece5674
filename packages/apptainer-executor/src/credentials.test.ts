import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialEnvironment, findCredential, registryHost } from './credentials.js';
import { JobEnvironment } from './job-environment.js';

afterAll(removeTempDirs);

function job(response: object, env: Record<string, string> = {}) {
  const file = join(makeTempDir(), 'response.json');
  writeFileSync(file, JSON.stringify({ image: { name: '' }, variables: null, ...response }));
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

  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const dockerConfig = JSON.stringify({
    auths: {
      'https://index.docker.io/v1/': { auth: b64('hub-user:hub:pass') },
      'registry.example.com:5005': { username: 'reg-user', password: 'reg-pass' },
      'other.example.com': { auth: b64('other:pass') },
    },
  });

  it.each([
    ['docker.io', { username: 'hub-user', password: 'hub:pass' }],
    ['registry.example.com:5005', { username: 'reg-user', password: 'reg-pass' }],
    ['registry.example.com', undefined],
    ['ghcr.io', undefined],
  ])(
    'finds the login for %s in DOCKER_AUTH_CONFIG by host, Docker Hub under its v1 key',
    (registry, login) => {
      const j = job({}, { CUSTOM_ENV_DOCKER_AUTH_CONFIG: dockerConfig });
      const found = findCredential(registry, j);
      expect(found && { username: found.username, password: found.password }).toEqual(login);
    },
  );

  it("prefers DOCKER_AUTH_CONFIG (job variable, then the executor's environment) over the job's credentials", () => {
    const response = {
      credentials: [{ type: 'registry', url: 'other.example.com', username: 'job', password: 'job-pass' }],
    };
    expect(findCredential('other.example.com', job(response))).toMatchObject({ from: 'job credentials' });
    const fromRunner = findCredential('other.example.com', job(response), {
      DOCKER_AUTH_CONFIG: dockerConfig,
    });
    expect(fromRunner).toMatchObject({ username: 'other', password: 'pass', from: '$DOCKER_AUTH_CONFIG' });
    const other = JSON.stringify({ auths: { 'other.example.com': { auth: b64('var:var-pass') } } });
    const fromJob = findCredential(
      'other.example.com',
      job(response, { CUSTOM_ENV_DOCKER_AUTH_CONFIG: other }),
      {
        DOCKER_AUTH_CONFIG: dockerConfig,
      },
    );
    expect(fromJob).toMatchObject({ username: 'var', password: 'var-pass' });
  });

  it('reads a file-type DOCKER_AUTH_CONFIG, and skips a broken one with a warning that quotes nothing', () => {
    const file = join(makeTempDir(), 'docker-auth.json');
    writeFileSync(file, dockerConfig);
    expect(findCredential('docker.io', job({}, { CUSTOM_ENV_DOCKER_AUTH_CONFIG: file }))).toMatchObject({
      username: 'hub-user',
    });
    const warnings: string[] = [];
    const broken = job(
      { credentials: [{ url: 'docker.io', username: 'job', password: 'job-pass' }] },
      { CUSTOM_ENV_DOCKER_AUTH_CONFIG: '{"auths": {"docker.io": {"auth": "c2VjcmV0"' },
    );
    expect(findCredential('docker.io', broken, {}, (m) => warnings.push(m))).toMatchObject({
      username: 'job',
    });
    expect(warnings).toEqual([
      'cannot read the job variable DOCKER_AUTH_CONFIG: not valid JSON; its credentials are not used',
    ]);
  });

  it('hands a login to pull through <PREFIX>_DOCKER_USERNAME and _PASSWORD', () => {
    expect(
      credentialEnvironment('SINGULARITY', { registry: 'r.io', username: 'u', password: 'p', from: 'x' }),
    ).toEqual({ SINGULARITY_DOCKER_USERNAME: 'u', SINGULARITY_DOCKER_PASSWORD: 'p' });
    expect(credentialEnvironment('APPTAINER', undefined)).toEqual({});
  });

  it('never quotes a broken job response file, which holds tokens', () => {
    const file = join(makeTempDir(), 'response.json');
    writeFileSync(file, '{"token": "glcbt-secret-token", broken');
    const j = new JobEnvironment({ JOB_RESPONSE_FILE: file });
    expect(() => j.jobResponse()).toThrow(/not valid JSON/);
    expect(() => j.jobResponse()).not.toThrow(/secret/);
  });
});
