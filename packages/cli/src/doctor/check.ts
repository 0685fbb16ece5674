/** How one doctor check came out. `warn` holds but deserves attention; `skip` could not be checked. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of the doctor's checklist. */
export interface Check {
  /** Stable id for scripts: `config`, `gitlab.dns`, `token.scopes`, `runner.cpu`, `node.gitlab-runner`, ... */
  id: string;
  status: CheckStatus;
  /** What was checked and what was found. */
  summary: string;
  /** For `fail` and `warn`: what to do about it. */
  fix?: string | undefined;
  /** Further facts (versions, paths) for people and scripts. */
  details?: string[] | undefined;
}

/** Collects checks in order. */
export class Checklist {
  readonly checks: Check[] = [];
  add(check: Check): Check {
    this.checks.push(check);
    return check;
  }
  ok(id: string, summary: string, details?: string[]): Check {
    return this.add({ id, status: 'ok', summary, details });
  }
  warn(id: string, summary: string, fix: string, details?: string[]): Check {
    return this.add({ id, status: 'warn', summary, fix, details });
  }
  fail(id: string, summary: string, fix: string, details?: string[]): Check {
    return this.add({ id, status: 'fail', summary, fix, details });
  }
  skip(id: string, summary: string): Check {
    return this.add({ id, status: 'skip', summary });
  }
  get failed(): boolean {
    return this.checks.some((c) => c.status === 'fail');
  }
}

const marks: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** The checklist for people: one line per check, the fix indented under it, a verdict at the end. */
export function renderChecklist(checks: readonly Check[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`[${marks[c.status]}] ${c.summary}`);
    for (const d of c.details ?? []) lines.push(`       ${d}`);
    if (c.fix && c.status !== 'ok') lines.push(`       fix: ${c.fix}`);
  }
  const failures = checks.filter((c) => c.status === 'fail').length;
  const warnings = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    '',
    failures > 0
      ? `${failures} problem(s) to fix${warnings ? `, ${warnings} warning(s)` : ''}: fix them and run doctor again.`
      : `everything needed holds${warnings ? ` (${warnings} warning(s))` : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}
