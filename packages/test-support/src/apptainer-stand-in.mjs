// A stand-in for `apptainer` / `singularity` that tests own (no package registry provides the real one).
// It behaves like the real tool where the executor depends on it and records every call:
//   pull [--force] [--authfile F] DEST SOURCE   writes an image file at DEST (slowly on demand), refuses an
//                                               existing DEST without --force, checks registry logins
//   exec [flags] IMAGE COMMAND ARGS...          runs COMMAND on the host with apptainer's environment, --pwd
//                                               and bind semantics, forwarding SIGTERM/SIGINT to it
//   version, --version
// Behaviour is set through the environment (the executor passes its environment on):
//   STANDIN_APPTAINER_LOG        JSON-lines log of calls (argv, binds, env names; never secret values)
//   STANDIN_APPTAINER_PULL_MS    how long a pull takes (ms, default 0)
//   STANDIN_APPTAINER_FAIL       comma list: "pull" (pull fails), "exec" (exec fails before the command
//                                starts, like a damaged image), "pull:<text>" (pulls whose source has <text>)
//   STANDIN_APPTAINER_AUTH       JSON {"registry.host": "user:password"}: registries that need a login
//   STANDIN_APPTAINER_IMAGE_BYTES size of a pulled image file (default 64)
//   STANDIN_APPTAINER_NAME       the name it was installed as (apptainer or singularity)
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

const HEADER = 'STANDIN-SIF v1\n';
const TRAILER = '\nSTANDIN-SIF-END\n';
const tool = process.env.STANDIN_APPTAINER_NAME || 'apptainer';
const PREFIX = tool === 'singularity' ? 'SINGULARITY' : 'APPTAINER';
const argv = process.argv.slice(2);

function log(entry) {
  const file = process.env.STANDIN_APPTAINER_LOG;
  if (file)
    appendFileSync(file, `${JSON.stringify({ tool, pid: process.pid, time: Date.now(), ...entry })}\n`);
}

function fatal(message, code = 255) {
  process.stderr.write(`FATAL:   ${message}\n`);
  process.exit(code);
}

const failures = (process.env.STANDIN_APPTAINER_FAIL || '').split(',').filter(Boolean);
const envNames = () =>
  Object.keys(process.env)
    .filter((k) => /^(APPTAINER|SINGULARITY)/.test(k))
    .sort();

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

async function pull(args) {
  let force = false;
  let authfile;
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--force' || a === '-F') force = true;
    else if (a === '--authfile') authfile = args[++i];
    else if (a.startsWith('--authfile=')) authfile = a.slice(11);
    else if (a.startsWith('-')) fatal(`unknown flag: ${a}`);
    else rest.push(a);
  }
  const [dest, source] = rest;
  if (!dest || !source) fatal('pull needs DEST and SOURCE in this stand-in');
  const registry = registryOf(source);
  let authHosts = [];
  let login;
  if (authfile) {
    const mode = statSync(authfile).mode & 0o777;
    const auths = JSON.parse(readFileSync(authfile, 'utf8')).auths ?? {};
    authHosts = Object.keys(auths);
    if (registry && auths[registry]?.auth) login = Buffer.from(auths[registry].auth, 'base64').toString();
    log({ op: 'authfile', authfile, mode: mode.toString(8), hosts: authHosts });
  }
  log({
    op: 'pull',
    argv: process.argv.slice(2),
    dest,
    source,
    registry,
    authHosts,
    env: envNames(),
    tmpdir: process.env[`${PREFIX}_TMPDIR`],
    cachedir: process.env[`${PREFIX}_CACHEDIR`],
  });
  for (const dir of [process.env[`${PREFIX}_TMPDIR`], process.env[`${PREFIX}_CACHEDIR`]]) {
    if (dir && !existsSync(dir)) fatal(`${dir} does not exist`);
  }
  if (existsSync(dest) && !force) fatal(`Image file already exists: "${dest}" - will not overwrite`);
  const needed = JSON.parse(process.env.STANDIN_APPTAINER_AUTH || '{}');
  if (registry && needed[registry] !== undefined && login !== needed[registry]) {
    fatal(
      `While making image from oci registry: failed to get checksum for ${source}: unauthorized: authentication required`,
    );
  }
  if (
    failures.includes('pull') ||
    failures.some((f) => f.startsWith('pull:') && source.includes(f.slice(5)))
  ) {
    fatal(`While making image from oci registry: failed to get checksum for ${source}: manifest unknown`);
  }
  // Like a real pull, the file appears before it is complete.
  const fd = openSync(dest, 'w');
  writeSync(fd, HEADER);
  const ms = Number(process.env.STANDIN_APPTAINER_PULL_MS || 0);
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  const size = Math.max(Number(process.env.STANDIN_APPTAINER_IMAGE_BYTES || 64), 64);
  const body = `source=${source}\n`.padEnd(size - HEADER.length - TRAILER.length, '.');
  writeSync(fd, body + TRAILER);
  closeSync(fd);
  log({ op: 'pulled', dest, source });
  process.stderr.write(`INFO:    Creating SIF file...\n`);
}

const valued = new Set([
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
]);
const switches = new Set([
  '--no-home',
  '--writable-tmpfs',
  '--cleanenv',
  '-e',
  '--contain',
  '-c',
  '--containall',
  '-C',
  '--compat',
  '--nv',
  '--rocm',
  '--no-mount',
  '--no-init',
  '--fakeroot',
  '--ipc',
  '--pid',
  '--userns',
  '-u',
]);

function exec(args) {
  const flags = { binds: [], env: {} };
  const seen = [];
  let i = 0;
  for (; i < args.length; i++) {
    let a = args[i];
    let value;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (!a.startsWith('-')) break;
    seen.push(a);
    if (valued.has(a)) {
      value ??= args[++i];
      if (value === undefined) fatal(`flag needs an argument: ${a}`);
      if (a === '--bind' || a === '-B') flags.binds.push(...value.split(','));
      else if (a === '--pwd') flags.pwd = value;
      else if (a === '--env') {
        for (const pair of value.split(',')) {
          const at = pair.indexOf('=');
          flags.env[pair.slice(0, at)] = pair.slice(at + 1);
        }
      }
    } else if (!switches.has(a)) fatal(`unknown flag: ${a}`);
  }
  const image = args[i];
  const command = args.slice(i + 1);
  const binds = flags.binds.map((b) => {
    const [src, dst = src, opts = 'rw'] = b.split(':');
    return { src, dst, opts };
  });
  const cleanenv =
    seen.includes('--cleanenv') ||
    seen.includes('-e') ||
    seen.includes('--containall') ||
    seen.includes('-C');
  log({
    op: 'exec',
    argv: process.argv.slice(2),
    image,
    command,
    binds,
    pwd: flags.pwd,
    flags: seen,
    cleanenv,
    env: envNames(),
  });
  if (!image) fatal('exec needs an image');
  if (!isImage(image))
    fatal(`could not open image ${image}: failed to retrieve path for ${image}: not a SIF image`);
  if (failures.includes('exec'))
    fatal(`container creation failed: mount ${image}->/: failed to mount squashfs filesystem`);
  for (const b of binds)
    if (!existsSync(b.src))
      fatal(
        `container creation failed: mount hook function failure: mount ${b.src}->${b.dst} error: while mounting ${b.src}: mount source ${b.src} doesn't exist`,
      );
  // The container sees the host only through binds: paths the command uses must be bound.
  const bound = (path) =>
    binds.some(
      (b) => b.src === b.dst && !relative(b.dst, path).startsWith('..') && !isAbsolute(relative(b.dst, path)),
    );
  const imagePaths = ['/bin', '/usr', '/lib', '/etc', '/tmp', '/dev', '/proc'];
  const visible = (path) => bound(path) || imagePaths.some((p) => path === p || path.startsWith(`${p}/`));
  const cwd = flags.pwd ?? process.cwd();
  if (flags.pwd && !visible(resolve(flags.pwd))) {
    fatal(`could not set working directory ${flags.pwd}: not bound into the container`);
  }
  for (const arg of command.slice(1)) {
    if (isAbsolute(arg) && !visible(arg) && (existsSync(arg) || existsSync(resolve(arg, '..')))) {
      process.stderr.write(`sh: ${arg}: No such file or directory (not bound into the container)\n`);
      process.exit(127);
    }
  }
  // Environment: --cleanenv keeps almost nothing; <PREFIX>ENV_X and --env set X.
  const env = cleanenv
    ? { PATH: process.env.PATH, LANG: 'C', HOME: process.env.HOME, TERM: process.env.TERM }
    : Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(APPTAINER|SINGULARITY)/.test(k)));
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith(`${PREFIX}ENV_`)) env[k.slice(PREFIX.length + 4)] = v;
  }
  Object.assign(env, flags.env);
  env[`${PREFIX}_CONTAINER`] = image;
  env[`${PREFIX}_NAME`] = image.split('/').pop();
  if (seen.includes('--nv')) env.STANDIN_GPU = 'nvidia';
  if (seen.includes('--rocm')) env.STANDIN_GPU = 'amd';
  const [cmd, ...cmdArgs] = command;
  if (!cmd) fatal('exec needs a command');
  const child = spawn(cmd, cmdArgs, { cwd, env, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  child.on('error', (error) => fatal(`${cmd}: ${error.message}`));
  child.on('exit', (code, signal) => {
    log({ op: 'exec-exit', code, signal });
    process.exit(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15));
  });
}

const [command, ...rest] = argv;
if (command === 'version' || command === '--version') {
  process.stdout.write(`${tool} version 1.3.4-standin\n`);
} else if (command === 'pull') {
  await pull(rest);
} else if (command === 'exec') {
  exec(rest);
} else {
  fatal(`this stand-in does not implement "${command}"`);
}
