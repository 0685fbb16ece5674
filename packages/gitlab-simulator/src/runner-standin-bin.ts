#!/usr/bin/env node
// `mr-gitlab-runner-standin`: plays `gitlab-runner run-single` against a GitLab (simulator) for tests and
// demos. Install it under the name `gitlab-runner` (a symlink or wrapper) where a launch script expects one.
const { runnerStandinMain } = await import('./runner-standin.js');
process.exitCode = await runnerStandinMain(process.argv.slice(2));
