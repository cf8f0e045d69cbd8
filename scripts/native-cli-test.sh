#!/usr/bin/env bash
# The native `convotron`: publishes src/Cli with NativeAOT exactly as README says
# (`dotnet publish src/Cli -c Release -o DIR`), installing Debian's clang, lld and zlib1g-dev when
# missing, and checks that
#   - the publish has no warning (trim and AOT analysis included) and DIR/convotron is an ELF
#     executable with the plots' native libraries beside it;
#   - `convotron --version` prints the JIT build's version (the median of 11 runs is printed);
#   - `convotron figure1` writes its plots (PNG) and prints the JIT tool's table: identical in
#     every column computed before refinement; refinement's column (~1e-26, the floating-point
#     floor, where NativeAOT's baseline-ISA vector code and the JIT's AVX-512 code round
#     differently, see docs/DISTRIBUTION.md) must be <= 1e-10 in both;
#   - the executable alone (no libSkiaSharp.so beside it) still finishes a plotting command with
#     exit 0, writes its CSV and summary, no PNG, and one warning naming libSkiaSharp.so.
# Exits non-zero on failure.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "native-cli-test: FAILED: $*" >&2; exit 1; }
# shellcheck source=common.sh
source "$root/scripts/common.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

install_nativeaot_toolchain "$work" || fail "installing the NativeAOT toolchain"

echo "native-cli-test: dotnet publish src/Cli -c Release (NativeAOT)"
native="$work/native"
dotnet publish "$root/src/Cli/Convotron.Cli.csproj" -c Release -o "$native" --nologo >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log"; fail "dotnet publish src/Cli"; }
if grep -Eq ': warning [A-Z]+[0-9]+' "$work/publish.log"; then
    grep -E ': warning' "$work/publish.log"; fail "the NativeAOT publish warned"
fi
[ "$(head -c 4 "$native/convotron" | od -An -c | tr -d ' ')" = '177ELF' ] || fail "$native/convotron is not a native executable"
for lib in libSkiaSharp.so libHarfBuzzSharp.so; do [ -f "$native/$lib" ] || fail "no $lib beside the executable"; done
[ ! -e "$native/convotron.dll" ] || fail "the publish wrote a managed convotron.dll: not NativeAOT"

echo "native-cli-test: building the JIT tool"
jit="$work/jit"
dotnet build "$root/src/Cli/Convotron.Cli.csproj" -c Release -o "$jit" --nologo -v quiet >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; fail "dotnet build src/Cli"; }

native_version="$("$native/convotron" --version)" || fail "convotron --version"
jit_version="$(dotnet "$jit/convotron.dll" --version)" || fail "dotnet convotron.dll --version"
[ "$native_version" = "$jit_version" ] || fail "versions differ: native $native_version, JIT $jit_version"
times=()
for _ in $(seq 11); do
    start=$(date +%s%N); "$native/convotron" --version >/dev/null; end=$(date +%s%N)
    times+=($(((end - start) / 1000)))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 6p)
echo "native-cli-test: convotron --version: median $((median / 1000)).$(((median % 1000) / 100)) ms of 11 runs (size $(du -k "$native/convotron" | cut -f1) KB)"

echo "native-cli-test: figure1, native and JIT"
(cd "$work" && "$native/convotron" figure1 --out "$work/figure1-native" >"$work/native.txt" 2>&1) || { cat "$work/native.txt"; fail "native figure1"; }
(cd "$work" && dotnet "$jit/convotron.dll" figure1 --out "$work/figure1-jit" >"$work/jit.txt" 2>&1) || { cat "$work/jit.txt"; fail "JIT figure1"; }
for png in figure1_a_gaussian_stage1 figure1_b_gaussian_stage2 figure1_c_uniform_stage1 figure1_d_uniform_stage2 refinement; do
    file="$work/figure1-native/$png.png"
    [ -s "$file" ] && [ "$(head -c 8 "$file" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "the native build wrote no valid $png.png"
done
# The table rows: "| gaussian |  9 | 17 | 0.8716 | 6.241E+01 | 1.013E+00 | 2.711E-26 | 43,214 |".
rows() { grep -E '^\| +(gaussian|uniform) ' "$1"; }
[ "$(rows "$work/native.txt" | wc -l)" -eq 6 ] || { cat "$work/native.txt"; fail "the native table does not have 6 rows"; }
paste -d '\n' <(rows "$work/native.txt") <(rows "$work/jit.txt") | awk -F'|' '
    NR % 2 == 1 { for (i = 2; i <= 9; i++) n[i] = $i; next }
    {
        for (i = 2; i <= 7; i++) if ($i != n[i]) { printf "column %d differs: native %s, JIT %s\n", i - 1, n[i], $i; bad = 1 }
        if (n[8] + 0 > 1e-10 || $8 + 0 > 1e-10) { printf "refined relative MSE above 1e-10: native %s, JIT %s\n", n[8], $8; bad = 1 }
        if (n[8] != $8 || n[9] != $9) differing++
    }
    END { printf "native-cli-test: table identical before refinement; %d of 6 rows differ in the refinement columns (the ~1e-26 floor)\n", differing + 0; exit bad }' \
    || { diff "$work/native.txt" "$work/jit.txt" || true; fail "the native figure1 table differs from the JIT one before refinement"; }

echo "native-cli-test: the executable without its plotting libraries"
bare="$work/bare"
mkdir -p "$bare" && cp "$native/convotron" "$bare/"
(cd "$work" && "$bare/convotron" geometry --geometry 2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28 --out "$work/geometry-bare" >"$work/bare.txt" 2>&1) \
    || { cat "$work/bare.txt"; fail "geometry without libSkiaSharp.so beside the executable did not exit 0"; }
[ "$(grep -c '^warning: no plots (PNG) written: the native plotting library libSkiaSharp.so could not be loaded' "$work/bare.txt")" -eq 1 ] \
    || { cat "$work/bare.txt"; fail "no single warning naming libSkiaSharp.so"; }
[ -s "$work/geometry-bare/patches.csv" ] && [ -s "$work/geometry-bare/summary.txt" ] || fail "geometry without libSkiaSharp.so lost its results"
[ ! -e "$work/geometry-bare/coverage.png" ] || fail "geometry without libSkiaSharp.so wrote a PNG"
echo "native-cli-test: PASSED"
