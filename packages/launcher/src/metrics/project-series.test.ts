import { describe, expect, it } from 'vitest';
import type { MatchableJob } from '../match.js';
import { Registry } from './exposition.js';
import { ACTIVE_CYCLES, MAX_PROJECTS, OTHER_PROJECTS, ProjectSeries } from './project-series.js';

let nextId = 1;
const job = (project: string): MatchableJob => ({ id: nextId++, tag_list: ['cpu'], project });

/** The samples of one family: labels as JSON → value. */
function samples(registry: Registry, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of registry.render().split('\n'))
    if (line.startsWith(`${name}{`)) {
      const [series, value] = line.split(' ');
      out.set(series!.slice(name.length), Number(value));
    }
  return out;
}

describe('per-project series', () => {
  it('counts pending jobs per project and instance, unmatched ones, and launches once per project covered', () => {
    const registry = new Registry();
    const series = new ProjectSeries(registry, ['cpu', 'gpu']);
    const [a1, a2, b1, b2] = [job('g/a'), job('g/a'), job('g/b'), job('g/b')];
    series.pendingJobs([a1!, a2!, b1!, b2!]);
    series.launch({ instance: 'cpu', jobIds: [a1!.id, a2!.id, b1!.id], outcome: 'submitted' });
    series.cycle({ cpu: [a1!.id, a2!.id, b1!.id] });
    expect(samples(registry, 'gitlab_meta_runner_project_pending_jobs')).toEqual(
      new Map([
        ['{project="g/a",instance="cpu"}', 2],
        ['{project="g/a",instance="gpu"}', 0],
        ['{project="g/b",instance="cpu"}', 1],
        ['{project="g/b",instance="gpu"}', 0],
      ]),
    );
    expect(samples(registry, 'gitlab_meta_runner_project_unmatched_pending_jobs')).toEqual(
      new Map([
        ['{project="g/a"}', 0],
        ['{project="g/b"}', 1],
      ]),
    );
    expect(samples(registry, 'gitlab_meta_runner_project_launches_total')).toEqual(
      new Map([
        ['{project="g/a",instance="cpu",outcome="submitted"}', 1],
        ['{project="g/b",instance="cpu",outcome="submitted"}', 1],
      ]),
    );
  });

  it(`keeps series for projects active in the last ${ACTIVE_CYCLES} cycles, at most ${MAX_PROJECTS}, the rest as ${OTHER_PROJECTS}`, () => {
    const registry = new Registry();
    const series = new ProjectSeries(registry, ['cpu']);
    // 500 projects with one pending job each: 100 have series, 400 are summed.
    const jobs = Array.from({ length: 500 }, (_, i) => job(`g/p${String(i).padStart(3, '0')}`));
    series.pendingJobs(jobs);
    series.launch({ instance: 'cpu', jobIds: jobs.map((j) => j.id), outcome: 'submitted' });
    series.cycle({ cpu: jobs.map((j) => j.id) });
    const pending = samples(registry, 'gitlab_meta_runner_project_pending_jobs');
    expect(pending.size).toBe(MAX_PROJECTS + 1);
    expect(pending.get(`{project="${OTHER_PROJECTS}",instance="cpu"}`)).toBe(400);
    expect([...pending.values()].reduce((a, b) => a + b, 0)).toBe(500);
    const launches = samples(registry, 'gitlab_meta_runner_project_launches_total');
    expect(launches.size).toBe(MAX_PROJECTS + 1);

    // Then only g/p499 has jobs: the most recently active come first, the others stay while recent.
    const [late] = [job('g/p499')];
    series.pendingJobs([late!]);
    series.cycle({ cpu: [late!.id] });
    expect(series.tracked.has('g/p499')).toBe(true);
    expect(series.tracked.size).toBe(MAX_PROJECTS);
    for (let i = 1; i < ACTIVE_CYCLES; i++) {
      series.pendingJobs([]);
      series.cycle({});
    }
    // Ten cycles after the first, only g/p499 (seen in the second) is still active.
    expect([...series.tracked]).toEqual(['g/p499']);
    expect(samples(registry, 'gitlab_meta_runner_project_pending_jobs')).toEqual(
      new Map([['{project="g/p499",instance="cpu"}', 0]]),
    );
    expect([...samples(registry, 'gitlab_meta_runner_project_launches_total').keys()]).toEqual(
      expect.not.arrayContaining(['{project="g/p000",instance="cpu",outcome="submitted"}']),
    );
    series.pendingJobs([]);
    series.cycle({});
    expect(samples(registry, 'gitlab_meta_runner_project_pending_jobs').size).toBe(0);
  });
});
