// Hostile or broken job input through the `mr-apptainer-executor` bin: logins written into image names and
// a malformed JOB_RESPONSE_FILE.
import { readdirSync, writeFileSync } from 'node:fs';
import { removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { setup } from '../test/bin-setup.js';

afterAll(removeTempDirs);

/** Every path under `dir` (names only: a secret must not be in any file name). */
function allPaths(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

const PASSWORD = 'Im4geN4mePassw0rd';

describe('a login written into the image name', () => {
  it.each([
    ['docker', `docker://robot:${PASSWORD}@registry.example.com/team/app:1`],
    ['oras', `oras://robot:${PASSWORD}@registry.example.com/team/app:1`],
    ['a bare reference', `robot:${PASSWORD}@registry.example.com/team/app:1`],
    ['a job variable', 'docker://robot:${REGISTRY_PW}@registry.example.com/team/app:1'],
  ])('%s: pulls with the login through the environment and shows it nowhere', async (_, image) => {
    const t = await setup('', { auth: { 'registry.example.com': `robot:${PASSWORD}` } });
    const result = await t.drive({
      id: 301,
      image,
      variables: { REGISTRY_PW: PASSWORD },
      stages: ['build_script'],
      scripts: { build_script: 'echo built' },
    });
    expect(result.outcome, result.log).toBe('success');
    expect(result.log).toContain('built');
    expect(result.log).toMatch(/Using image \S*registry\.example\.com\/team\/app:1/);
    const [pull] = t.apptainer.pulls();
    expect(pull?.envLogin).toBe(true);
    const exposures = [
      result.log.includes(PASSWORD),
      allPaths(t.dir).some((p) => p.includes(PASSWORD) || p.includes('robot')),
      t.apptainer.calls().some((c) => (c.argv ?? []).join(' ').includes(PASSWORD)),
      t.apptainer.calls().some((c) => (c.argv ?? []).join(' ').includes('robot')),
    ];
    expect(exposures).toEqual([false, false, false, false]);
  });

  it.each([
    `https://robot:${PASSWORD}@files.example.com/app.sif`,
    `library://robot:${PASSWORD}@cloud.example.com/team/app:1`,
  ])('refuses %s as the job’s fault, redacted, before any pull', async (image) => {
    const t = await setup();
    const result = await t.drive({ id: 302, image, stages: ['build_script'] });
    expect(result.outcome, result.log).toBe('failed');
    expect(result.log).toContain('has a login in its name');
    expect(result.log).toContain('***@');
    expect(result.log).not.toContain(PASSWORD);
    expect(t.apptainer.pulls()).toEqual([]);
    expect(allPaths(t.dir).some((p) => p.includes(PASSWORD))).toBe(false);
  });
});

describe('a malformed JOB_RESPONSE_FILE', () => {
  it.each([
    ['{"token": "glcbt-secret-token", "image": ', 'it is not valid JSON'],
    ['{"token": "glcbt-secret-token", "variables": []}', 'image is missing'],
    ['{"token": "glcbt-secret-token", "image": {"name": "alpine"}}', 'variables is missing'],
    [
      '{"token": "glcbt-secret-token", "image": {"name": ["alpine"]}, "variables": []}',
      'image.name is an array, expected a string',
    ],
    [
      '{"token": "glcbt-secret-token", "image": {}, "variables": [{"key": "A", "value": 5}]}',
      'variables[0].value is a number, expected a string',
    ],
  ])('%s: prepare fails as a system failure naming the field', async (text, problem) => {
    const t = await setup();
    const job = t.session({ id: 303, image: 'alpine:3.20' });
    writeFileSync(job.env.JOB_RESPONSE_FILE!, text);
    expect((await job.config()).exitCode).toBe(0);
    const prepare = await job.prepare();
    expect(prepare.exitCode, prepare.stderr).toBe(job.systemFailure);
    expect(prepare.stderr).toContain(
      `cannot use the job description JOB_RESPONSE_FILE ${job.env.JOB_RESPONSE_FILE}: ${problem}`,
    );
    expect(prepare.stderr).not.toMatch(/TypeError|secret|at .*\.js/);
    expect(t.apptainer.pulls()).toEqual([]);
    const run = await job.run('build_script', 'echo never');
    expect(run.exitCode).toBe(job.systemFailure);
    expect((await job.cleanup()).exitCode).toBe(0);
  });
});
