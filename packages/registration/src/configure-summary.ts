import type { ConfigureResult } from './configure-result.js';

/** The summary `configure` prints: one line per kind of change, with instance names; never a token. */
export function formatConfigureSummary(result: ConfigureResult): string {
  const lines: string[] = [];
  const list = (label: string, names: string[]) => {
    if (names.length > 0) lines.push(`${label}: ${names.join(', ')}`);
  };
  list('created', result.created);
  list('updated', result.updated);
  list('registered again (deleted in GitLab)', result.recreated);
  list('deleted', result.deleted);
  list('registered again for the new scope', result.moved ?? []);
  for (const change of result.projectChanges ?? []) {
    if (change.enabled.length > 0) lines.push(`enabled: ${change.instance} in ${change.enabled.join(', ')}`);
    if (change.disabled.length > 0)
      lines.push(`disabled: ${change.instance} in ${change.disabled.join(', ')}`);
  }
  list('token renewed', result.rotated);
  list(
    'deleted orphan runners (registered, token never stored)',
    result.orphansDeleted.map((r) => `${r.id} (${r.description})`),
  );
  for (const { instance, action, error } of result.failed) {
    lines.push(`failed: ${instance} (${action}): ${error.message}`);
    const hint = (error as { hint?: unknown }).hint;
    if (typeof hint === 'string' && hint) lines.push(`  hint: ${hint}`);
  }
  for (const r of result.resourceRunners ?? [])
    lines.push(`resource runner kept: ${r.name} (tags ${r.tags.join(', ')})`);
  if (lines.length === 0) lines.push('no runner instances in the config and none registered');
  if (result.target) lines.push(`runners of ${result.target}`);
  lines.push(`tokens: ${result.tokensFile}`);
  lines.push(`gitlab-runner config: ${result.generatedConfigFile}`);
  return `${lines.join('\n')}\n`;
}
