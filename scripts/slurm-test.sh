#!/usr/bin/env bash
# The Slurm path of `cargo xtask`, for real: a single-node Slurm cluster on localhost
# (munged, slurmctld, slurmd; state under a temporary folder) runs the job arrays that
# `xtask slurm` writes for configs/smoke.toml, and the test checks that every cell of the plan
# finished, that stage 2 ran after stage 1, and that results.csv holds every cell.
#
# Then the requeue path: one array task's script run by hand with the Slurm variables set,
# SIGUSR1 sent mid-training (what `--signal=B:USR1@90` does before the time limit); the task
# must checkpoint, exit with status 75 and call `scontrol requeue` (a stand-in `scontrol` on
# PATH records the call), and the same script run again must resume and finish the cell.
#
# Installs slurm-wlm and munge with apt-get when they are missing (as root). Where slurmd
# cannot run, the array tasks run here one by one with SLURM_ARRAY_TASK_ID set, stage 1
# then stage 2, so that the job scripts are still exercised.
#
# Usage: scripts/slurm-test.sh [--keep]   (--keep: leave the temporary folder for a look)
# Environment: XTASK (an xtask binary to use instead of building one), SLURM_TEST_TIMEOUT
# (seconds to wait for the job arrays, default 600).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
keep=false
[ "${1:-}" = "--keep" ] && keep=true

say() { echo "== slurm-test: $*"; }
fail() {
    echo "slurm-test: FAILED: $*" >&2
    exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/slurm-test.XXXXXX")
daemon_pids=()
cleanup() {
    local pid
    for pid in "${daemon_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    # The daemons write their state as they shut down: wait for them to be gone (at most
    # 20 s) before removing the directory they write into.
    local waited=0
    for pid in "${daemon_pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null && [ $waited -lt 200 ]; do
            sleep 0.1
            waited=$((waited + 1))
        done
    done
    if $keep; then
        echo "slurm-test: kept $work"
    else
        rm -rf "$work" 2>/dev/null || { sleep 1; rm -rf "$work"; }
    fi
}
trap cleanup EXIT

# The xtask binary: $XTASK if set, else the dev build (the one `cargo test` builds).
if [ -n "${XTASK:-}" ]; then
    xtask=$XTASK
else
    say "building xtask"
    cargo build --quiet -p xtask
    xtask="${CARGO_TARGET_DIR:-$repo/target}/debug/xtask"
fi
[ -x "$xtask" ] || fail "no xtask binary at $xtask"

# --- Installing and starting the cluster -------------------------------------------------

install_slurm() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
        command -v munged >/dev/null && command -v sbatch >/dev/null; then
        return 0
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "slurm-test: slurm-wlm and munge are missing and apt-get cannot install them here"
        return 1
    fi
    say "installing slurm-wlm and munge"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
}

# Starts a daemon that forks into the background and records its pid file.
start_daemon() {
    local pidfile=$1
    shift
    "$@" || return 1
    local waited=0
    while [ ! -s "$pidfile" ] && [ $waited -lt 50 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    [ -s "$pidfile" ] || return 1
    daemon_pids+=("$(cat "$pidfile")")
}

start_cluster() {
    local cluster=$work/cluster node port
    node=$(hostname -s)
    port=$((20000 + RANDOM % 20000))
    mkdir -p "$cluster"/{munge-key,munge,state,spool,log}
    chmod 700 "$cluster/munge-key"
    chmod 755 "$cluster/munge"
    dd if=/dev/urandom of="$cluster/munge-key/munge.key" bs=1024 count=1 status=none
    chmod 600 "$cluster/munge-key/munge.key"
    start_daemon "$cluster/munge/munged.pid" munged --force \
        --key-file="$cluster/munge-key/munge.key" --socket="$cluster/munge/munge.socket" \
        --pid-file="$cluster/munge/munged.pid" --log-file="$cluster/log/munged.log" \
        --seed-file="$cluster/munge-key/munged.seed" || return 1
    touch "$cluster/plugstack.conf"
    cat >"$cluster/slurm.conf" <<EOF
ClusterName=slurmtest
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$cluster/munge/munge.socket
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/log/slurmctld.log
SlurmdLogFile=$cluster/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$cluster/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF=$cluster/slurm.conf
    start_daemon "$cluster/slurmctld.pid" slurmctld -f "$SLURM_CONF" || return 1
    start_daemon "$cluster/slurmd.pid" slurmd -f "$SLURM_CONF" || return 1
    local waited=0 state=""
    while [ $waited -lt 30 ]; do
        state=$(sinfo -h -n "$node" -o %t 2>/dev/null || true)
        case $state in idle | mix | alloc) return 0 ;; esac
        sleep 1
        waited=$((waited + 1))
    done
    echo "slurm-test: node $node is \`${state:-unknown}\` after 30 s; slurmd log:"
    tail -n 20 "$cluster/log/slurmd.log" 2>/dev/null || true
    return 1
}

cluster_logs() {
    local f
    for f in "$work"/cluster/log/*.log; do
        [ -f "$f" ] || continue
        echo "--- $f"
        tail -n 30 "$f"
    done
}

# --- Checks --------------------------------------------------------------------------------

# Prints "<stage> <mtime> <cell>" for every cell of the plan in $1, failing on a missing result.
results_by_stage() {
    local run=$1 line cell stage result
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        cell=$(grep -o '"cell":"[^"]*"' <<<"$line" | head -n1 | cut -d'"' -f4)
        stage=$(grep -o '"stage":[0-9]*' <<<"$line" | cut -d: -f2)
        result=$run/cells/$cell/result.json
        [ -f "$result" ] || fail "cell $cell (stage $stage) has no $result"
        echo "$stage $(find "$result" -printf '%T@') $cell"
    done <"$run/plan.jsonl"
}

check_run() {
    local run=$1 cells rows
    cells=$(grep -c . "$run/plan.jsonl")
    results_by_stage "$run" >"$work/results-by-stage.txt"
    awk '
        $1 == 1 && (last1 == "" || $2 > last1) { last1 = $2; last1_cell = $3 }
        $1 == 2 && (first2 == "" || $2 < first2) { first2 = $2; first2_cell = $3 }
        END {
            if (first2 != "" && first2 <= last1) {
                printf "stage-2 cell %s finished (%s) before stage-1 cell %s (%s)\n", first2_cell, first2, last1_cell, last1
                exit 1
            }
        }' "$work/results-by-stage.txt" || fail "the stages ran out of order"
    rows=$(($(grep -c . "$run/results.csv") - 1))
    [ "$rows" -eq "$cells" ] || fail "results.csv has $rows rows for $cells cells"
    say "all $cells cells finished, stage 2 after stage 1, results.csv has $rows rows"
}

# The stand-in `scontrol` of the runs without a cluster: records its arguments.
stub=$work/stub-bin
mkdir -p "$stub"
cat >"$stub/scontrol" <<EOF
#!/bin/sh
echo "\$*" >>"$work/scontrol-calls.txt"
EOF
chmod +x "$stub/scontrol"

# Runs every task of the arrays in stage1.sbatch then stage2.sbatch, one by one, here.
run_arrays_here() {
    local run=$1 stage range first last i
    for stage in stage1 stage2; do
        [ -f "$run/$stage.sbatch" ] || continue
        range=$(sed -n 's/^#SBATCH --array=\([0-9]*-[0-9]*\).*/\1/p' "$run/$stage.sbatch")
        first=${range%-*}
        last=${range#*-}
        say "$stage: array tasks $first..$last, one by one"
        for i in $(seq "$first" "$last"); do
            SLURM_ARRAY_JOB_ID=0 SLURM_ARRAY_TASK_ID=$i PATH="$stub:$PATH" \
                bash "$run/$stage.sbatch" >>"$work/$stage.out" 2>&1 ||
                fail "$stage task $i exited with status $? (log: $work/$stage.out)"
        done
    done
}

# --- The grid through Slurm ------------------------------------------------------------------

run=$work/run
"$xtask" slurm --config configs/smoke.toml --run-dir "$run" --gpus-per-task 0 \
    --time 00:10:00 --max-parallel 2 >/dev/null
grep -q -- '--signal=B:USR1@90' "$run/stage1.sbatch" || fail "stage1.sbatch asks for no USR1"
grep -q -- '--requeue' "$run/stage1.sbatch" || fail "stage1.sbatch is not requeueable"
grep -q -- 'dependency=afterok' "$run/submit.sh" || fail "submit.sh does not chain the stages"

cluster=false
if install_slurm && start_cluster; then
    cluster=true
fi

if $cluster; then
    say "cluster up ($(sinfo -h -o '%P %D node(s) %c CPUs %t'))"
    submitted=$SECONDS
    (cd "$work" && bash "$run/submit.sh") | tee "$work/submit.out"
    stage1=$(sed -n 's/^stage 1: job \([0-9]*\).*/\1/p' "$work/submit.out")
    stage2=$(sed -n 's/^stage 2: job \([0-9]*\).*/\1/p' "$work/submit.out")
    [ -n "$stage1" ] && [ -n "$stage2" ] || fail "submit.sh printed no job ids"
    deadline=$((SECONDS + ${SLURM_TEST_TIMEOUT:-600}))
    while [ -n "$(squeue -h -j "$stage1,$stage2" -o %i 2>/dev/null)" ]; do
        if squeue -h -j "$stage2" -o %r 2>/dev/null | grep -q DependencyNeverSatisfied; then
            tail -n 20 "$run"/slurm/*.out || true
            fail "stage 1 failed, so stage 2 can never start"
        fi
        if [ $SECONDS -ge $deadline ]; then
            squeue
            cluster_logs
            fail "the jobs did not finish within ${SLURM_TEST_TIMEOUT:-600} s"
        fi
        sleep 2
    done
    say "both job arrays left the queue $((SECONDS - submitted)) s after submission"
    # The job records: every array task of both jobs completed with status 0.
    ctld_log=$work/cluster/log/slurmctld.log
    cells=$(grep -c . "$run/plan.jsonl")
    ok=$(grep -cE "_job_complete: JobId=($stage1|$stage2)_[0-9]+\([0-9]+\) WEXITSTATUS 0" "$ctld_log" || true)
    bad=$(grep -E "_job_complete: JobId=($stage1|$stage2)_[0-9]+\([0-9]+\) WEXITSTATUS [1-9]" "$ctld_log" || true)
    [ -z "$bad" ] || fail "array tasks failed: $bad"
    [ "$ok" -eq "$cells" ] || fail "$ok array tasks completed with status 0, the plan has $cells cells"
    check_run "$run"
else
    echo "slurm-test: no Slurm cluster here; running the array tasks without Slurm"
    run_arrays_here "$run"
    check_run "$run"
fi

# --- The requeue path -----------------------------------------------------------------------

say "requeue: SIGUSR1 to an array task mid-training"
# The smoke grid with a longer schedule, so that the signal lands while the cell trains.
long=$work/smoke-long.toml
sed -e 's/^max_iter = .*/max_iter = 3000/' -e 's/^test_interval = .*/test_interval = 100/' \
    -e 's/^snapshot_interval = .*/snapshot_interval = 100/' configs/smoke.toml >"$long"
requeue=$work/requeue
"$xtask" slurm --config "$long" --run-dir "$requeue" --gpus-per-task 0 >/dev/null
cell=$(head -n1 "$requeue/plan.jsonl" | grep -o '"cell":"[^"]*"' | cut -d'"' -f4)
cell_dir=$requeue/cells/$cell
: >"$work/scontrol-calls.txt"
# Runs array task 0 of stage 1 in place of the calling (sub)shell, output to $1.
exec_task() {
    SLURM_ARRAY_JOB_ID=4242 SLURM_ARRAY_TASK_ID=0 PATH="$stub:$PATH" \
        exec bash "$requeue/stage1.sbatch" >"$1" 2>&1
}
(exec_task "$work/requeue-1.out") &
task=$!
waited=0
until [ -f "$cell_dir/checkpoint.safetensors" ]; do
    kill -0 "$task" 2>/dev/null || fail "the task ended before its first checkpoint: $(cat "$work/requeue-1.out")"
    [ $waited -lt 1200 ] || fail "no checkpoint of $cell after 120 s"
    sleep 0.1
    waited=$((waited + 1))
done
kill -USR1 "$task"
status=0
wait "$task" || status=$?
[ "$status" -eq 75 ] || fail "the signalled task exited with status $status, not 75: $(cat "$work/requeue-1.out")"
grep -qx "requeue 4242_0" "$work/scontrol-calls.txt" ||
    fail "the task did not call \`scontrol requeue 4242_0\` (calls: $(cat "$work/scontrol-calls.txt"))"
grep -q "checkpointed at iteration" "$work/requeue-1.out" || fail "the task did not report its checkpoint"
[ ! -f "$cell_dir/result.json" ] || fail "the interrupted cell $cell wrote a result"
say "the task checkpointed ($(grep -o 'checkpointed at iteration [0-9]*' "$work/requeue-1.out")), exited with 75 and asked for a requeue"

# What Slurm does next: the same task again. It must resume, finish, and ask for nothing more.
status=0
(exec_task "$work/requeue-2.out") || status=$?
[ "$status" -eq 0 ] || fail "the requeued task exited with status $status: $(tail -n 5 "$work/requeue-2.out")"
grep -q "resuming at iteration" "$work/requeue-2.out" || fail "the requeued task did not resume from its checkpoint"
[ -f "$cell_dir/result.json" ] || fail "the requeued task wrote no result for $cell"
[ "$(grep -c . "$work/scontrol-calls.txt")" -eq 1 ] || fail "the finished task asked for another requeue"
evaluations=$(grep -c . "$cell_dir/metrics.jsonl")
[ "$evaluations" -eq 30 ] || fail "$cell has $evaluations evaluations, the schedule has 30"
say "the requeued task resumed from its checkpoint and finished ($evaluations evaluations, none twice)"
say "passed"
