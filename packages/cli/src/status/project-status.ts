import type { LaunchState, ProjectPendingRecord } from '@mr/launcher';
import { type Config, configScope, describeScope } from '@mr/runner-config';

/** What `status` says about the projects the config covers (its `--json` keys `covers` and `projects`). */
export interface ProjectsReport {
  /** The config's project, projects or group, in words. */
  covers: string;
  /** Which of the three the config names. */
  covers_kind: 'project' | 'projects' | 'group';
  /**
   * Per project with pending jobs in the launcher's last cycle: pending, matched to an instance, unmatched,
   * and launched (matched jobs a launch in flight was planned for); plus the runners in flight planned for
   * the project's jobs.
   */
  projects: Array<ProjectPendingRecord & { in_flight: number }>;
  /** The same counts over all projects. */
  projects_total: { projects: number; pending: number; matched: number; unmatched: number; launched: number };
}

/** The per-project part of the status report, from the launch state. */
export function projectsReport(config: Config, state: LaunchState): ProjectsReport {
  const counts = new Map<string, ProjectPendingRecord & { in_flight: number }>();
  for (const record of state.projects ?? []) counts.set(record.project, { ...record, in_flight: 0 });
  for (const launch of state.launches)
    for (const project of launch.projects ?? []) {
      const entry = counts.get(project) ?? {
        project,
        pending: 0,
        matched: 0,
        unmatched: 0,
        launched: 0,
        in_flight: 0,
      };
      entry.in_flight++;
      counts.set(project, entry);
    }
  const projects = [...counts.values()].sort((a, b) => (a.project < b.project ? -1 : 1));
  const sum = (key: 'pending' | 'matched' | 'unmatched' | 'launched') =>
    projects.reduce((n, p) => n + p[key], 0);
  return {
    covers: describeScope(configScope(config)),
    covers_kind: configScope(config).kind,
    projects,
    projects_total: {
      projects: projects.length,
      pending: sum('pending'),
      matched: sum('matched'),
      unmatched: sum('unmatched'),
      launched: sum('launched'),
    },
  };
}

/** The lines for people: one per project, then the total (nothing for a config of one project). */
export function projectLines(report: ProjectsReport): string[] {
  if (report.covers_kind === 'project') return [];
  const lines = ['', `pending jobs per project (as of the last cycle; the config covers ${report.covers}):`];
  if (report.projects.length === 0) lines.push('  none');
  for (const p of report.projects)
    lines.push(
      `  ${p.project}: ${p.pending} pending (${p.matched} matched, ${p.unmatched} unmatched), ${p.launched} launched for, ${p.in_flight} runner(s) in flight`,
    );
  const t = report.projects_total;
  if (report.projects.length > 1)
    lines.push(
      `  total: ${t.pending} pending in ${t.projects} projects (${t.matched} matched, ${t.unmatched} unmatched), ${t.launched} launched for`,
    );
  return lines;
}
