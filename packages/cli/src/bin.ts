#!/usr/bin/env node
// `gitlab-meta-runner` run from the sources (tests, `pnpm mr`). The published command is
// bin/gitlab-meta-runner.cjs, which does the same with the built files: check Node, route `executor` steps
// to their own small bundle, load everything else only when its command runs.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `error: gitlab-meta-runner needs Node.js 20.19 or newer; this is ${process.version}\n`,
  );
  process.exit(1);
}
const argv = process.argv.slice(2);
let code: number | undefined;
if (argv.includes('executor')) code = await (await import('./executor-fast.js')).runExecutorFast(argv);
if (code === undefined) code = await (await import('./main.js')).main(argv);
process.exitCode = code;
