import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installStandInApptainer, makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { parseVersionOutput, probeCacheDir, probeContainerTool, toolCapabilities } from './container-tool.js';

afterAll(removeTempDirs);

describe('container tool versions', () => {
  it.each([
    ['apptainer version 1.3.6-1.el9\n', { family: 'apptainer', version: '1.3.6' }],
    ['apptainer version 1.0.0-rc.2\n', { family: 'apptainer', version: '1.0.0' }],
    ['singularity-ce version 4.1.5-jammy\n', { family: 'singularity-ce', version: '4.1.5' }],
    ['singularity version 3.8.7-1.el7\n', { family: 'singularity', version: '3.8.7' }],
    ['WARNING: something\nsingularity version 3.7.4\n', { family: 'singularity', version: '3.7.4' }],
    ['docker version 24.0.5\n', undefined],
    ['', undefined],
  ])('reads %j', (text, expected) => expect(parseVersionOutput(text)).toEqual(expected));

  it.each([
    ['apptainer', '1.0.3', 'APPTAINER', false],
    ['apptainer', '1.1.0', 'APPTAINER', true],
    ['apptainer', '1.5.3', 'APPTAINER', true],
    ['singularity-ce', '3.9.9', 'SINGULARITY', false],
    ['singularity-ce', '3.10.0', 'SINGULARITY', true],
    ['singularity-ce', '4.3.7', 'SINGULARITY', true],
    ['singularity', '3.7.0', 'SINGULARITY', false],
    ['singularity', '3.8.7', 'SINGULARITY', false],
  ] as const)('supports %s %s: prefix %s, --no-eval %s', (family, version, prefix, noEval) => {
    expect(toolCapabilities('/t', family, version)).toMatchObject({ family, version, prefix, noEval });
  });

  it.each([
    ['apptainer', '0.1.0'],
    ['singularity-ce', '3.8.4'],
    ['singularity', '3.6.4'],
    ['singularity', '3.9.0'],
  ] as const)('refuses %s %s as a system failure naming the version', (family, version) => {
    expect(() => toolCapabilities('/usr/bin/x', family, version)).toThrow(
      expect.objectContaining({
        code: 'MR_EXECUTOR_TOOL_UNSUPPORTED',
        failure: 'system',
        message: `/usr/bin/x is ${family} ${version}, which the executor does not support`,
      }),
    );
  });

  it('keeps its cache in $XDG_CACHE_HOME, else ~/.cache', () => {
    expect(probeCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/gitlab-meta-runner');
    expect(probeCacheDir({ HOME: '/h' })).toBe('/h/.cache/gitlab-meta-runner');
  });

  it('probes once per node and executable, again when the executable changes', async () => {
    const dir = makeTempDir();
    const tool = installStandInApptainer(dir, { version: 'singularity-ce 3.11.5', name: 'singularity' });
    const options = { env: { ...process.env }, host: 'node1', cacheDir: join(dir, 'cache') };
    const probes = () => tool.calls().filter((c) => c.op === 'version').length;
    const first = await probeContainerTool(tool.path, options);
    expect(first).toMatchObject({
      family: 'singularity-ce',
      version: '3.11.5',
      prefix: 'SINGULARITY',
      noEval: true,
    });
    expect(await probeContainerTool(tool.path, options)).toEqual(first);
    expect(probes()).toBe(1);
    await probeContainerTool(tool.path, { ...options, host: 'node2' });
    expect(probes()).toBe(2);
    const later = new Date(Date.now() + 5000);
    utimesSync(tool.path, later, later);
    await probeContainerTool(tool.path, options);
    expect(probes()).toBe(3);
    const cache = JSON.parse(readFileSync(join(dir, 'cache', 'container-tools.json'), 'utf8')) as unknown[];
    expect(cache).toHaveLength(2);
  });

  it('fails clearly for a program that is no container tool', async () => {
    const dir = makeTempDir();
    const other = join(dir, 'docker');
    writeFileSync(other, '#!/bin/sh\necho "Docker version 24.0.5, build ced0996"\nexit 3\n', { mode: 0o755 });
    await expect(
      probeContainerTool(other, { env: process.env, host: 'n', cacheDir: join(dir, 'c') }),
    ).rejects.toMatchObject({
      code: 'MR_EXECUTOR_TOOL_UNSUPPORTED',
      message: `${other} --version exited with code 3 and printed "Docker version 24.0.5, build ced0996", which is no apptainer, SingularityCE or Singularity version`,
    });
  });
});
