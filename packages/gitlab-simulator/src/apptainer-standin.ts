import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The program of the stand-in (plain JavaScript, so it starts as fast as node can). */
export const standInApptainerScript = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'standin',
  'apptainer.mjs',
);

/**
 * Releases the executor's tests run against: the oldest and newest supported of each tool, and the releases
 * where a behaviour changes (see the stand-in's comments for the sources).
 */
export const STAND_IN_VERSIONS = [
  'apptainer 1.0.3',
  'apptainer 1.1.9',
  'apptainer 1.3.6',
  'apptainer 1.4.5',
  'apptainer 1.5.3',
  'singularity-ce 3.9.9',
  'singularity-ce 3.11.5',
  'singularity-ce 4.1.5',
  'singularity-ce 4.3.7',
  'singularity 3.7.4',
  'singularity 3.8.7',
] as const;

export interface StandInApptainerOptions {
  /** Install as `apptainer` (default) or `singularity`. */
  name?: 'apptainer' | 'singularity';
  /**
   * The release it plays, "<tool> <version>" with tool apptainer, singularity-ce or singularity. Default
   * "apptainer 1.3.6" (installed as `singularity`: "singularity-ce 4.1.5").
   */
  version?: string;
  /** `false` plays `enable overlay = no` in apptainer.conf: `--writable-tmpfs` is refused. */
  overlay?: boolean;
  /** `false` plays `allow pid ns = no` in apptainer.conf: `exec --pid` runs without a PID namespace. */
  pidNamespace?: boolean;
  /** How long a pull takes, ms. */
  pullMs?: number;
  /** A file: every pull, once started, waits until it exists (the test decides when pulls end). */
  pullGate?: string;
  /** What fails: "pull", "exec", or "pull:<text>" for pulls whose source contains <text>. */
  fail?: string[];
  /** Registries that need a login: host → "user:password". */
  auth?: Record<string, string>;
  /** Size of a pulled image file, bytes. */
  imageBytes?: number;
  /**
   * Run `exec` with bubblewrap in this root filesystem (see {@link buildBusyboxRootfs}), seeing of the host
   * only what apptainer would mount. Default: exec runs on the host.
   */
  isolatedRootfs?: string;
  /**
   * A local image registry (see {@link buildImageRegistry}): a pull succeeds only for an image it holds, and
   * with `isolate` an `exec` runs with bubblewrap in that image's root filesystem.
   */
  registry?: string;
  /** With `registry`: run `exec` isolated in the pulled image's root filesystem (needs bwrap). */
  isolate?: boolean;
}

/** One recorded call (or event) of the stand-in. */
export interface StandInCall {
  op: 'pull' | 'pulled' | 'authfile' | 'exec' | 'exec-exit' | 'version';
  tool: string;
  /** The release played: apptainer, singularity-ce or singularity, and its version. */
  family: string;
  version: string;
  pid: number;
  time: number;
  argv?: string[];
  dest?: string;
  source?: string;
  registry?: string;
  authHosts?: string[];
  hosts?: string[];
  mode?: string;
  image?: string;
  command?: string[];
  binds?: Array<{ src: string; dst: string; opts: string }>;
  pwd?: string;
  flags?: string[];
  cleanenv?: boolean;
  env?: string[];
  tmpdir?: string;
  cachedir?: string;
  /** `--home` given to exec. */
  home?: string;
  /** The exec ran in a PID namespace of its own (`--pid`, and allowed). */
  pidNamespace?: boolean;
  /** The pull got its login from <PREFIX>_DOCKER_USERNAME / _PASSWORD. */
  envLogin?: boolean;
  disableCache?: boolean;
  code?: number | null;
  signal?: string | null;
}

export interface StandInApptainer {
  /** Path of the executable. */
  path: string;
  /** Its JSON-lines log. */
  logFile: string;
  /** Every recorded call, in order. */
  calls(): StandInCall[];
  /** The `pull` calls. */
  pulls(): StandInCall[];
  /** The `exec` calls. */
  execs(): StandInCall[];
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Installs a stand-in `apptainer` (or `singularity`) executable in `dir` that plays one release of one tool:
 * it accepts only that release's flags, records its calls, pulls by writing an image file (slowly or failing
 * on demand) and runs `exec` commands on the host with the environment, HOME, `--pwd` and bind semantics,
 * PID namespace, exit codes and signal behaviour of the real tool (`exec --pid` needs util-linux `unshare`,
 * or bubblewrap when isolated). Settings are baked into the wrapper; the
 * `STANDIN_APPTAINER_*` variables of a call's environment override them.
 */
export function installStandInApptainer(
  dir: string,
  options: StandInApptainerOptions = {},
): StandInApptainer {
  const name = options.name ?? 'apptainer';
  const path = join(dir, name);
  const logFile = join(dir, `${name}-calls.jsonl`);
  const defaults: Record<string, string> = {
    STANDIN_APPTAINER_NAME: name,
    STANDIN_APPTAINER_VERSION:
      options.version ?? (name === 'singularity' ? 'singularity-ce 4.1.5' : 'apptainer 1.3.6'),
    STANDIN_APPTAINER_OVERLAY: options.overlay === false ? 'no' : 'yes',
    STANDIN_APPTAINER_PID_NS: options.pidNamespace === false ? 'no' : 'yes',
    STANDIN_APPTAINER_LOG: logFile,
    STANDIN_APPTAINER_PULL_MS: String(options.pullMs ?? 0),
    STANDIN_APPTAINER_PULL_GATE: options.pullGate ?? '',
    STANDIN_APPTAINER_FAIL: (options.fail ?? []).join(','),
    STANDIN_APPTAINER_AUTH: JSON.stringify(options.auth ?? {}),
    STANDIN_APPTAINER_IMAGE_BYTES: String(options.imageBytes ?? 64),
    ...(options.isolatedRootfs
      ? { MR_STANDIN_ISOLATE: 'bwrap', MR_STANDIN_ROOTFS: options.isolatedRootfs }
      : {}),
    ...(options.registry ? { MR_STANDIN_REGISTRY: options.registry } : {}),
    ...(options.registry && options.isolate ? { MR_STANDIN_ISOLATE: 'bwrap' } : {}),
  };
  const lines = Object.entries(defaults).map(
    ([k, v]) => `[ -n "\${${k}+x}" ] || ${k}=${quote(v)}; export ${k}`,
  );
  writeFileSync(
    path,
    `#!/bin/sh\n${lines.join('\n')}\nexec ${quote(process.execPath)} ${quote(standInApptainerScript)} "$@"\n`,
  );
  chmodSync(path, 0o755);
  const calls = (): StandInCall[] =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as StandInCall)
      : [];
  return {
    path,
    logFile,
    calls,
    pulls: () => calls().filter((c) => c.op === 'pull'),
    execs: () => calls().filter((c) => c.op === 'exec'),
  };
}

/** Writes an image file the stand-in accepts, as if `source` had been pulled to `path`. */
export function writeStandInImage(path: string, source: string, bytes = 64): void {
  const header = 'STANDIN-SIF v1\n';
  const trailer = '\nSTANDIN-SIF-END\n';
  writeFileSync(
    path,
    header + `source=${source}\n`.padEnd(Math.max(bytes, 64) - header.length - trailer.length, '.') + trailer,
  );
}
