#!/usr/bin/env bash
# Stops the one-node Slurm cluster started by scripts/slurm/start.sh (slurmd, slurmctld, munged). Jobs still
# queued or running are cancelled first. Safe to run when nothing is running.
set -euo pipefail

say() { printf 'slurm/stop: %s\n' "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "error: run this script as root"; exit 1; }

stop_pid() { # stop_pid PIDFILE NAME
  local pid i
  [ -f "$1" ] || return 0
  pid="$(cat "$1" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 0
  say "stopping $2 ($pid)"
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

if command -v scancel >/dev/null 2>&1 && scontrol ping >/dev/null 2>&1; then
  scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
fi
stop_pid /run/slurm/slurmd.pid slurmd
stop_pid /run/slurm/slurmctld.pid slurmctld
stop_pid /run/munge/munged.pid munged
say "stopped"
