#!/usr/bin/env bash
# The packaged generator, end to end: packs src/Runtime as ONE Convotron package with a unique
# version into a temporary feed, builds tests/Consumer against it with warnings as errors (using a
# private, empty NuGet package cache, so a stale cache cannot make it pass), runs it and checks
# its output: a generated model's prediction equals DynamicConvNet's, and the registry lists the
# models; then publishes the same consumer with NativeAOT (installing clang, lld and zlib1g-dev
# from Debian when missing), with no warning, and checks the native executable prints the same.
# Exits non-zero on any failure.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "consumer-test: FAILED: $*" >&2; exit 1; }
# shellcheck source=common.sh
source "$root/scripts/common.sh"

version="0.1.0-ci.$(date +%s%N)"
feed="$work/feed"
app="$work/consumer"
export NUGET_PACKAGES="$work/packages"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "consumer-test: packing Convotron $version"
dotnet pack "$root/src/Runtime/Convotron.Runtime.csproj" -c Release -o "$feed" -p:Version="$version" --nologo >"$work/pack.log" 2>&1 \
    || { cat "$work/pack.log"; fail "dotnet pack"; }
packages=("$feed"/*.nupkg)
[ "${#packages[@]}" -eq 1 ] || fail "expected one package, got: ${packages[*]}"
package="${packages[0]}"
[ "$(basename "$package")" = "Convotron.$version.nupkg" ] || fail "unexpected package $(basename "$package")"
listing="$(unzip -Z1 "$package")"
grep -qx 'lib/net10.0/Convotron.Runtime.dll' <<<"$listing" || fail "no lib/net10.0/Convotron.Runtime.dll in the package"
grep -qx 'analyzers/dotnet/cs/Convotron.Generator.dll' <<<"$listing" || fail "no analyzers/dotnet/cs/Convotron.Generator.dll in the package"
if grep -q 'dependency id="Convotron.Generator"' <(unzip -p "$package" Convotron.nuspec); then
    fail "the package depends on Convotron.Generator"
fi
# nuget.org shows the package's README: PACKAGE.md (absolute links or none, checked by
# scripts/check-links.py); packing must not warn (e.g. NU5039 "readme not found").
check_package() { # check_package <nupkg> <nuspec> <pack log>
    grep -q '<readme>PACKAGE.md</readme>' <(unzip -p "$1" "$2") || fail "$(basename "$1") declares no PACKAGE.md readme"
    grep -qx 'PACKAGE.md' <(unzip -Z1 "$1") || fail "$(basename "$1") does not contain PACKAGE.md"
    if grep -Ei ': warning [A-Z]+[0-9]+' "$3"; then fail "packing $(basename "$1") warned"; fi
}
check_package "$package" Convotron.nuspec "$work/pack.log"
echo "consumer-test: packing the Convotron.Cli tool"
dotnet pack "$root/src/Cli/Convotron.Cli.csproj" -c Release -o "$work/tool-feed" -p:Version="$version" --nologo >"$work/pack-cli.log" 2>&1 \
    || { cat "$work/pack-cli.log"; fail "dotnet pack src/Cli"; }
check_package "$work/tool-feed/Convotron.Cli.$version.nupkg" Convotron.Cli.nuspec "$work/pack-cli.log"

echo "consumer-test: building tests/Consumer against it"
mkdir -p "$app"
cp "$root"/tests/Consumer/*.cs "$root"/tests/Consumer/*.csproj "$root"/tests/Consumer/Directory.*.props "$app/"
write_nuget_config "$app" "$feed"
dotnet build "$app/Consumer.csproj" -c Release -p:ConvotronVersion="$version" -warnaserror --nologo >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; fail "dotnet build of the consumer"; }
grep -q "Convotron.$version" <(find "$NUGET_PACKAGES" -maxdepth 2 -iname "$version" -printf 'Convotron.%f\n') \
    || fail "the consumer did not restore Convotron $version from the temporary feed"

echo "consumer-test: running it"
output="$(dotnet "$app/bin/Release/net10.0/Consumer.dll")" || { echo "$output"; fail "the consumer exited non-zero"; }
echo "$output"
check_output() {
    grep -q '^Net160 1d:r=16,s=9,d=160: .* equal$' <<<"$1" || fail "$2: 1D prediction line"
    grep -q '^Mnist 2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28: .* equal$' <<<"$1" || fail "$2: 2D prediction line"
    grep -qx 'registry: 2 models' <<<"$1" || fail "$2: registry count"
    grep -qx 'registry: Consumer.Mnist (2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28, leaky(0.1))' <<<"$1" || fail "$2: registry entry Mnist"
    grep -qx 'registry: Consumer.Net160 (1d:r=16,s=9,d=160, relu)' <<<"$1" || fail "$2: registry entry Net160"
    grep -qx 'consumer: OK' <<<"$1" || fail "$2: consumer verdict"
}
check_output "$output" "JIT"

# The same consumer published with NativeAOT (the generated code must need no reflection, and
# trimming must not warn). NativeAOT links with clang and lld against zlib: Debian's packages.
install_nativeaot_toolchain "$work" || fail "installing the NativeAOT toolchain"
echo "consumer-test: publishing it with NativeAOT"
dotnet publish "$app/Consumer.csproj" -c Release -r linux-x64 -p:PublishAot=true -p:ConvotronVersion="$version" \
    -warnaserror --nologo -o "$work/native" >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log"; fail "NativeAOT publish of the consumer"; }
if grep -Eq 'warning (IL[0-9]+|CS[0-9]+)' "$work/publish.log"; then
    grep -E 'warning' "$work/publish.log"; fail "the NativeAOT publish warned"
fi
[ -x "$work/native/Consumer" ] || fail "no native executable $work/native/Consumer"
file_type="$(head -c 4 "$work/native/Consumer" | od -An -c | tr -d ' ')"
[ "$file_type" = '177ELF' ] || fail "$work/native/Consumer is not an ELF executable"
native="$("$work/native/Consumer")" || { echo "$native"; fail "the native consumer exited non-zero"; }
check_output "$native" "NativeAOT"
# The predictions themselves may differ in the last bits: NativeAOT's portable x64 baseline sums
# in narrower vectors than the JIT on an AVX-512 machine (docs/DISTRIBUTION.md). Everything else
# must be identical, and each prediction within 1e-12 (relative) of the JIT build's.
numbers() { sed -E 's/-?[0-9]+\.[0-9]+(E[-+]?[0-9]+)?/#/g' <<<"$1"; }
[ "$(numbers "$native")" = "$(numbers "$output")" ] || { diff <(echo "$output") <(echo "$native") || true; fail "the native consumer printed something else than the JIT one"; }
paste -d ' ' <(grep -oE -- '-?[0-9]+\.[0-9]+(E[-+]?[0-9]+)?' <<<"$output") <(grep -oE -- '-?[0-9]+\.[0-9]+(E[-+]?[0-9]+)?' <<<"$native") |
    awk '{ d = $1 - $2; if (d < 0) d = -d; s = ($1 < 0 ? -$1 : $1); if (d > 1e-12 * (s > 1e-300 ? s : 1)) { print "JIT " $1 ", native " $2; bad = 1 } } END { exit bad }' \
    || fail "a native prediction differs from the JIT one by more than 1e-12 (relative)"
echo "consumer-test: native consumer ($(du -k "$work/native/Consumer" | cut -f1) KB) prints what the JIT one prints (predictions within 1e-12)"
echo "consumer-test: PASSED (Convotron $version, JIT and NativeAOT)"
