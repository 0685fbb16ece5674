import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The example config of the original Rust tool, unchanged. */
export const originalExample = readFileSync(
  join(import.meta.dirname, 'fixtures', 'original-example-config.toml'),
  'utf8',
);

/** A small valid config; `extra` is appended (TOML), `replace` edits lines. */
export function minimalConfig(extra = ''): string {
  return `name = "site"
project = "group/project"
hostname = "gitlab.example.org"
management_token = "glpat-secret-value"

[runners.cpu]
tags = ["cpu"]

[runners.gpu]
tags = ["gpu"]
launch_priority = 5
[runners.gpu.config_variables]
PARTITION = "a100"

[poll]
interval = 30

[launch]
executable = "sbatch"
args = ["--parsable", "--partition=\${PARTITION:-cpu}"]
workdir = "~/launch"
stdin = """
#!/bin/bash
gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS
"""

[executor]
image_dir = "$HOME/images"
description = "Slurm job $SLURM_JOB_ID"

[runner]
builds_dir = "$HOME/builds/$NAME"
cache_dir = "$HOME/cache"
${extra}`;
}
