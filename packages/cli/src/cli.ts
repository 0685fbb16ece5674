import yargs, { type Argv } from 'yargs';
import { commands } from './commands/index.js';
import { createContext } from './context.js';
import { EXIT, exitCodeFor, formatError, formatErrorJson, UsageError } from './errors.js';
import { type GlobalOptions, scanArgv } from './global-options.js';
import type { CliIo } from './io.js';
import { defaultConfigFile, defaultDataDir } from './paths.js';
import { cliVersion } from './version.js';

function globalOptions(y: Argv, io: CliIo) {
  return y
    .option('config-file', {
      type: 'string',
      global: true,
      describe: 'The config file',
      defaultDescription: defaultConfigFile(io.env),
    })
    .option('data-dir', {
      type: 'string',
      global: true,
      describe: 'Directory for runner tokens, generated config and launch state',
      defaultDescription: defaultDataDir(io.env),
    })
    .option('generated-config-file', {
      type: 'string',
      global: true,
      describe: 'The gitlab-runner config file to write and launch with',
      defaultDescription: '<data-dir>/<name>.gitlab-config.toml',
    })
    .option('verbose', {
      alias: 'v',
      type: 'count',
      global: true,
      describe: 'More output; -vv adds debug output and stack traces',
    })
    .option('quiet', { alias: 'q', type: 'boolean', global: true, describe: 'Only warnings and errors' })
    .option('log-format', {
      choices: ['text', 'json'] as const,
      global: true,
      describe: 'Log lines for people (text) or for log collectors (json, one object per line)',
      defaultDescription: 'text',
    });
}

function toGlobalOptions(args: Record<string, unknown>): GlobalOptions {
  return {
    configFile: args['config-file'] as string | undefined,
    dataDir: args['data-dir'] as string | undefined,
    generatedConfigFile: args['generated-config-file'] as string | undefined,
    verbose: (args.verbose as number | undefined) ?? 0,
    quiet: (args.quiet as boolean | undefined) ?? false,
    logFormat: args['log-format'] as 'text' | 'json' | undefined,
  };
}

const noCommand = 'Name a command; the commands are listed above.';

/** Runs the full command line parser (yargs) and the chosen command; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // `pnpm mr -- --help` and `npm exec ... -- --help` pass the separator on: a leading `--` is dropped, so
  // that what follows is parsed as usual instead of as positional arguments of no command.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let exitCode: number = EXIT.ok;
  // Known before yargs has parsed (a usage error), so that every error is formatted as asked.
  let { verbose, logFormat } = scanArgv(args).options;
  let help: string | undefined;
  const parser = globalOptions(yargs(args), io)
    .scriptName('gitlab-meta-runner')
    .usage(
      '$0 <command> [options]\n\nGitLab CI on HPC clusters: register runners, launch them through Slurm, run jobs in apptainer.',
    )
    .version(cliVersion())
    .help()
    .alias('h', 'help')
    .strict()
    .strictCommands()
    // A repeated option takes its last value (`--data-dir a --data-dir b` means b), as scanArgv does.
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .demandCommand(1, noCommand)
    .fail((message, error, y) => {
      // With no command, the command list is the answer: it goes to stderr with the error (exit 2).
      if (!error && message === noCommand) y.showHelp((text: string) => (help = text));
      // yargs reports some command line mistakes as its own YError: those are usage errors too.
      if (error && error.name !== 'YError') throw error;
      throw new UsageError(message || error?.message || 'wrong command line');
    })
    .epilogue(
      'Exit codes: 0 success, 1 failure at run time, 2 wrong command line or config.\nDocumentation: https://github.com/gitlab-meta-runner/gitlab-meta-runner/tree/main/docs',
    );

  for (const spec of commands) {
    parser.command({
      command: spec.command,
      describe: spec.describe,
      builder: (y: Argv) => {
        const built = spec.builder ? spec.builder(y) : y;
        for (const [cmd, description] of spec.examples ?? []) built.example(cmd, description);
        return built;
      },
      handler: async (args: Record<string, unknown>) => {
        const options = toGlobalOptions(args);
        verbose = options.verbose;
        logFormat = options.logFormat;
        const context = createContext(options, io);
        const handler = await spec.load();
        exitCode = (await handler(context, args)) ?? EXIT.ok;
      },
    });
  }

  try {
    await parser.parseAsync();
  } catch (error) {
    const code = exitCodeFor(error);
    if (logFormat === 'json') {
      io.stderr.write(formatErrorJson(error, code, verbose >= 2));
      return code;
    }
    if (help) io.stderr.write(`${help}\n\n`);
    io.stderr.write(formatError(error, verbose >= 2));
    if (error instanceof UsageError && !help) io.stderr.write('Run "gitlab-meta-runner --help" for usage.\n');
    return code;
  }
  return exitCode;
}
