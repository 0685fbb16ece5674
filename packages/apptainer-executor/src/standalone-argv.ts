import { ExecutorError } from './errors.js';
import { EXECUTOR_SETTINGS, type SettingKey } from './setting-keys.js';

/** The command line of `mr-apptainer-executor`, read without a CLI framework (it starts ~10 times a job). */
export interface StandaloneArgv {
  configFile?: string | undefined;
  /** Settings given as options (`--builds-dir X`), by setting key; they win over the config file. */
  settings: Partial<Record<SettingKey, unknown>>;
  verbose: number;
  quiet: boolean;
  help: boolean;
  version: boolean;
  /** The step and its arguments. */
  positional: string[];
}

const listKinds = new Set(['list', 'expanded-list', 'env-names', 'pull-policies']);

/** Reads `[options] config|prepare|run <script> <stage>|cleanup`; options may come anywhere before `--`. */
export function parseStandaloneArgv(argv: readonly string[]): StandaloneArgv {
  const out: StandaloneArgv = {
    settings: {},
    verbose: 0,
    quiet: false,
    help: false,
    version: false,
    positional: [],
  };
  const lists: Partial<Record<SettingKey, unknown[]>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') out.help = true;
    else if (arg === '--version') out.version = true;
    else if (arg === '-q' || arg === '--quiet') out.quiet = true;
    else if (arg === '--verbose') out.verbose++;
    else if (/^-v+$/.test(arg)) out.verbose += arg.length - 1;
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq > 0 ? eq : undefined);
      const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
      if (name === 'config') {
        out.configFile = inline ?? argv[++i];
        if (out.configFile === undefined) throw usage('--config needs a file name');
        continue;
      }
      const key = name.replaceAll('-', '_') as SettingKey;
      const kind: string | undefined = (EXECUTOR_SETTINGS as Record<string, { kind: string }>)[key]?.kind;
      if (!kind) throw usage(`unknown option --${name}`);
      if (kind === 'flag' && inline === undefined) {
        out.settings[key] = true;
        continue;
      }
      const value = inline ?? argv[++i];
      if (value === undefined) throw usage(`--${name} needs a value`);
      if (listKinds.has(kind)) {
        lists[key] ??= [];
        lists[key].push(value);
      } else out.settings[key] = value;
    } else out.positional.push(arg);
  }
  Object.assign(out.settings, lists);
  return out;
}

const usage = (message: string) =>
  new ExecutorError('MR_EXECUTOR_USAGE', message, { hint: 'Run "mr-apptainer-executor --help" for usage.' });

export const STANDALONE_USAGE = `Usage: mr-apptainer-executor [options] config|prepare|run <script> <stage>|cleanup

The gitlab-runner custom executor for apptainer/singularity: every job step runs in the job's image.
Put it in the [runners.custom] section of gitlab-runner's config.toml, for example
  config_exec = "mr-apptainer-executor"
  config_args = ["--config", "/home/me/executor.toml", "config"]
and the same for prepare, run and cleanup.

Options:
  --config <file>                 TOML file with the settings (keys as below, with underscores)
  --builds-dir <dir>              jobs get <dir>/<CI_JOB_ID> (required)
  --cache-dir <dir>               gitlab-runner's cache directory
  --image-dir <dir>               where pulled images are stored
  --image-cache-dir <dir>         APPTAINER_CACHEDIR for pulls
  --image-tmp-dir <dir>           APPTAINER_TMPDIR for pulls
  --pull-policy <policy>          always | if-not-present (default) | never
  --apptainer-executable <path>   apptainer (default) or singularity, a name or a path
  --gpu-nvidia, --gpu-amd         add --nv / --rocm
  --mount <src[:dst[:opts]]>      extra bind mount (repeatable)
  --description <text>            shown as the driver name in the job log
  --default-image <image>         for jobs without image:
  --allowed-images <glob>         allowed job images (repeatable; * and ** as in the docker executor)
  --allowed-pull-policies <p>     allowed pull policies (repeatable)
  --predefined-stages host|image  where get_sources, caches and artifacts run (default host)
  --pass-env <NAME|PREFIX_*>      extra variables passed through --cleanenv (repeatable)
  --exec-args <flag>              extra apptainer exec flag (repeatable), e.g. --exec-args=--compat
  --image-max-size <size>         evict least recently used images above this size ("50G")
  --image-max-age <duration>      evict images unused for this long ("30d")
  --kill-timeout <duration>       wait after forwarding SIGTERM before SIGKILL (default "10s")
  -v, --verbose / -q, --quiet     more / less output
  -h, --help / --version
Values may use $VARIABLE and ~; options win over the config file.
Exit codes follow gitlab-runner: $BUILD_FAILURE_EXIT_CODE when the job's script failed,
$SYSTEM_FAILURE_EXIT_CODE when the executor or apptainer did.
`;
