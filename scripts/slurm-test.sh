#!/usr/bin/env bash
# Proves deploy/slurm/sweep.sbatch and merge.sbatch on a real Slurm: installs Debian's slurm-wlm
# and munge when missing, starts a one-node cluster on this machine (munged, slurmctld, slurmd;
# configuration, keys, sockets, spool, state and logs all in one temporary directory), then
#   1. runs the sweep unsharded, as the reference;
#   2. sbatches the 4-task array with a dependent merge job, waits, and compares the merged
#      runs.csv and sweep.csv byte for byte with the reference;
#   3. submits the array again, cancels one task once it has written some cells (mid-run),
#      requeues it, merges after the array, and compares again.
# Every daemon it started is stopped on exit, also on failure or interruption. Exits 0 on success.
# Needs root (as CI runs) to install packages and run slurmd.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/convotron-slurm.XXXXXX)"
chmod 700 "$work"
pids=()
start=$(date +%s)
say() { echo "slurm-test: $*"; }
fail() { echo "slurm-test: FAILED: $*" >&2; exit 1; }
# shellcheck source=common.sh
source "$root/scripts/common.sh"

cleanup() {
    local code=$?
    # Cancel this cluster's jobs (only this cluster's: SLURM_CONF points at it) and let them end.
    if [ -n "${SLURM_CONF:-}" ] && [ "${#pids[@]}" -ge 2 ]; then
        squeue -h -o %A 2>/dev/null | sort -u | xargs -r timeout 10 scancel >/dev/null 2>&1 || true
        for _ in $(seq 50); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
    fi
    # Daemons in reverse order of start: slurmd, slurmctld, munged.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    # A job step that outlived its slurmd (slurmstepd and the job's processes) runs a command
    # line naming this run's unique temporary directory: stop those, by process id.
    for proc in /proc/[0-9]*; do
        [ "${proc#/proc/}" != "$$" ] || continue
        if { tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null | grep -qF "$work/"; then
            kill -9 "${proc#/proc/}" 2>/dev/null || true
        fi
    done
    if [ "$code" -ne 0 ]; then
        for log in "$work"/log/*.log "$work"/jobs/*.out; do
            [ -f "$log" ] && { echo "---- $log"; tail -n 30 "$log"; }
        done
    fi
    rm -rf "$work"
    exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- packages -----------------------------------------------------------------------------------
need=()
command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && command -v sbatch >/dev/null 2>&1 || need+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || need+=(munge)
install_debian_packages "$work" "${need[@]}" || fail "installing ${need[*]}"

# ---- the tool -----------------------------------------------------------------------------------
say "building the convotron tool"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$root/src/Cli/Convotron.Cli.csproj" -c Release --nologo -v quiet -o "$work/tool" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; fail "dotnet build src/Cli"; }
export CONVOTRON="$(command -v dotnet) $work/tool/convotron.dll"
# A grid of 64 runs, 16 per shard: a few seconds per task, long enough to cancel one mid-run.
export SWEEP_GRID="--strides 12,16 --budgets 1000,2000 --distributions gaussian,uniform --noise 0,0.1 --seeds 4 --test-samples 2000 --t3 2000"

# ---- the cluster --------------------------------------------------------------------------------
mkdir -p "$work"/{etc,log,run,state,spool,munge,jobs}
chmod 700 "$work/munge"
host=$(hostname -s)
cpus=$(nproc)
ports=$((20000 + RANDOM % 20000))
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
socket="$work/munge/munge.socket"
# --force: munged refuses root without it. Its own state (seed, pid, log) stays in $work.
munged --force --foreground --key-file="$work/munge/munge.key" --socket="$socket" \
    --pid-file="$work/run/munged.pid" --log-file="$work/log/munged.log" --seed-file="$work/munge/seed" \
    >"$work/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || fail "munged did not start"

cat >"$work/etc/slurm.conf" <<CONF
ClusterName=convotron-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ports
SlurmdPort=$((ports + 1))
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobRequeue=1
MinJobAge=600
SlurmdTimeout=60
SchedulerParameters=sched_interval=1
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF="$work/etc/slurm.conf"

say "starting slurmctld and slurmd on $host (ports $ports, $((ports + 1)); state in $work)"
slurmctld -D -i -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
scontrol ping 2>/dev/null | grep -q UP || fail "slurmctld did not come up"
slurmd -D -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 150); do sinfo -h -o '%t' 2>/dev/null | grep -Eq '^(idle|mix|alloc)' && break; sleep 0.2; done
sinfo -h -o '%t' | grep -Eq '^(idle|mix|alloc)' || { sinfo; fail "slurmd did not register"; }
say "cluster up: $(sinfo -h -o '%P %D node(s) %c cpus %t')"

# ---- helpers ------------------------------------------------------------------------------------
# The state of a job or array task: PENDING, RUNNING, COMPLETED, ... (scontrol keeps finished
# jobs for MinJobAge seconds).
state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2; }
# Waits until every job in "$@" (ids, array ids) is no longer pending or running.
wait_jobs() {
    local deadline=$(($(date +%s) + 600)) busy
    while :; do
        busy=$(squeue -h -j "$(IFS=,; echo "$*")" -o '%i %T' 2>/dev/null || true)
        [ -z "$busy" ] && return 0
        [ "$(date +%s)" -lt "$deadline" ] || { echo "$busy"; fail "jobs $* still queued after 10 minutes"; }
        sleep 0.5
    done
}
# Checks that every array task of $1 and the job $2 completed with exit code 0.
check_completed() {
    local line
    while read -r line; do
        case "$line" in
            *"JobState=COMPLETED"*"ExitCode=0:0"*) ;;
            *) scontrol show job "$1"; fail "job $line did not complete" ;;
        esac
    done < <(for j in "$1" "$2"; do scontrol -o show job "$j" | grep -o 'JobId=[0-9]* .*' | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(JobId|ArrayTaskId|JobState|ExitCode)=/) printf "%s ", $i; print "" }'; done)
}
# The finished runs (cells) of a shard directory; 0 before the shard has started.
count_cells() { find "$1" -maxdepth 1 -name '*_seed*.csv' 2>/dev/null | wc -l || true; }
compare() {
    local name=$1 got=$2
    for file in runs.csv sweep.csv; do
        cmp "$work/reference/$file" "$got/$file" || fail "$name: $file differs from the unsharded run"
    done
    say "$name: runs.csv ($(($(wc -l <"$got/runs.csv") - 1)) runs) and sweep.csv are byte-identical to the unsharded run"
}
submit() { # submit <sweep dir> [extra sbatch options]: prints the array job id
    local dir=$1; shift
    SWEEP_DIR="$dir" sbatch --parsable --chdir="$work/jobs" --array=0-3 --cpus-per-task=1 --time=00:10:00 "$@" \
        "$root/deploy/slurm/sweep.sbatch"
}
merge() { # merge <sweep dir> <dependency>: prints the merge job id
    SWEEP_DIR="$1" SWEEP_SHARDS=4 sbatch --parsable --chdir="$work/jobs" --dependency="$2" \
        "$root/deploy/slurm/merge.sbatch"
}

# ---- 1. the reference -------------------------------------------------------------------------
say "unsharded reference sweep"
# shellcheck disable=SC2086
$CONVOTRON sweep $SWEEP_GRID --threads "$cpus" --out "$work/reference" >"$work/log/reference.out" 2>&1 \
    || { cat "$work/log/reference.out"; fail "the unsharded sweep"; }

# ---- 2. array + dependent merge ---------------------------------------------------------------
say "sbatch: 4-task array and a merge job dependent on it"
array=$(submit "$work/run1")
merged=$(merge "$work/run1" "afterok:$array")
say "array job $array, merge job $merged"
wait_jobs "$array" "$merged"
check_completed "$array" "$merged"
compare "array + merge" "$work/run1/all"

# ---- 3. cancel one task mid-run, requeue it -----------------------------------------------------
say "again, cancelling task 1 mid-run and requeueing it"
array=$(submit "$work/run2")
cells="$work/run2/shard-1/cells"
deadline=$(($(date +%s) + 300))
while :; do
    done_cells=$(count_cells "$cells")
    st=$(state "${array}_1")
    [ "$st" = RUNNING ] && [ "$done_cells" -ge 2 ] && break
    case "$st" in COMPLETED|FAILED|CANCELLED) fail "task ${array}_1 ended ($st) before it could be cancelled mid-run; make the grid longer" ;; esac
    [ "$(date +%s)" -lt "$deadline" ] || fail "task ${array}_1 never ran"
    sleep 0.1
done
scancel "${array}_1"
for _ in $(seq 100); do [ "$(state "${array}_1")" = CANCELLED ] && break; sleep 0.1; done
[ "$(state "${array}_1")" = CANCELLED ] || fail "task ${array}_1 is $(state "${array}_1") after scancel"
before=$(count_cells "$cells")
total=$((64 / 4))
[ "$before" -lt "$total" ] || fail "task 1 had already finished all its $total runs when cancelled"
say "task ${array}_1 cancelled with $before of $total runs written; requeueing it"
scontrol requeue "${array}_1"
# Slurm holds a requeued job back for the credential lifetime (120 s); start it as soon as it can.
scontrol update JobId="${array}_1" StartTime=now
# The cancellation made afterok on the whole array unsatisfiable for good (Slurm remembers the
# failed task), so the merge depends on each task: what a user resubmits after such a requeue.
merged=$(merge "$work/run2" "afterok:${array}_0:${array}_1:${array}_2:${array}_3")
wait_jobs "$array" "$merged"
check_completed "$array" "$merged"
grep -q "$before already done" "$work/jobs/convotron-sweep-${array}_1.out" \
    || fail "the requeued task did not resume from its $before cells"
compare "cancel + requeue" "$work/run2/all"

say "PASSED in $(($(date +%s) - start)) s"
