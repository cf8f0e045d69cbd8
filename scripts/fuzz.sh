#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers of user files (docs/RELIABILITY.md, "Fuzzing"):
#   scripts/fuzz.sh --seconds N [--target csv|npy|model|geometry] [--out DIR]
# Installs what is missing (Debian's afl++ as root; the sharpfuzz dotnet tool from
# .config/dotnet-tools.json), builds tests/Convotron.Fuzz, instruments copies of convotron.dll and
# Convotron.Runtime.dll with sharpfuzz, reads each target's committed seed corpus once without AFL
# (a quick check), then runs afl-fuzz on each target for N seconds, one after the other, from that
# corpus (tests/Convotron.Fuzz/corpus/TARGET, dictionaries/TARGET.dict). Prints per target the
# executions, the paths (queue entries) and edges found, crashes and hangs. Exits non-zero on any
# crash, hang or exception other than the reader's documented invalid-file error, printing the
# input's path and the exception. --out DIR keeps AFL's output (queue, crashes) there; otherwise
# everything lives in a temporary folder that is removed.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=common.sh
source "$root/scripts/common.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

all_targets=(csv npy model geometry)
seconds="" targets=() keep=""
usage() { echo "usage: scripts/fuzz.sh --seconds N [--target ${all_targets[*]// /|}] [--out DIR]" >&2; exit 2; }
while [ "$#" -gt 0 ]; do
    case "$1" in
        --seconds) [ "$#" -ge 2 ] || usage; seconds=$2; shift 2 ;;
        --target) [ "$#" -ge 2 ] || usage; targets+=("$2"); shift 2 ;;
        --out) [ "$#" -ge 2 ] || usage; keep=$2; shift 2 ;;
        -h|--help) usage ;;
        *) echo "fuzz: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: --seconds needs a positive whole number of seconds" >&2; usage; }
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz: unknown target '$t'; the targets are ${all_targets[*]}" >&2; exit 2; }
done

work="$(mktemp -d)"
# The harness writes each input to a file here (the readers take paths): RAM-backed when possible.
scratch="$(mktemp -d -p "$( [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")" convotron-fuzz.XXXXXX)"
export CONVOTRON_FUZZ_SCRATCH="$scratch"
afl_pid=""
cleanup() {
    if [ -n "$afl_pid" ]; then kill "$afl_pid" 2>/dev/null || true; wait "$afl_pid" 2>/dev/null || true; fi
    rm -rf "$work" "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "fuzz: FAILED: $*" >&2; exit 1; }

if ! command -v afl-fuzz >/dev/null 2>&1; then
    install_debian_packages "$work" afl++ || fail "installing afl++ (Debian's afl++ package; run as root or install it)"
fi
(cd "$root" && dotnet tool restore >"$work/tool.log" 2>&1) || { cat "$work/tool.log"; fail "dotnet tool restore (sharpfuzz)"; }

echo "fuzz: building tests/Convotron.Fuzz (Release)"
harness="$root/tests/Convotron.Fuzz"
dotnet build "$harness/Convotron.Fuzz.csproj" -c Release --nologo -v quiet >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; fail "dotnet build tests/Convotron.Fuzz"; }
bin="$work/bin"
cp -r "$harness/bin/Release/net10.0/linux-x64/." "$bin"
# The readers and what they call: the CLI's data readers and guards (convotron.dll), and the
# whole runtime (model files, geometry). sharpfuzz rewrites the copies in place.
(cd "$root" && dotnet tool run sharpfuzz "$bin/convotron.dll" Convotron.Cli.Data Convotron.Cli.Infrastructure Convotron.Cli.Commands.PredictCommand \
    && dotnet tool run sharpfuzz "$bin/Convotron.Runtime.dll") >"$work/instrument.log" 2>&1 \
    || { cat "$work/instrument.log"; fail "sharpfuzz instrumentation"; }
dotnet_exe="$(command -v dotnet)"
run_harness() { "$dotnet_exe" "$bin/Convotron.Fuzz.dll" "$@"; }

# afl-fuzz without a terminal, as root, on a shared machine: no UI, no CPU binding, no complaint
# about the CPU governor or core_pattern; the target is `dotnet` (SharpFuzz's fork server), not a
# binary afl-gcc built; .NET needs longer than AFL's default to start.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    AFL_SKIP_BIN_CHECK=1 AFL_FORKSRV_INIT_TMOUT=120000 AFL_QUIET=1

stat_of() { sed -n "s/^$2 *: *//p" "$1" | head -1; }
status=0
summary=()
for t in "${targets[@]}"; do
    corpus="$harness/corpus/$t"
    echo "== fuzz $t: the seed corpus once, without AFL"
    run_harness "$t" --check "$corpus" || { status=1; summary+=("$t: the seed corpus fails the check (above)"); continue; }

    out="$work/out/$t"
    if [ -n "$keep" ]; then out="$keep/$t"; rm -rf "$out"; fi
    mkdir -p "$(dirname "$out")"
    echo "== fuzz $t: afl-fuzz for $seconds s"
    # -t 5000: an input still running after 5 s is a hang (the readers take microseconds);
    # -m none: .NET reserves far more address space than AFL's default limit.
    nice -n 10 afl-fuzz -i "$corpus" -o "$out" -x "$harness/dictionaries/$t.dict" -t 5000 -m none -V "$seconds" \
        -- "$dotnet_exe" "$bin/Convotron.Fuzz.dll" "$t" >"$work/afl-$t.log" 2>&1 &
    afl_pid=$!
    afl_status=0
    wait "$afl_pid" || afl_status=$?
    afl_pid=""
    stats="$out/default/fuzzer_stats"
    if [ ! -f "$stats" ]; then
        tail -30 "$work/afl-$t.log"
        status=1; summary+=("$t: afl-fuzz did not start (exit $afl_status, log above)"); continue
    fi
    early=""
    if [ "$afl_status" -ne 0 ]; then
        # The harness runs every input in one process (SharpFuzz's Fuzzer.Run: several times faster
        # than a process per input), so a hang (afl-fuzz kills the process) or a crash .NET cannot
        # turn into an exception (stack overflow, FailFast) ends the fork server and afl-fuzz stops:
        # the input it was running is the culprit.
        tail -5 "$work/afl-$t.log"
        early="$out/default/.cur_input"
        echo "fuzz $t: afl-fuzz stopped early (exit $afl_status): a hang or a crash that killed the process, on the input $early"
        status=1; summary+=("$t: afl-fuzz stopped early (exit $afl_status): a hang or a crash that killed the process")
    fi
    execs=$(stat_of "$stats" execs_done) paths=$(stat_of "$stats" corpus_count)
    edges=$(stat_of "$stats" edges_found) total=$(stat_of "$stats" total_edges)
    crashes=$(stat_of "$stats" saved_crashes) hangs=$(stat_of "$stats" saved_hangs)
    speed=$(stat_of "$stats" execs_per_sec) elapsed=$(( $(stat_of "$stats" last_update) - $(stat_of "$stats" start_time) ))
    line="$t: ${execs:-?} executions in ${elapsed} s (${speed:-?}/s), ${paths:-?} paths, ${edges:-?} edges (map ${total:-?}), ${crashes:-?} crashes, ${hangs:-?} hangs"
    echo "$line"
    summary+=("$line")
    inputs=()
    for input in "$out/default/crashes"/id:* "$out/default/hangs"/id:* ${early:+"$early"}; do
        [ -e "$input" ] && inputs+=("$input")
    done
    for input in "${inputs[@]}"; do
        echo "fuzz $t: failing input: $input"
        # The exception, or that it does not finish.
        rc=0
        timeout 20 "$dotnet_exe" "$bin/Convotron.Fuzz.dll" "$t" --check "$input" >"$work/check.log" 2>&1 || rc=$?
        head -20 "$work/check.log"
        [ "$rc" -ne 124 ] || echo "fuzz $t: still running after 20 s: a hang"
        if [ -z "$keep" ]; then
            mkdir -p "$root/fuzz-findings/$t"
            cp "$input" "$root/fuzz-findings/$t/$(basename "$(dirname "$input")")-$(basename "$input" | tr ':,.' '___')"
        fi
    done
    if [ "${#inputs[@]}" -gt 0 ] || [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
        status=1
        [ -n "$keep" ] && echo "fuzz $t: the inputs are kept in $out/default" || echo "fuzz $t: the inputs are copied to $root/fuzz-findings/$t"
    fi
done

echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
[ "$status" -eq 0 ] && echo "fuzz: clean" || echo "fuzz: FAILED" >&2
exit "$status"
