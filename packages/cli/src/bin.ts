#!/usr/bin/env node
// `gitlab-meta-runner` run from the sources (tests, `pnpm mr`). The published command is
// bin/gitlab-meta-runner.cjs, which does the same with the built files: check Node, route `executor` steps
// to their own small bundle, load everything else only when its command runs. An `executor` step that fails
// before its own work (an old Node, a crash) exits with $SYSTEM_FAILURE_EXIT_CODE.
const argv = process.argv.slice(2);
const executorStep = argv.includes('executor') && process.env.SYSTEM_FAILURE_EXIT_CODE !== undefined;
const failureCode = () => {
  const code = Number(process.env.SYSTEM_FAILURE_EXIT_CODE);
  return executorStep && Number.isInteger(code) ? code : 1;
};
if (executorStep) {
  const crash = (error: unknown) => {
    process.stderr.write(
      `error: gitlab-meta-runner executor crashed: ${(error as Error)?.stack ?? String(error)}\n`,
    );
    process.exit(failureCode());
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `error: gitlab-meta-runner needs Node.js 20.19 or newer; this is ${process.version}\n`,
  );
  process.exit(failureCode());
}
let code: number | undefined;
if (argv.includes('executor')) code = await (await import('./executor-fast.js')).runExecutorFast(argv);
if (code === undefined) code = await (await import('./main.js')).main(argv);
process.exitCode = code;
