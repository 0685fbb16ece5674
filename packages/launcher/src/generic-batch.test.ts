import { describe, expect, it } from 'vitest';
import { genericBatchSystem, parseStatusOutput } from './generic-batch.js';

describe('a generic status command', () => {
  it('lists one job per line, running when the second word says so', () => {
    const status = parseStatusOutput('17 R\n18\n  19 queued\n20 running extra words\n\n21.server RUN\n');
    expect(Object.fromEntries([...status.jobs].map(([k, v]) => [k, v.state]))).toEqual({
      '17': 'running',
      '18': 'queued',
      '19': 'queued',
      '20': 'running',
      '21.server': 'running',
    });
  });

  it('runs the command and reads its output', async () => {
    const system = genericBatchSystem({
      statusCommand: ['sh', '-c', 'echo 5 R; echo 6'],
      env: { PATH: process.env.PATH },
    });
    expect(system.tracks).toBe(true);
    const status = await system.status([]);
    expect([...status.jobs.keys()]).toEqual(['5', '6']);
  });

  it('fails with MR_LAUNCH_STATUS_FAILED and the command stderr when the command fails', async () => {
    const system = genericBatchSystem({
      statusCommand: ['sh', '-c', 'echo cannot reach the server >&2; exit 3'],
      env: { PATH: process.env.PATH },
    });
    await expect(system.status([])).rejects.toMatchObject({
      code: 'MR_LAUNCH_STATUS_FAILED',
      details: ['cannot reach the server'],
    });
  });

  it('does not track launches without a status command', () => {
    expect(genericBatchSystem({ env: {} }).tracks).toBe(false);
  });
});
