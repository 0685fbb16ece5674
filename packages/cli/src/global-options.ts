/** The options every subcommand accepts, before or after the subcommand name. */
export interface GlobalOptions {
  configFile?: string | undefined;
  dataDir?: string | undefined;
  generatedConfigFile?: string | undefined;
  verbose: number;
  quiet: boolean;
  logFormat?: 'text' | 'json' | undefined;
}

const valued: Record<string, keyof GlobalOptions> = {
  '--config-file': 'configFile',
  '--data-dir': 'dataDir',
  '--generated-config-file': 'generatedConfigFile',
  '--log-format': 'logFormat',
};

export interface ScannedArgv {
  options: GlobalOptions;
  /** The arguments that are not global options, in order. */
  rest: string[];
  /** False when something needs the full parser (help, version, an unknown option before the command). */
  simple: boolean;
}

/**
 * Reads the global options without a CLI framework, so that hot paths (`executor`, started by gitlab-runner
 * about ten times per job) can skip loading yargs. Anything unusual sets `simple: false`.
 */
export function scanArgv(argv: readonly string[]): ScannedArgv {
  const options: GlobalOptions = { verbose: 0, quiet: false };
  const rest: string[] = [];
  let simple = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = arg.indexOf('=');
    const key = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const field = valued[key];
    if (field) {
      const value = eq > 0 && key !== arg ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) simple = false;
      else if (field === 'logFormat') {
        if (value !== 'text' && value !== 'json') simple = false;
        else options.logFormat = value;
      } else options[field] = value as never;
    } else if (arg === '--verbose') options.verbose++;
    else if (/^-v+$/.test(arg)) options.verbose += arg.length - 1;
    else if (arg === '-q' || arg === '--quiet') options.quiet = true;
    else if (arg === '--help' || arg === '-h' || arg === '--version') {
      simple = false;
      rest.push(arg);
    } else rest.push(arg);
  }
  return { options, rest, simple };
}
