#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for tests and trying out job arrays:
#
#   scripts/slurm-local.sh start     installs munge, slurmctld, slurmd (Debian, idempotent), writes a
#                                    slurm.conf for this machine's cores and memory and starts the
#                                    three daemons; returns once `sinfo` shows the node idle
#   scripts/slurm-local.sh status    the daemons' PIDs and `sinfo`
#   scripts/slurm-local.sh stop      stops exactly the daemons it started (by their PID files)
#   eval "$(scripts/slurm-local.sh env)"   points sbatch, squeue, sinfo … at the cluster
#
# Everything lives in $SLURM_LOCAL_DIR (default /tmp/slurm-local): configuration, munge key and
# socket, state, spool, logs and PID files. Runs as root (the daemons and jobs run as root too).
set -euo pipefail

dir="${SLURM_LOCAL_DIR:-/tmp/slurm-local}"
conf="$dir/slurm.conf"
socket="$dir/munge/munge.socket"
host="$(hostname -s)"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

env_lines() {
    echo "export SLURM_CONF=$conf"
}

install_packages() {
    local missing=()
    for p in munge slurmctld slurmd slurm-client; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "slurm-local: installing ${missing[*]}"
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
    fi
}

write_config() {
    mkdir -p "$dir"/{munge,state,spool,log}
    chmod 700 "$dir/munge"
    # A key of our own, so nothing depends on /etc/munge.
    [ -s "$dir/munge/munge.key" ] || { dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none; chmod 400 "$dir/munge/munge.key"; }
    local cpus memory
    cpus="$(nproc)"
    memory="$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)"
    cat > "$conf" <<EOF
# Written by scripts/slurm-local.sh: one node ($host), one partition.
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=300
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
    install_packages
    if alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid" && alive "$dir/munged.pid"; then
        echo "slurm-local: already running"
        return 0
    fi
    write_config
    alive "$dir/munged.pid" || munged --force --socket="$socket" --key-file="$dir/munge/munge.key" \
        --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
    export SLURM_CONF="$conf"
    # -c: a clean state (no jobs left from an earlier run of the cluster).
    alive "$dir/slurmctld.pid" || slurmctld -c -f "$conf"
    alive "$dir/slurmd.pid" || slurmd -f "$conf"
    for _ in $(seq 1 60); do
        if sinfo -h -N -o "%T" 2>/dev/null | grep -qx "idle"; then
            echo "slurm-local: node $host idle ($(nproc) CPUs); $(env_lines)"
            return 0
        fi
        sleep 1
    done
    echo "slurm-local: the node did not become idle within 60 s; logs in $dir/log" >&2
    sinfo -N -l >&2 || true
    tail -n 20 "$dir"/log/*.log >&2 || true
    return 1
}

stop() {
    local stopped=0
    for daemon in slurmd slurmctld munged; do
        local pidfile="$dir/$daemon.pid"
        if alive "$pidfile"; then
            local pid
            pid="$(cat "$pidfile")"
            kill "$pid"
            for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
            stopped=$((stopped + 1))
        fi
        rm -f "$pidfile"
    done
    echo "slurm-local: stopped $stopped daemon(s)"
}

status() {
    for daemon in munged slurmctld slurmd; do
        if alive "$dir/$daemon.pid"; then echo "$daemon: running (pid $(cat "$dir/$daemon.pid"))"; else echo "$daemon: not running"; fi
    done
    [ -f "$conf" ] && SLURM_CONF="$conf" sinfo -N -l 2>/dev/null || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    env) env_lines ;;
    *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
