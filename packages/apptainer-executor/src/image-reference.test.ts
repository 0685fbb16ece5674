import { describe, expect, it } from 'vitest';
import type { ExecutorError } from './errors.js';
import { imageFileName, parseImageReference } from './image-reference.js';

describe('parseImageReference', () => {
  it.each([
    ['alpine', 'docker://docker.io/library/alpine:latest', 'docker.io'],
    ['alpine:3.20', 'docker://docker.io/library/alpine:3.20', 'docker.io'],
    ['docker://alpine:3.20', 'docker://docker.io/library/alpine:3.20', 'docker.io'],
    ['library/alpine', 'docker://docker.io/library/alpine:latest', 'docker.io'],
    ['index.docker.io/b/app:1', 'docker://docker.io/b/app:1', 'docker.io'],
    ['b/app:1', 'docker://docker.io/b/app:1', 'docker.io'],
    ['ghcr.io/a/app:1', 'docker://ghcr.io/a/app:1', 'ghcr.io'],
    ['GHCR.io/a/app:1', 'docker://ghcr.io/a/app:1', 'ghcr.io'],
    ['localhost:5000/app', 'docker://localhost:5000/app:latest', 'localhost:5000'],
    [
      'registry.example.com:5005/g/p/img:v2',
      'docker://registry.example.com:5005/g/p/img:v2',
      'registry.example.com:5005',
    ],
    [
      `alpine@sha256:${'a'.repeat(64)}`,
      `docker://docker.io/library/alpine@sha256:${'a'.repeat(64)}`,
      'docker.io',
    ],
    ['oras://ghcr.io/a/b:1', 'oras://ghcr.io/a/b:1', 'ghcr.io'],
    ['library://alpine:3', 'library://alpine:3', undefined],
    ['https://example.org/x.sif', 'https://example.org/x.sif', undefined],
    ['docker-archive:/tmp/x.tar', 'docker-archive:/tmp/x.tar', undefined],
    ['oci-archive:/tmp/x.tar', 'oci-archive:/tmp/x.tar', undefined],
  ])('reads %j as %s', (name, source, registry) => {
    const ref = parseImageReference(name);
    expect(ref.source).toBe(source);
    expect(ref.registry).toBe(registry);
    expect(ref.fileName).toMatch(/^[A-Za-z0-9._-]+-[0-9a-f]{16}\.sif$/);
  });

  it.each(['', '  ', 'a b', 'ftp://x/y', 'Foo:bad tag', 'alpine:', 'x//y', 'alpine@sha256:'])(
    'rejects %j as a build failure',
    (name) => {
      expect(() => parseImageReference(name)).toThrow(
        expect.objectContaining({ code: 'MR_EXECUTOR_BAD_IMAGE_NAME', failure: 'build' }) as ExecutorError,
      );
    },
  );

  it('treats an absolute path as a local image', () => {
    expect(parseImageReference('/shared/images/tool.sif')).toMatchObject({
      localPath: '/shared/images/tool.sif',
    });
  });

  it('gives the same image under every spelling one file, and different images different files', () => {
    const names = [
      'alpine',
      'alpine:latest',
      'docker.io/library/alpine',
      'docker://index.docker.io/library/alpine:latest',
    ];
    expect(new Set(names.map((n) => parseImageReference(n).fileName)).size).toBe(1);
    const apps = [
      'ghcr.io/a/app:1',
      'docker.io/a/app:1',
      'ghcr.io/b/app:1',
      'ghcr.io/a/app:2',
      'oras://ghcr.io/a/app:1',
    ];
    expect(new Set(apps.map((n) => parseImageReference(n).fileName)).size).toBe(apps.length);
  });

  it('keeps file names short for long references', () => {
    expect(imageFileName(`docker://registry.example.com/${'x'.repeat(300)}:1`).length).toBeLessThan(110);
  });
});
