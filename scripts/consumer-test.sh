#!/usr/bin/env bash
# The packaged generator, end to end: packs src/Runtime as ONE Convotron package with a unique
# version into a temporary feed, builds tests/Consumer against it with warnings as errors (using a
# private, empty NuGet package cache, so a stale cache cannot make it pass), runs it and checks
# its output: a generated model's prediction equals DynamicConvNet's, and the registry lists the
# models. Exits non-zero on any failure.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "consumer-test: FAILED: $*" >&2; exit 1; }

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

echo "consumer-test: building tests/Consumer against it"
mkdir -p "$app"
cp "$root"/tests/Consumer/*.cs "$root"/tests/Consumer/*.csproj "$root"/tests/Consumer/Directory.*.props "$app/"
cat >"$app/NuGet.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="convotron-under-test" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="convotron-under-test">
      <package pattern="Convotron" />
    </packageSource>
    <packageSource key="nuget.org">
      <package pattern="*" />
    </packageSource>
  </packageSourceMapping>
</configuration>
CONFIG
dotnet build "$app/Consumer.csproj" -c Release -p:ConvotronVersion="$version" -warnaserror --nologo >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; fail "dotnet build of the consumer"; }
grep -q "Convotron.$version" <(find "$NUGET_PACKAGES" -maxdepth 2 -iname "$version" -printf 'Convotron.%f\n') \
    || fail "the consumer did not restore Convotron $version from the temporary feed"

echo "consumer-test: running it"
output="$(dotnet "$app/bin/Release/net10.0/Consumer.dll")" || { echo "$output"; fail "the consumer exited non-zero"; }
echo "$output"
grep -q '^Net160 1d:r=16,s=9,d=160: .* equal$' <<<"$output" || fail "1D prediction line"
grep -q '^Mnist 2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28: .* equal$' <<<"$output" || fail "2D prediction line"
grep -qx 'registry: 2 models' <<<"$output" || fail "registry count"
grep -qx 'registry: Consumer.Mnist (2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28, leaky(0.1))' <<<"$output" || fail "registry entry Mnist"
grep -qx 'registry: Consumer.Net160 (1d:r=16,s=9,d=160, relu)' <<<"$output" || fail "registry entry Net160"
grep -qx 'consumer: OK' <<<"$output" || fail "consumer verdict"
echo "consumer-test: PASSED (Convotron $version)"
