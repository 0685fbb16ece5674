#!/usr/bin/env bash
# Starts a one-node Slurm cluster (munge + slurmctld + slurmd from Debian's packages) on 127.0.0.1 for the
# launcher's end-to-end tests and for trying `gitlab-meta-runner run` by hand. Run as root on Debian or
# Ubuntu. Safe to run again: when the cluster already answers with the same configuration it only checks it.
#
#   sudo scripts/slurm/start.sh            # install if needed, configure, start, wait until a job runs
#   sudo scripts/slurm/stop.sh             # stop the daemons again
#
# Environment: SLURM_START_TIMEOUT (seconds to wait for the node and the first job, default 120).
set -euo pipefail

timeout_s="${SLURM_START_TIMEOUT:-120}"
conf_dir=/etc/slurm
conf="$conf_dir/slurm.conf"
log_dir=/var/log/slurm
run_dir=/run/slurm
ctld_spool=/var/spool/slurmctld
d_spool=/var/spool/slurmd

say() { printf 'slurm/start: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run this script as root (it installs packages and starts system daemons)"

# ---- packages ---------------------------------------------------------------------------------------------
need_install=()
for bin in sbatch squeue scancel sinfo srun slurmctld slurmd munged; do
  command -v "$bin" >/dev/null 2>&1 || { need_install=(slurm-wlm munge); break; }
done
if [ "${#need_install[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "slurm is not installed and apt-get is not available"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the packages' maintainer scripts from starting daemons before the configuration exists.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  say "installing ${need_install[*]}"
  if ! apt-get install -y -q --no-install-recommends "${need_install[@]}" >/tmp/slurm-apt.log 2>&1; then
    apt-get update -q >>/tmp/slurm-apt.log 2>&1 || { cat /tmp/slurm-apt.log >&2; die "apt-get update failed"; }
    apt-get install -y -q --no-install-recommends "${need_install[@]}" >>/tmp/slurm-apt.log 2>&1 ||
      { tail -n 40 /tmp/slurm-apt.log >&2; [ "$made_policy" = 1 ] && rm -f "$policy"; die "apt-get install failed"; }
  fi
  [ "$made_policy" = 1 ] && rm -f "$policy"
fi

# ---- configuration ----------------------------------------------------------------------------------------
node="$(hostname -s)"
cpus="$(nproc)"
mem_total_mb="$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"
# Leave some memory to the system; slurmd drains a node that reports less memory than configured.
real_mem=$(( mem_total_mb * 9 / 10 ))
[ "$real_mem" -ge 1 ] || real_mem=1

wanted="$(cat <<CONF
# One-node test cluster written by scripts/slurm/start.sh (gitlab-meta-runner). Do not use in production.
ClusterName=mr-test
SlurmctldHost=${node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=10
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
MailProg=/bin/true
StateSaveLocation=${ctld_spool}
SlurmdSpoolDir=${d_spool}
SlurmctldPidFile=${run_dir}/slurmctld.pid
SlurmdPidFile=${run_dir}/slurmd.pid
SlurmctldLogFile=${log_dir}/slurmctld.log
SlurmdLogFile=${log_dir}/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${real_mem} State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP
CONF
)"

mkdir -p "$conf_dir" "$log_dir" "$run_dir" "$ctld_spool" "$d_spool"
conf_changed=0
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$wanted" ]; then
  printf '%s\n' "$wanted" >"$conf.tmp" && chmod 644 "$conf.tmp" && mv "$conf.tmp" "$conf"
  conf_changed=1
fi

# ---- helpers ----------------------------------------------------------------------------------------------
alive() { # alive PIDFILE NAME: the daemon in the pid file runs
  local pid
  [ -f "$1" ] || return 1
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}
stop_pid() { # stop_pid PIDFILE NAME
  local pid i
  alive "$1" "$2" || return 0
  pid="$(cat "$1")"
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$(( SECONDS + $1 )) what="$2"
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
  say "$what"
}
node_state() { sinfo -h -N -n "$node" -o '%T' 2>/dev/null | head -n 1; }
node_usable() { case "$(node_state)" in idle|idle\*|mixed|allocated|completing) return 0 ;; *) return 1 ;; esac; }
node_idle() { [ "$(node_state)" = idle ]; }

# ---- munge ------------------------------------------------------------------------------------------------
munge_pid=/run/munge/munged.pid
if ! alive "$munge_pid" munged; then
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile=/etc/munge/munge.key
    else
      dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    fi
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0600 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  rm -f /run/munge/munge.socket.2.lock
  say "starting munged"
  runuser -u munge -- /usr/sbin/munged --force
fi
wait_for 20 "munge works" sh -c 'munge -n | unmunge' || die "munged did not start (see /var/log/munge/munged.log)"

# ---- slurm daemons ----------------------------------------------------------------------------------------
if [ "$conf_changed" = 1 ]; then
  stop_pid "$run_dir/slurmd.pid" slurmd
  stop_pid "$run_dir/slurmctld.pid" slurmctld
fi
fresh=0
if ! alive "$run_dir/slurmctld.pid" slurmctld; then
  say "starting slurmctld"
  /usr/sbin/slurmctld
  fresh=1
fi
wait_for 30 "slurmctld answers" scontrol ping ||
  { tail -n 30 "$log_dir/slurmctld.log" >&2 || true; die "slurmctld does not answer"; }
if ! alive "$run_dir/slurmd.pid" slurmd; then
  say "starting slurmd"
  /usr/sbin/slurmd
  fresh=1
fi

# A node left down or drained by an earlier run (for example a killed slurmd) is put back into service.
case "$(node_state)" in
  down*|drain*|fail*) scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true ;;
esac

if [ "$fresh" = 0 ] && node_usable; then
  say "already running: node $node is $(node_state)"
  exit 0
fi

wait_for "$timeout_s" "node $node is idle" node_idle ||
  { sinfo -N -l >&2 || true; tail -n 30 "$log_dir/slurmd.log" >&2 || true; die "node $node did not become idle"; }

# A trivial batch job and a trivial step must both complete.
if ! timeout "$timeout_s" sbatch --wait --quiet -o /dev/null -J mr-start-check --wrap true; then
  tail -n 30 "$log_dir/slurmctld.log" >&2 || true
  die "a trivial sbatch job did not complete"
fi
if ! timeout "$timeout_s" srun -J mr-start-check true; then
  tail -n 30 "$log_dir/slurmd.log" >&2 || true
  die "a trivial srun step did not complete"
fi
say "ready: one-node cluster on 127.0.0.1 (node $node, $cpus CPUs, ${real_mem} MB)"
