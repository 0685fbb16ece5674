#!/usr/bin/env bash
# Packs every published package with `pnpm pack` (workspace: ranges rewritten), installs the tarballs with
# plain npm into empty prefixes, and checks that the installed commands work:
#   1. all tarballs  -> `gitlab-meta-runner` (help, version, example config, check-config, demo)
#   2. the executor tarball with its two dependencies (template, node-kit) -> `mr-apptainer-executor`
# Needs a prior `pnpm build`. Prints "pack-install: N passed, N failed" at the end; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/mr-pack-XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() {
  local name=$1; shift
  if out=$("$@" 2>&1); then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; echo "$out" | tail -20 | sed 's/^/     /'
  fi
}

mkdir -p "$work/packs"
for dir in packages/*/; do
  if node -e "process.exit(require('./${dir}package.json').private ? 0 : 1)"; then continue; fi
  (cd "$dir" && pnpm pack --pack-destination "$work/packs" >/dev/null) || { echo "FAIL pack $dir"; failed=$((failed + 1)); }
done
ls -l "$work/packs"

no_workspace_ranges() {
  for t in "$work"/packs/*.tgz; do
    if tar -xzOf "$t" package/package.json | grep -q '"workspace:'; then echo "$t still has workspace: ranges"; return 1; fi
    if tar -xzOf "$t" package/package.json | grep -q '@mr/source'; then echo "$t still exports sources"; return 1; fi
  done
}
check "tarballs have no workspace: ranges or source exports" no_workspace_ranges

full="$work/full"
mkdir -p "$full"
check "npm installs all tarballs into an empty prefix" \
  npm install --prefix "$full" --no-audit --no-fund --no-package-lock "$work"/packs/*.tgz
bin="$full/node_modules/.bin/gitlab-meta-runner"
check "gitlab-meta-runner --help" "$bin" --help
check "gitlab-meta-runner --version" "$bin" --version
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
check "gitlab-meta-runner show-example-config" "$bin" show-example-config
check "gitlab-meta-runner create-example-config" "$bin" create-example-config
check "gitlab-meta-runner check-config (example)" "$bin" check-config
if "$bin" --help 2>/dev/null | grep -q ' demo'; then
  check "gitlab-meta-runner demo --jobs 4" "$bin" demo --jobs 4
fi

alone="$work/alone"
mkdir -p "$alone"
check "npm installs the executor tarball alone (with @mr/template and @mr/node-kit)" \
  npm install --prefix "$alone" --no-audit --no-fund --no-package-lock "$work"/packs/mr-apptainer-executor-*.tgz "$work"/packs/mr-template-*.tgz "$work"/packs/mr-node-kit-*.tgz
exe="$alone/node_modules/.bin/mr-apptainer-executor"
executor_config() {
  local builds="$work/builds"
  CUSTOM_ENV_CI_JOB_ID=42 "$exe" --builds-dir "$builds" --cache-dir "$work/cache" config | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const c = JSON.parse(s);
      if (!c.builds_dir.endsWith("/42")) { console.error("unexpected builds_dir", c.builds_dir); process.exit(1); }
    });'
}
check "mr-apptainer-executor config prints its JSON" executor_config
size_ok() {
  local kb
  kb=$(du -sk "$alone/node_modules" | cut -f1)
  echo "executor install: ${kb} KiB"
  [ "$kb" -lt 2048 ]
}
check "the standalone executor install is under 2 MiB" size_ok

echo "pack-install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
