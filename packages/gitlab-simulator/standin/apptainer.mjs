// A stand-in for `apptainer` / `singularity` that tests own (no package registry provides the real one).
// It plays one release of one tool, chosen by STANDIN_APPTAINER_VERSION ("apptainer 1.3.6",
// "singularity-ce 4.1.2", "singularity 3.8.7"), where the executor depends on it, and records every call:
//   pull [--force] [--disable-cache] [--authfile F] DEST SOURCE
//                        writes an image file at DEST (slowly on demand) through a tmp-copy-* file beside
//                        it, refuses an existing DEST without --force, checks registry logins
//   exec [flags] IMAGE COMMAND ARGS...
//                        runs COMMAND on the host with the tool's environment, HOME, --pwd and bind
//                        semantics, forwarding SIGTERM/SIGINT to it and re-raising a signal that ends it;
//                        with --pid in a PID namespace under an init, as processes.mjs describes
//   version, --version   as the release prints them
// Facts come from the real sources (github.com/apptainer/apptainer and github.com/sylabs/singularity; the
// tag is given with each path). Legacy Singularity 3.7/3.8 is played from SingularityCE's v3.7.x tags, which
// are the legacy project's history before the fork.
// Behaviour is set through the environment (the executor passes its environment on):
//   STANDIN_APPTAINER_VERSION    "<tool> <version>" (default "apptainer 1.3.6")
//   STANDIN_APPTAINER_OVERLAY    "no": plays `enable overlay = no` in apptainer.conf
//   STANDIN_APPTAINER_PID_NS     "no": plays `allow pid ns = no` in apptainer.conf (--pid is dropped)
//   STANDIN_APPTAINER_LOG        JSON-lines log of calls (argv, binds, env names; never secret values)
//   STANDIN_APPTAINER_PULL_MS    how long a pull takes (ms, default 0)
//   STANDIN_APPTAINER_PULL_GATE  a file: a pull that has started waits until it exists (tests open the gate)
//   STANDIN_APPTAINER_FAIL       comma list: "pull" (pull fails), "exec" (exec fails before the command
//                                starts, like a damaged image), "pull:<text>" (pulls whose source has <text>)
//   STANDIN_APPTAINER_AUTH       JSON {"registry.host": "user:password"}: registries that need a login
//   STANDIN_APPTAINER_IMAGE_BYTES size of a pulled image file (default 64)
//   STANDIN_APPTAINER_NAME       the name it was installed as (apptainer or singularity)
//   MR_STANDIN_ISOLATE           "bwrap": exec runs the command with bubblewrap in the root filesystem
//                                MR_STANDIN_ROOTFS (a directory, the image's content), seeing the host only
//                                through the mounts apptainer would make (opt-in; default: on the host)
//   MR_STANDIN_ROOTFS            that directory (buildBusyboxRootfs in src/image-registry.ts makes one)
//   MR_STANDIN_REGISTRY          a local image registry (buildImageRegistry in src/image-registry.ts): a pull
//                                of an image it does not hold fails as a registry's "manifest unknown", and an
//                                isolated exec runs in the pulled image's own root filesystem
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  commandName,
  endIsolatedNamespace,
  groupMembers,
  hostNamespaceCommand,
  INIT_COMMAND,
  kill,
  runInit,
  signalTargets,
  watchMonitor,
} from './processes.mjs';

const HEADER = 'STANDIN-SIF v1\n';
const TRAILER = '\nSTANDIN-SIF-END\n';
const installedAs = process.env.STANDIN_APPTAINER_NAME || 'apptainer';
const [family = 'apptainer', version = '1.3.6'] = (process.env.STANDIN_APPTAINER_VERSION || 'apptainer 1.3.6')
  .trim()
  .split(/\s+/);
const argv = process.argv.slice(2);

const numbers = (v) => v.split(/[.-]/).slice(0, 3).map(Number);
/** Whether this release is at least `min` ("1.1.0"). */
function atLeast(min) {
  const [a = 0, b = 0, c = 0] = numbers(version);
  const [x = 0, y = 0, z = 0] = numbers(min);
  return a !== x ? a > x : b !== y ? b > y : c >= z;
}

const apptainer = family === 'apptainer';
const singularityCe = family === 'singularity-ce';
const features = {
  // --no-eval: cmd/internal/cli/action_flags.go actionNoEvalFlag, new in apptainer v1.1.0 and SingularityCE
  // v3.10.0 (absent at apptainer v1.0.0, SingularityCE v3.9.0 and the legacy v3.7.x tags).
  noEval: apptainer ? atLeast('1.1.0') : singularityCe && atLeast('3.10.0'),
  // pull --authfile: cmd/internal/cli/pull.go registers commonAuthFileFlag for PullCmd from apptainer v1.4.0
  // and SingularityCE v4.1.0 on.
  authfile: apptainer ? atLeast('1.4.0') : singularityCe && atLeast('4.1.0'),
  // --compat: cmd/internal/cli/action_flags.go, present at apptainer v1.0.0 and SingularityCE v3.9.0, not at
  // SingularityCE v3.8.0 nor the legacy v3.7.x tags.
  compat: apptainer || (singularityCe && atLeast('3.9.0')),
  // exec --pid (-p, or <PREFIX>_PID / <PREFIX>_UNSHARE_PID): actionPidNamespaceFlag, registered for the
  // actions group (exec, shell, run, test) in cmd/internal/cli/action_flags.go at apptainer v1.0.0 to v1.5.3,
  // SingularityCE v3.7.0 to v4.3.7 and legacy Singularity 3.8 (commit 18799d8df of apptainer's history, the
  // v3.8.2 release): every supported release. --no-pid: from apptainer v1.3.0 and SingularityCE v4.0.0; only
  // SingularityCE acts on it (internal/pkg/runtime/launcher/native/launcher_linux.go, v4.0.0: "--no-pid
  // disables PID inferred above"); apptainer declares Namespaces.NoPID (internal/pkg/runtime/launch/options.go,
  // v1.3.0 to v1.5.3) but nothing reads it, so there it changes nothing.
  noPidFlag: apptainer ? atLeast('1.3.0') : singularityCe && atLeast('4.0.0'),
  noPidTakesEffect: singularityCe && atLeast('4.0.0'),
  // The PID namespace's init, as /proc/<pid>/comm shows it: StartProcess renames itself "sinit" (apptainer
  // v1.0.0, SingularityCE v3.9.0 to v4.3.7, legacy v3.7.x) or "appinit" (apptainer v1.1.0 on), in
  // internal/pkg/runtime/engine/{apptainer,singularity}/process_linux.go.
  initName: apptainer && atLeast('1.1.0') ? 'appinit' : 'sinit',
};

// Variable prefixes: apptainer reads APPTAINER_ first, then SINGULARITY_ (internal/pkg/util/env/env.go
// ApptainerPrefixes and ApptainerEnvPrefixes, apptainer v1.0.0); SingularityCE and legacy Singularity read
// only SINGULARITY_ (the same file, SingularityCE v3.9.0).
const PREFIXES = apptainer ? ['APPTAINER', 'SINGULARITY'] : ['SINGULARITY'];
const OWN = PREFIXES[0];
const setting = (name) => {
  for (const p of PREFIXES) if (process.env[`${p}_${name}`] !== undefined) return process.env[`${p}_${name}`];
  return undefined;
};
// The binary's name in messages: `--version` prints buildcfg.PACKAGE_NAME, which mconfig sets to
// "apptainer" (apptainer v1.0.0), "singularity-ce" (SingularityCE v3.8.0 on) or "singularity" (v3.7.0).
const command = apptainer ? 'apptainer' : 'singularity';

function log(entry) {
  const file = process.env.STANDIN_APPTAINER_LOG;
  if (file)
    appendFileSync(
      file,
      `${JSON.stringify({ tool: installedAs, family, version, pid: process.pid, time: Date.now(), ...entry })}\n`,
    );
}

/** A failure of the tool itself: sylog.Fatalf exits 255 (pkg/sylog/sylog.go, apptainer v1.0.0). */
function fatal(message) {
  process.stderr.write(`FATAL:   ${message}\n`);
  process.exit(255);
}

/**
 * A command-line error: cobra's error is printed with the command's usage and the process exits 1
 * (ExecuteApptainer in cmd/internal/cli/apptainer.go, apptainer v1.0.0; ExecuteSingularity in
 * cmd/internal/cli/singularity.go, SingularityCE v3.9.0).
 */
function usageError(sub, message) {
  process.stderr.write(
    `Error for command "${sub}": ${message}\n\nOptions for ${sub} command:\n  (see ${command} ${sub} --help)\n\nRun '${command} --help' for more detailed usage information.\n`,
  );
  process.exit(1);
}

const failures = (process.env.STANDIN_APPTAINER_FAIL || '').split(',').filter(Boolean);
const envNames = () =>
  Object.keys(process.env)
    .filter((k) => /^(APPTAINER|SINGULARITY)/.test(k))
    .sort();

/** See registryImageDir in src/image-registry.ts: `<registry>/<reference with a tag>`. */
function registryImageDir(registry, source) {
  const reference = source.replace(/^[a-z]+:\/\//, '').replace(/^(?:index\.)?docker\.io\/(?:library\/)?/, '');
  const tagged = /:[^/]+$/.test(reference) || reference.includes('@') ? reference : `${reference}:latest`;
  return join(registry, tagged);
}

/** The source an image was pulled from (its `source=` line). */
function imageSource(path) {
  return /^source=(.*)$/m.exec(readFileSync(path, 'utf8'))?.[1];
}

/** A complete image written by this stand-in (a partial one lacks the trailer). */
function isImage(path) {
  try {
    const text = readFileSync(path, 'utf8');
    return text.startsWith(HEADER) && text.endsWith(TRAILER);
  } catch {
    return false;
  }
}

function registryOf(source) {
  const m = /^(?:docker|oras):\/\/([^/]+)\//.exec(source);
  return m ? m[1] : undefined;
}

/**
 * The login for `registry` in a Docker-style auth file. Docker Hub's entry is looked up under
 * "https://index.docker.io/v1/" (internal/pkg/util/ociauth/ociauth.go dockerHubAuthKey, apptainer v1.4.0;
 * SingularityCE v4.1.0 internal/pkg/util/ociauth), every other registry under its host name.
 */
function loginFromAuthFile(auths, registry) {
  const key =
    registry === 'docker.io' || registry === 'index.docker.io' ? 'https://index.docker.io/v1/' : registry;
  const entry = auths[key];
  if (!entry) return undefined;
  if (entry.auth) return Buffer.from(entry.auth, 'base64').toString();
  return entry.username ? `${entry.username}:${entry.password}` : undefined;
}

/** Splits `args` into flags (checked against `known`) and positionals; stops at the first positional. */
function parseFlags(sub, args, known, interspersed) {
  const seen = [];
  const values = {};
  const rest = [];
  let i = 0;
  for (; i < args.length; i++) {
    let a = args[i];
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (!interspersed) break;
      rest.push(a);
      continue;
    }
    let value;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const kind = known[a];
    // cobra/pflag: an undefined flag is "unknown flag: --x" ("unknown shorthand flag" for -x).
    if (kind === undefined)
      usageError(
        sub,
        a.startsWith('--') ? `unknown flag: ${a}` : `unknown shorthand flag: '${a[1]}' in ${a}`,
      );
    seen.push(a);
    if (kind === 'value') {
      value ??= args[++i];
      if (value === undefined) usageError(sub, `flag needs an argument: ${a}`);
      values[a] = [...(values[a] ?? []), value];
    }
  }
  if (!interspersed) rest.push(...args.slice(i));
  return { seen, values, rest };
}

async function pull(args) {
  const known = { '--force': 'switch', '-F': 'switch', '--disable-cache': 'switch' };
  if (features.authfile) known['--authfile'] = 'value';
  const { seen, values, rest } = parseFlags('pull', args, known, true);
  const force = seen.includes('--force') || seen.includes('-F');
  const authfile = values['--authfile']?.at(-1);
  const [dest, source] = rest;
  if (!dest || !source) usageError('pull', 'requires 2 arg(s) in this stand-in: DEST SOURCE');
  const registry = registryOf(source);
  let authHosts = [];
  let login;
  if (authfile) {
    const mode = statSync(authfile).mode & 0o777;
    const auths = JSON.parse(readFileSync(authfile, 'utf8')).auths ?? {};
    authHosts = Object.keys(auths);
    if (registry) login = loginFromAuthFile(auths, registry);
    log({ op: 'authfile', authfile, mode: mode.toString(8), hosts: authHosts });
  }
  // --docker-username / --docker-password read <PREFIX>_DOCKER_USERNAME and _PASSWORD (dockerUsernameFlag,
  // dockerPasswordFlag EnvKeys in cmd/internal/cli/apptainer.go, apptainer v1.0.0 to v1.5.0;
  // cmd/internal/cli/singularity.go, SingularityCE v3.7.0 to v4.1.0); they win over an auth file.
  const user = setting('DOCKER_USERNAME');
  const password = setting('DOCKER_PASSWORD');
  const envLogin = user !== undefined && password !== undefined;
  if (envLogin) login = `${user}:${password}`;
  const disableCache = seen.includes('--disable-cache');
  log({
    op: 'pull',
    argv: process.argv.slice(2),
    dest,
    source,
    registry,
    authHosts,
    envLogin,
    disableCache,
    env: envNames(),
    tmpdir: setting('TMPDIR'),
    cachedir: setting('CACHEDIR'),
  });
  for (const dir of [setting('TMPDIR'), setting('CACHEDIR')]) {
    if (dir && !existsSync(dir)) fatal(`${dir} does not exist`);
  }
  // An existing file stops the pull (cmd/internal/cli/pull.go, apptainer v1.0.0: "Image file already
  // exists ... will not overwrite").
  if (existsSync(dest) && !force) fatal(`Image file already exists: "${dest}" - will not overwrite`);
  const needed = JSON.parse(process.env.STANDIN_APPTAINER_AUTH || '{}');
  if (registry && needed[registry] !== undefined && login !== needed[registry]) {
    fatal(
      `While making image from oci registry: failed to get checksum for ${source}: unauthorized: authentication required`,
    );
  }
  const localRegistry = process.env.MR_STANDIN_REGISTRY;
  if (
    (localRegistry && !existsSync(registryImageDir(localRegistry, source))) ||
    failures.includes('pull') ||
    failures.some((f) => f.startsWith('pull:') && source.includes(f.slice(5)))
  ) {
    fatal(`While making image from oci registry: failed to get checksum for ${source}: manifest unknown`);
  }
  // Without --disable-cache the image is built in the cache and copied to DEST through a "tmp-copy-*" file
  // in DEST's directory (fs.CopyFileAtomic via MakeTmpFile in internal/pkg/util/fs/helper.go, apptainer
  // v1.0.0); with it, it is built directly at DEST. Either way a killed pull leaves a partial file behind.
  const target = disableCache ? dest : join(dirname(dest), `tmp-copy-${process.pid}${basename(dest)}`);
  // The first half of the image is written before a slow or gated pull waits, so that a pull killed
  // meanwhile leaves an image-sized partial file, as a real one that was downloading would.
  const size = Math.max(Number(process.env.STANDIN_APPTAINER_IMAGE_BYTES || 64), 64);
  const content = HEADER + `source=${source}\n`.padEnd(size - HEADER.length - TRAILER.length, '.') + TRAILER;
  const half = Math.max(HEADER.length, Math.floor(content.length / 2));
  const fd = openSync(target, 'w');
  writeSync(fd, content.slice(0, half));
  const ms = Number(process.env.STANDIN_APPTAINER_PULL_MS || 0);
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  const gate = process.env.STANDIN_APPTAINER_PULL_GATE;
  while (gate && !existsSync(gate)) await new Promise((r) => setTimeout(r, 20));
  writeSync(fd, content.slice(half));
  closeSync(fd);
  if (target !== dest) renameSync(target, dest);
  log({ op: 'pulled', dest, source });
  process.stderr.write(`INFO:    Creating SIF file...\n`);
}

/** The `exec` flags this release knows (cmd/internal/cli/action_flags.go of each tag). */
function execFlags() {
  const known = {};
  for (const f of [
    '--bind',
    '-B',
    '--pwd',
    '--env',
    '--mount',
    '--home',
    '-H',
    '--env-file',
    '--overlay',
    '-o',
  ])
    known[f] = 'value';
  for (const f of [
    '--no-home',
    '--writable-tmpfs',
    '--cleanenv',
    '-e',
    '--contain',
    '-c',
    '--containall',
    '-C',
    '--nv',
    '--rocm',
    '--no-mount',
    '--no-init',
    '--fakeroot',
    '-f',
    '--ipc',
    '-i',
    '--pid',
    '-p',
    '--userns',
    '-u',
  ])
    known[f] = 'switch';
  if (features.compat) known['--compat'] = 'switch';
  if (features.noEval) known['--no-eval'] = 'switch';
  if (features.noPidFlag) known['--no-pid'] = 'switch';
  return known;
}

function exec(args) {
  // Flags end at the image: the root command does not intersperse (apptainerCmd.Flags().SetInterspersed(false)
  // in cmd/internal/cli/apptainer.go, apptainer v1.0.0).
  const { seen, values, rest } = parseFlags('exec', args, execFlags(), false);
  const binds = (values['--bind'] ?? [])
    .concat(values['-B'] ?? [])
    .flatMap((v) => v.split(','))
    .map((b) => {
      const [src, dst = src, opts = 'rw'] = b.split(':');
      return { src, dst, opts };
    });
  const envFlag = {};
  for (const value of values['--env'] ?? []) {
    for (const pair of value.split(',')) {
      const at = pair.indexOf('=');
      envFlag[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  const pwd = values['--pwd']?.at(-1);
  const homeSpec = (values['--home'] ?? values['-H'])?.at(-1);
  const has = (...names) => names.some((n) => seen.includes(n));
  const compat = has('--compat');
  // --compat infers --containall, --no-init, --no-umask, --no-eval and --writable-tmpfs (its usage text in
  // cmd/internal/cli/action_flags.go, apptainer v1.1.0).
  const cleanenv = has('--cleanenv', '-e', '--containall', '-C') || compat;
  const noEval = has('--no-eval') || (compat && features.noEval);
  const writableTmpfs = has('--writable-tmpfs') || compat;
  const [image, ...cmdline] = rest;
  log({
    op: 'exec',
    argv: process.argv.slice(2),
    image,
    command: cmdline,
    binds,
    pwd,
    flags: seen,
    cleanenv,
    home: homeSpec,
    env: envNames(),
    pidNamespace: wantsPidNamespace(has, compat),
  });
  if (!image) usageError('exec', 'requires at least 2 arg(s), only received 0');
  if (!isImage(image))
    fatal(`could not open image ${image}: failed to retrieve path for ${image}: not a SIF image`);
  if (failures.includes('exec'))
    fatal(`container creation failed: mount ${image}->/: failed to mount squashfs filesystem`);
  // With `enable overlay = no` --writable-tmpfs is refused (prepare_linux.go in
  // internal/pkg/runtime/engine/apptainer, apptainer v1.0.0; .../engine/singularity, SingularityCE v3.11.0).
  if (writableTmpfs && process.env.STANDIN_APPTAINER_OVERLAY === 'no')
    fatal("--writable-tmpfs requires 'enable overlay = yes': set to 'no' by administrator");
  for (const b of binds)
    if (!existsSync(b.src))
      fatal(
        `container creation failed: mount hook function failure: mount ${b.src}->${b.dst} error: while mounting ${b.src}: mount source ${b.src} doesn't exist`,
      );
  // HOME: --home SRC[:DST] mounts SRC at DST and sets HOME=DST; --no-home mounts nothing, so HOME keeps the
  // host path and that directory does not exist in the container ("Skipping home directory mount by user
  // request" in internal/pkg/runtime/engine/apptainer/container_linux.go, apptainer v1.0.0). Running on the
  // host, the stand-in cannot hide the real directory: it points HOME at a path that does not exist.
  const hostHome = process.env.HOME || '/';
  let home = hostHome;
  const homeBinds = [];
  if (homeSpec !== undefined) {
    const [src, dst = src] = homeSpec.split(':');
    if (dst !== src) fatal(`this stand-in mounts --home only at its own path, not ${src} at ${dst}`);
    if (!existsSync(src)) fatal(`container creation failed: home directory ${src} does not exist`);
    home = dst;
    homeBinds.push({ src, dst, opts: 'rw' });
  } else if (has('--no-home', '--containall', '-C') || compat) {
    home = `/nonexistent-standin-home${hostHome}`;
  } else {
    homeBinds.push({ src: hostHome, dst: hostHome, opts: 'rw' });
  }
  // The container sees the host only through binds: paths the command uses must be bound.
  const mounts = [...binds, ...homeBinds];
  const bound = (path) =>
    mounts.some(
      (b) => b.src === b.dst && !relative(b.dst, path).startsWith('..') && !isAbsolute(relative(b.dst, path)),
    );
  const imagePaths = ['/bin', '/usr', '/lib', '/etc', '/tmp', '/dev', '/proc'];
  const visible = (path) => bound(path) || imagePaths.some((p) => path === p || path.startsWith(`${p}/`));
  const cwd = pwd ?? process.cwd();
  const isolate = process.env.MR_STANDIN_ISOLATE === 'bwrap';
  if (pwd && !isolate && !visible(resolve(pwd))) {
    fatal(`could not set working directory ${pwd}: not bound into the container`);
  }
  for (const arg of isolate ? [] : cmdline.slice(1)) {
    if (isAbsolute(arg) && !visible(arg) && (existsSync(arg) || existsSync(resolve(arg, '..')))) {
      process.stderr.write(`sh: ${arg}: No such file or directory (not bound into the container)\n`);
      process.exit(127);
    }
  }
  // Environment: --cleanenv keeps almost nothing (proxies and TERM pass: internal/pkg/util/env/create.go
  // alwaysPassKeys, apptainer v1.0.0); <PREFIX>ENV_X and --env set X, APPTAINERENV_ over SINGULARITYENV_
  // (overridesForContainerEnv, same file); HOME cannot be set that way ("Overriding HOME environment
  // variable with ... is not permitted").
  const passAlways = ['TERM', 'http_proxy', 'https_proxy', 'no_proxy', 'all_proxy', 'ftp_proxy'];
  const env = cleanenv
    ? Object.fromEntries(
        Object.entries(process.env).filter(
          ([k]) => passAlways.includes(k) || passAlways.includes(k.toLowerCase()),
        ),
      )
    : Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(APPTAINER|SINGULARITY)/.test(k)));
  // The image's PATH is the host's here: the host is the stand-in's image. An isolated run has the
  // default PATH apptainer gives a container whose image sets none (internal/pkg/util/env/env.go DefaultPath,
  // apptainer v1.3.6).
  env.PATH = isolate ? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' : process.env.PATH;
  env.LANG = 'C';
  const overrides = {};
  for (const p of [...PREFIXES].reverse()) {
    for (const [k, v] of Object.entries(process.env)) {
      if (k.startsWith(`${p}ENV_`) && k.length > p.length + 4) overrides[k.slice(p.length + 4)] = v;
    }
  }
  Object.assign(overrides, envFlag);
  const evaluated = Object.entries(overrides).flatMap(([k, v]) => {
    if (k === 'HOME') {
      process.stderr.write(
        `WARNING: Overriding HOME environment variable with ${OWN}ENV_HOME is not permitted\n`,
      );
      return [];
    }
    return [[k, noEval ? v : shellEvaluated(v, env)]];
  });
  for (const [k, v] of evaluated) env[k] = v;
  env.HOME = home;
  // The runtime sets <PREFIX>_CONTAINER and <PREFIX>_NAME in the container.
  env[`${OWN}_CONTAINER`] = image;
  env[`${OWN}_NAME`] = image.split('/').pop();
  if (seen.includes('--nv')) env.STANDIN_GPU = 'nvidia';
  if (seen.includes('--rocm')) env.STANDIN_GPU = 'amd';
  const [cmd, ...cmdArgs] = cmdline;
  if (!cmd) usageError('exec', 'requires at least 2 arg(s), only received 1');
  const contain = has('--contain', '-c', '--containall', '-C') || compat;
  const pidNamespace = wantsPidNamespace(has, compat);
  const noInit = has('--no-init');
  let child;
  if (isolate) {
    child = spawn(
      'bwrap',
      [
        // bubblewrap's own init (PID 1) ends the namespace when the command ends; with --no-init the command
        // is PID 1 itself.
        ...(pidNamespace ? ['--unshare-pid', ...(noInit ? ['--as-pid-1'] : [])] : []),
        ...bwrapMounts({ image, mounts, contain, writableTmpfs, cwd: process.cwd() }),
        '--chdir',
        cwd,
        '--',
        cmd,
        ...cmdArgs,
      ],
      // Its own process group: see forward below.
      { env, stdio: 'inherit', detached: true },
    );
  } else if (pidNamespace) {
    const [program, args] = hostNamespaceCommand([cmd, ...cmdArgs], { initName: features.initName, noInit });
    child = spawn(program, args, { cwd, env, stdio: 'inherit' });
  } else {
    child = spawn(cmd, cmdArgs, { cwd, env, stdio: 'inherit' });
  }
  // apptainer's monitor passes the signals it gets on to the container's process and lives until that
  // process ended (internal/pkg/runtime/engine/apptainer/monitor_linux.go MonitorContainer, apptainer
  // v1.3.6). bubblewrap instead dies of SIGTERM, so an isolated exec runs bwrap in a process group of its own
  // without --die-with-parent, passes a signal on to the sandbox's processes (not to bwrap), and when bwrap
  // itself was signalled (the executor signals every process under it) waits for the sandbox's processes to
  // end before ending itself. Once the command ended after a signal, what it left running goes, as the
  // runner's kill of the whole group would take it. A host run with a PID namespace passes it to the
  // namespace's init (the child of `unshare`), which passes it on to the command.
  const release = isolate && child.pid ? watchMonitor(child.pid) : (then) => then();
  let forwarded = false;
  const forward = (signal) => {
    forwarded = true;
    for (const pid of signalTargets(child, { isolate, pidNamespace })) kill(pid, signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  child.on('error', (error) => fatal(`${cmd}: ${error.message}`));
  child.on('exit', async (code, signal) => {
    log({ op: 'exec-exit', code, signal });
    if (isolate && pidNamespace) {
      await endIsolatedNamespace(child.pid);
    } else if (isolate && signal) {
      const sandbox = () => groupMembers(child.pid).filter((pid) => commandName(pid) !== 'bwrap');
      while (sandbox().length > 0) await new Promise((r) => setTimeout(r, 50));
    }
    if (isolate && forwarded) for (const pid of groupMembers(child.pid)) kill(pid, 'SIGKILL');
    release(() => {
      if (signal) {
        // A command killed by a signal makes the tool raise the same signal on itself, exiting 128+n only if
        // that did not end it (internal/app/starter/master_linux.go "mimic signal", apptainer v1.0.0). With
        // a PID namespace the init exits with 128+n instead, and the tool with that code.
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
        setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 15)), 100);
        return;
      }
      process.exit(code ?? 0);
    });
  });
}

/** Whether the command line asks for a PID namespace: --pid, <PREFIX>_PID / _UNSHARE_PID, or --containall. */
function requestedPidNamespace(has, compat) {
  // --containall (and --compat, which infers it) infers PID isolation (cmd/internal/cli/actions_linux.go,
  // apptainer v1.0.0 and SingularityCE v3.9.0; internal/pkg/runtime/launch/launcher_linux.go, apptainer
  // v1.3.6; internal/pkg/runtime/launcher/native/launcher_linux.go, SingularityCE v4.3.7). The flag's EnvKeys
  // are PID and UNSHARE_PID, read as a boolean (strconv.ParseBool) when the flag is not given.
  const fromEnv = ['PID', 'UNSHARE_PID'].some((k) =>
    /^(1|t|T|TRUE|true|True)$/.test((setting(k) ?? '').trim()),
  );
  const asked = has('--pid', '-p', '--containall', '-C') || compat || fromEnv;
  return asked && !(features.noPidTakesEffect && has('--no-pid'));
}

/** Whether the container gets a PID namespace: asked for, and allowed by apptainer.conf. */
function wantsPidNamespace(has, compat) {
  return requestedPidNamespace(has, compat) && process.env.STANDIN_APPTAINER_PID_NS !== 'no';
}

/**
 * bubblewrap arguments for an isolated exec: the image read-only, /proc and /dev, and of the host only what
 * apptainer mounts. The mount rules played (internal/pkg/runtime/engine/apptainer/container_linux.go,
 * apptainer v1.3.6):
 * - user binds (`--bind SRC[:DST[:ro]]`): addUserbindsMount mounts each SRC at DST, read-only with `ro`
 *   (the option is parsed in prepare_linux.go of the same directory);
 * - home: addHomeMount mounts the home source at its destination unless --no-home ("Skipping home directory
 *   mount by user request"); the caller passes it in `mounts` (see exec);
 * - /tmp: addTmpMount binds the host's /tmp (`mount tmp = yes`, the default) unless --contain, which gives
 *   the container its own /tmp (from the session directory when no --workdir is given): a fresh tmpfs here;
 * - the current directory: createCwdDir/addCwdMount bind the host's working directory at the same path
 *   unless --contain ("Not mounting current directory: contain was requested") or it is "/";
 * - --writable-tmpfs: addOverlayMount puts a tmpfs upper layer over the image, so the container may write
 *   anywhere; without it the image is read-only (the SIF's squashfs). Here the root is a tmpfs holding the
 *   image's top-level entries read-only, remounted read-only unless --writable-tmpfs.
 * --pwd is the working directory (bwrap --chdir); a directory the container does not see fails there.
 */
function bwrapMounts({ image, mounts, contain, writableTmpfs, cwd }) {
  const registry = process.env.MR_STANDIN_REGISTRY;
  const source = registry ? imageSource(image) : undefined;
  const rootfs = source ? registryImageDir(registry, source) : process.env.MR_STANDIN_ROOTFS;
  if (!rootfs || !existsSync(rootfs))
    fatal(`MR_STANDIN_ISOLATE=bwrap needs MR_STANDIN_REGISTRY or MR_STANDIN_ROOTFS (got ${rootfs})`);
  const args = ['--tmpfs', '/'];
  for (const entry of readdirSync(rootfs)) {
    if (entry === 'proc' || entry === 'dev' || entry === 'tmp') continue;
    args.push('--ro-bind', join(rootfs, entry), `/${entry}`);
  }
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push(...(contain ? ['--tmpfs', '/tmp'] : ['--bind', '/tmp', '/tmp']));
  if (!contain && cwd !== '/') args.push('--bind', cwd, cwd);
  for (const m of mounts) args.push(m.opts.split(',').includes('ro') ? '--ro-bind' : '--bind', m.src, m.dst);
  if (!writableTmpfs) args.push('--remount-ro', '/');
  return args;
}

/**
 * Without --no-eval, <PREFIX>ENV_ values are written into a shell script that the container sources, so
 * `$VAR`, `$(cmd)` and quotes in them are evaluated (the --no-eval usage text in
 * cmd/internal/cli/action_flags.go, apptainer v1.1.0: "do not shell evaluate env vars").
 */
function shellEvaluated(value, env) {
  if (!/[$`"\\]/.test(value)) return value;
  // A child shell does what the container's environment script does with `export KEY="VALUE"`.
  const result = spawnSync('/bin/sh', ['-c', `printf '%s' "${value}"`], { env, encoding: 'utf8' });
  return result.stdout;
}

const [sub, ...rest] = argv;
if (sub === '--version') {
  // cmd/internal/cli/apptainer.go SetVersionTemplate: "<PACKAGE_NAME> version <version>" (apptainer v1.0.0;
  // cmd/internal/cli/singularity.go, SingularityCE v3.9.0 and v3.7.0). Apptainer's `singularity` link is the
  // same binary, so it too prints "apptainer version".
  log({ op: 'version' });
  process.stdout.write(`${family} version ${version}\n`);
} else if (sub === 'version') {
  // VersionCmd prints the bare version (cmd/internal/cli/apptainer.go, apptainer v1.0.0).
  process.stdout.write(`${version}\n`);
} else if (sub === 'pull') {
  await pull(rest);
} else if (sub === 'exec') {
  exec(rest);
} else if (sub === INIT_COMMAND) {
  runInit(rest);
} else if (sub === undefined) {
  usageError(command, 'no command given');
} else {
  fatal(`this stand-in does not implement "${sub}"`);
}
