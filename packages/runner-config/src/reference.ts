import { exampleConfig, keyFacts } from './example.js';
import { configKeys, type SchemaKey } from './schema-keys.js';
import { tomlValue } from './toml-write.js';

function title(key: SchemaKey): string {
  return key.path.length === 0 ? 'Top level' : `\`[${key.path.join('.')}]\``;
}

function keyEntry(key: SchemaKey): string[] {
  const name = key.path.join('.');
  const facts: string[] = [`**Type:** ${key.doc.type}`];
  if (key.doc.requirement) facts.push(`**${key.doc.requirement}**`);
  else if (key.required) facts.push('**Required**');
  else if (key.hasDefault && key.kind === 'value') facts.push(`**Default:** \`${tomlValue(key.default)}\``);
  else facts.push('**Optional**');
  const expansion = keyFacts(key).filter(
    (f) => !f.startsWith('Default:') && f !== 'Optional.' && f !== `${key.doc.requirement}.`,
  );
  if (expansion.length > 0) facts.push(expansion.join(' '));
  if (key.doc.added) facts.push('*New in this version; the original tool does not know it.*');
  const lines = [`### \`${name}\``, '', facts.join(' · '), '', key.doc.description];
  const sample = key.doc.example ?? key.doc.commented;
  if (sample !== undefined && key.kind !== 'map') {
    lines.push('', '```toml', `${key.path[key.path.length - 1]} = ${tomlValue(sample)}`, '```');
  }
  return lines;
}

function sections(): SchemaKey[] {
  const out: SchemaKey[] = [];
  const visit = (table: SchemaKey) => {
    out.push(table);
    for (const key of table.keys) {
      if (key.kind === 'table') visit(key);
      if (key.kind === 'named-tables' && key.entry) visit(key.entry);
    }
  };
  visit(configKeys());
  return out;
}

const INTRO = `# Configuration reference

<!-- Generated from the schema in packages/runner-config by \`pnpm docs:config\`; do not edit by hand. -->

gitlab-meta-runner reads one TOML file: \`$XDG_CONFIG_HOME/gitlab-meta-runner.toml\` (else
\`~/.config/gitlab-meta-runner.toml\`), or the file named with \`--config-file\`. Config files of the original
Rust tool work unchanged; every key added since is optional, and its default keeps the original behaviour.

- \`gitlab-meta-runner show-example-config\` prints a documented example (the one at the end of this page);
  \`create-example-config\` writes it to the config path, never overwriting a file.
- \`gitlab-meta-runner check-config\` reads the file, checks every key and instantiates the templates for
  every runner instance. It lists every problem at once, with its line, key, what was expected and what was
  found, and exits with 2; or it prints one OK line and exits with 0.
- \`gitlab-meta-runner show-config\` prints the file as understood (defaults filled in, durations written
  as in the file) and, for each runner instance, the instantiated \`[runner]\`, \`[executor]\` and \`[launch]\`
  sections. Secrets are shown as \`[redacted]\`; add \`--json\` for JSON.

Unknown keys are errors (with a suggestion of the key you probably meant), so a typo never silently falls
back to a default.

One config serves one project (\`project\`, as the original), several (\`projects\`) or a whole group
(\`group\`); [groups.md](groups.md) explains what is registered, the token each needs and what polling costs.

## Templates and variables

\`[runner]\`, \`[executor]\` and \`[launch]\` are templates: they are instantiated once for every runner
instance. Values marked *variable-expanded* may contain \`$VARIABLE\`, \`\${VARIABLE}\` and
\`\${VARIABLE:-default}\` (the default is used when the variable is unset or empty); \`$$\` is a literal
\`$\`, and a leading \`~\` is the home directory. A variable is looked up in this order; the first that
defines it wins:

| section | variables, in order |
| --- | --- |
| \`[runner]\` | \`NAME\` (instance name), \`THIS\` (the \`gitlab-meta-runner\` program), the instance's \`config_variables\`, the environment of \`configure\` |
| \`[executor]\` | \`NAME\`, \`THIS\`, \`config_variables\`, the environment gitlab-runner gives the executor on the compute node |
| \`[launch]\` | \`NAME\`, \`THIS\`, \`CONFIG\` (the generated gitlab-runner config file), \`NUM_JOBS\` (jobs in this launch), \`config_variables\`, the environment of \`run\` |

An undefined variable is an error that names the section, key, instance and variable. The one exception is
\`[executor].description\`: it may name variables that exist only when the job runs (\`$SLURM_JOB_ID\`), so
it stays as written until then.

\`management_token\` is not a template, but when it contains \`$\` it is expanded from the environment:
\`management_token = "$GITLAB_TOKEN"\` keeps the secret out of the file.

## Durations and sizes

A duration is a number of seconds (\`30\`) or a string of numbers with units \`s\`, \`m\`, \`h\`, \`d\`
(\`"90s"\`, \`"10m"\`, \`"1h30m"\`, \`"7d"\`). A size is a number of bytes or a string with a unit \`K\`, \`M\`,
\`G\`, \`T\` (powers of 1024, \`"500M"\`, \`"50G"\`; a trailing \`B\` or \`iB\` is accepted).

A duration the program waits with a timer (\`[poll] interval\`, \`[launch] timeout\`, \`pickup_timeout\`,
\`failure_backoff\`, \`[executor] kill_timeout\`) is at most 2147483647 ms, about 24.8 days: the longest
delay Node's timers take (a longer one would fire at once), so \`check-config\` refuses more.

Names go unquoted into file names, command lines and the launch script, so the meta-runner's \`name\` and
every instance name may contain only letters, digits, \`.\`, \`_\` and \`-\`, starting with a letter or
digit.

## Files in the data directory

The data directory is \`$XDG_DATA_HOME/gitlab-meta-runner\` (else \`~/.local/share/gitlab-meta-runner\`), or
the one named with \`--data-dir\`. Every file is written to a temporary file in the same directory and
renamed into place, so a crash never leaves half a file.

| file | holds |
| --- | --- |
| \`<name>.tokens\` | id and authentication token of each registered runner instance (mode 0600; same format as the original tool) |
| \`<name>.gitlab-config.toml\` | the generated gitlab-runner config, one \`[[runners]]\` per registered instance (mode 0600; \`--generated-config-file\` names another path) |
| \`<name>.state\` | launches still in flight, so that \`run\` can restart without launching twice |
| \`<name>.registration-id\` | a random id that \`configure\` appends to the description of every runner it registers (\`<name>-<instance> [mr-…]\`), so that it can find and delete runners it registered but never stored a token for |
| \`<name>.tokens.lock\` | present while a command resets runner tokens or writes the two files holding them (\`configure\`, and the renewal in \`run\`/\`run-single\`); others wait for it |
`;

const ERRORS = `## Error codes

| code | meaning |
| --- | --- |
| \`MR_CONFIG_NOT_FOUND\` | the config file does not exist |
| \`MR_CONFIG_UNREADABLE\` | it cannot be read (permissions, a directory, not UTF-8) |
| \`MR_CONFIG_EMPTY\` | it is empty or holds only comments |
| \`MR_CONFIG_SYNTAX\` | it is not valid TOML (file, line and column are given) |
| \`MR_CONFIG_INVALID\` | keys are unknown, missing or of the wrong type (every problem is listed) |
| \`MR_CONFIG_TEMPLATE\` | a template cannot be instantiated (section, key, instance and variable are given) |
| \`MR_CONFIG_UNKNOWN_INSTANCE\` | a command named a runner instance the config does not define |
| \`MR_CONFIG_NO_LAUNCH\` | \`run\` needs a \`[launch]\` section |
| \`MR_CONFIG_EXISTS\` | \`create-example-config\` would overwrite a file |

The command exits with 2 for all of them.
`;

/** docs/configuration.md: the reference of every key, made from the schema. */
export function configReferenceMarkdown(): string {
  const out: string[] = [INTRO.trimEnd()];
  for (const section of sections()) {
    out.push('', `## ${title(section)}`, '', section.doc.description);
    for (const key of section.keys) {
      if (key.kind === 'table' || (key.kind === 'named-tables' && key.entry)) continue;
      out.push('', ...keyEntry(key));
    }
  }
  out.push('', ERRORS.trimEnd(), '', '## Complete example', '', '```toml', exampleConfig().trimEnd(), '```');
  return `${out.join('\n')}\n`;
}
