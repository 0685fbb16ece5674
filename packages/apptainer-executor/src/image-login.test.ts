import { describe, expect, it } from 'vitest';
import { imageLoginSecrets, redactImageName, splitImageLogin } from './image-login.js';

describe('a login in an image name', () => {
  it.each([
    [
      'docker://u:p%40ss@registry.example.com/app:1',
      'docker://registry.example.com/app:1',
      { username: 'u', password: 'p@ss' },
    ],
    [
      'oras://u:pw@registry.example.com/app:1',
      'oras://registry.example.com/app:1',
      { username: 'u', password: 'pw' },
    ],
    ['u:pw@registry.example.com/app:1', 'registry.example.com/app:1', { username: 'u', password: 'pw' }],
    ['alpine@sha256:0123abcd', 'alpine@sha256:0123abcd', undefined],
    ['registry.example.com/app@sha256:0123abcd', 'registry.example.com/app@sha256:0123abcd', undefined],
    ['docker://alpine:3.20', 'docker://alpine:3.20', undefined],
    ['/images/local.sif', '/images/local.sif', undefined],
  ])('%s becomes %s', (name, clean, login) => {
    expect(splitImageLogin(name)).toEqual(login ? { name: clean, login } : { name: clean });
  });

  it.each([
    'https://u:hunter22@files.example.com/x.sif',
    'http://u:hunter22@files.example.com/x.sif',
    'library://u:hunter22@cloud.example.com/x/y:1',
    'docker://:hunter22@registry.example.com/app',
    'docker://u@registry.example.com/app',
  ])('refuses %s with the login redacted, as the job’s fault', (name) => {
    let error: { code?: string; message?: string; failure?: string } = {};
    try {
      splitImageLogin(name);
    } catch (e) {
      error = e as typeof error;
    }
    expect(error).toMatchObject({ code: 'MR_EXECUTOR_IMAGE_CREDENTIALS', failure: 'build' });
    expect(error.message).toContain('***@');
    expect(error.message).not.toContain('hunter22');
  });

  it('redacts for messages and lists the secrets for the job log', () => {
    expect(redactImageName('oras://u:pw@r.io/a')).toBe('oras://***@r.io/a');
    expect(imageLoginSecrets('docker://u:p%40ss@r.io/a')).toEqual(['u:p%40ss', 'p%40ss', 'p@ss']);
    expect(imageLoginSecrets('alpine')).toEqual([]);
  });
});
