// Fixtures for `gitlab-meta-runner doctor`: a configured setup (simulator, tokens, generated config), and a
// way to run doctor --json and read its checklist.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installStandInApptainer } from '@mr/test-support';
import { type FixtureOptions, type LaunchFixture, launchFixture } from './launch-fixture.js';

export interface DoctorCheck {
  id: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  summary: string;
  fix?: string;
  details?: string[];
}

/** The local batch system of the launch fixture, with a script on stdin (what --batch needs). */
export const localBatch = `
executable = "bg-submit"
status_command = ["bg-status"]
stdin = """
#!/bin/sh
# a directive line the probe keeps
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
timeout = 30
`;

/** A configured setup whose [executor] uses a stand-in apptainer in the fixture's bin directory. */
export async function doctorFixture(options: Partial<FixtureOptions> = {}): Promise<LaunchFixture> {
  const f = await launchFixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch: localBatch,
    ...options,
    top: `${options.top ?? ''}
[executor]
image_dir = "$HOME/images"
builds_dir = "$HOME/node-builds"
`,
  });
  installStandInApptainer(f.binDir);
  return f;
}

/** Runs `doctor --json ...args` and returns its exit code, checks and stderr. */
export async function doctor(f: LaunchFixture, args: string[] = [], env: Record<string, string> = {}) {
  const result = await f.cli(['doctor', '--json', ...args], { env, timeout: 170_000 });
  let parsed: { ok: boolean; checks: DoctorCheck[] };
  try {
    parsed = JSON.parse(String(result.stdout));
  } catch {
    throw new Error(`doctor printed no JSON (exit ${result.exitCode}): ${result.stdout}\n${result.stderr}`);
  }
  const byId = (id: string) => {
    const found = parsed.checks.filter((c) => c.id === id);
    if (found.length !== 1)
      throw new Error(`${found.length} checks with id ${id}: ${JSON.stringify(parsed.checks, null, 1)}`);
    return found[0]!;
  };
  return {
    exitCode: result.exitCode,
    ...parsed,
    byId,
    failed: parsed.checks.filter((c) => c.status === 'fail').map((c) => c.id),
  };
}

/** Replaces text in the fixture's config file. */
export function editConfig(f: LaunchFixture, from: string | RegExp, to: string): void {
  const text = readFileSync(f.configFile, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`config has no ${from}`);
  writeFileSync(f.configFile, next);
}

export const generatedConfig = (f: LaunchFixture) => join(f.dataDir, 'meta.gitlab-config.toml');
