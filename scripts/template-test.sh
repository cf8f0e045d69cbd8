#!/usr/bin/env bash
# The `dotnet new convotron-experiment` template, end to end, as a user meets it: packs Convotron
# and Convotron.Templates with a unique version into a temporary feed, installs the template
# package into a private template hive (--debug:custom-hive; the user's templates are not
# touched) with a private NuGet cache, instantiates it, builds it with warnings as errors, runs
# it, runs its tests, and checks that its snapshot test fails when the generated code differs.
#
#   scripts/template-test.sh            the test (exit 0 on success)
#   scripts/template-test.sh --accept   rewrite templates/content/convotron-experiment/
#                                       ConvotronExperiment.Tests/Snapshots/Model.verified.cs
#                                       from the current generator (after an intended change)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "template-test: FAILED: $*" >&2; exit 1; }
# shellcheck source=common.sh
source "$root/scripts/common.sh"
accept=0
[ "${1:-}" = "--accept" ] && accept=1

version="0.1.0-ci.$(date +%s%N)"
feed="$work/feed"
hive="$work/hive"
export NUGET_PACKAGES="$work/packages"
export DOTNET_CLI_HOME="$work/home"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "template-test: packing Convotron and Convotron.Templates $version"
for project in src/Runtime/Convotron.Runtime.csproj templates/Convotron.Templates.csproj; do
    dotnet pack "$root/$project" -c Release -o "$feed" -p:Version="$version" --nologo >"$work/pack.log" 2>&1 \
        || { cat "$work/pack.log"; fail "dotnet pack $project"; }
    if grep -Ei ': warning [A-Z]+[0-9]+' "$work/pack.log"; then fail "packing $project warned"; fi
done
templates="$feed/Convotron.Templates.$version.nupkg"
[ -f "$templates" ] || fail "no $templates"
listing="$(unzip -Z1 "$templates")"
grep -Eqx 'content/(.*/)?convotron-experiment/\.template\.config/template\.json' <<<"$listing" || fail "template.json is not in the package"
grep -q 'bin/\|obj/\|\.received\.cs' <<<"$listing" && fail "build output or a received snapshot was packed"

echo "template-test: installing it into a private template hive"
dotnet new install "$templates" --debug:custom-hive "$hive" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dotnet new install"; }
dotnet new list convotron-experiment --debug:custom-hive "$hive" >"$work/list.log" 2>&1 || { cat "$work/list.log"; fail "dotnet new list"; }
grep -q 'convotron-experiment' "$work/list.log" || { cat "$work/list.log"; fail "the template is not listed"; }

name=MyExperiment
[ "$accept" -eq 1 ] && name=ConvotronExperiment   # the template's own names, to store the snapshot as is
app="$work/$name"
echo "template-test: dotnet new convotron-experiment -n $name"
dotnet new convotron-experiment -n "$name" -o "$app" --ConvotronVersion "$version" --debug:custom-hive "$hive" >"$work/new.log" 2>&1 \
    || { cat "$work/new.log"; fail "dotnet new convotron-experiment"; }
for file in README.md "$name/$name.csproj" "$name/Model.cs" "$name/Program.cs" "$name.Tests/$name.Tests.csproj" "$name.Tests/Snapshots/Model.verified.cs"; do
    [ -f "$app/$file" ] || fail "the instantiated template has no $file"
done
grep -q "Include=\"Convotron\" Version=\"$version\"" "$app/$name/$name.csproj" || fail "the project does not reference Convotron $version"
if grep -rq 'ConvotronExperiment' "$app" && [ "$name" != ConvotronExperiment ]; then
    grep -rl 'ConvotronExperiment' "$app"; fail "the template's name was not replaced everywhere"
fi

write_nuget_config "$app" "$feed"

echo "template-test: building with warnings as errors"
dotnet build "$app/$name.Tests/$name.Tests.csproj" -c Release -warnaserror --nologo >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; fail "dotnet build"; }

if [ "$accept" -eq 1 ]; then
    generated=("$app/$name/obj/generated"/*/*/*.Model.g.cs)
    [ -f "${generated[0]}" ] || fail "no generated Model source under $app/$name/obj/generated"
    cp "${generated[0]}" "$root/templates/content/convotron-experiment/ConvotronExperiment.Tests/Snapshots/Model.verified.cs"
    echo "template-test: snapshot rewritten from ${generated[0]##*/}; review: git diff templates/"
    exit 0
fi

echo "template-test: running it"
output="$(dotnet run -c Release --no-build --project "$app/$name")" || { echo "$output"; fail "the experiment exited non-zero"; }
echo "$output"
grep -q '^Model: 1d:r=16,s=12,d=160, relu; inputs gaussian, seed 1$' <<<"$output" || fail "the header line"
refined="$(sed -n 's/^relative test MSE after refinement //p' <<<"$output")"
[ -n "$refined" ] || fail "no refined relative test MSE printed"
awk -v v="$refined" 'BEGIN { exit !(v + 0 < 1e-10) }' || fail "refined relative test MSE $refined is not below 1e-10"

echo "template-test: running its tests"
dotnet test "$app/$name.Tests/$name.Tests.csproj" -c Release --no-build --nologo >"$work/test.log" 2>&1 \
    || { cat "$work/test.log"; fail "dotnet test"; }
grep -E 'Passed!  - Failed: +0, Passed: +4,' "$work/test.log" || { cat "$work/test.log"; fail "expected 4 passing tests"; }

echo "template-test: the snapshot test must fail on a changed snapshot"
snapshot="$app/$name.Tests/Snapshots/Model.verified.cs"
echo "// a change the generator did not make" >>"$snapshot"
if dotnet test "$app/$name.Tests/$name.Tests.csproj" -c Release --no-build --nologo --filter GeneratedModelMatchesTheSnapshot >"$work/test2.log" 2>&1; then
    cat "$work/test2.log"; fail "the snapshot test passed against a changed snapshot"
fi
[ -f "$app/$name.Tests/Snapshots/Model.received.cs" ] || fail "the failing snapshot test wrote no Model.received.cs"
echo "template-test: PASSED (Convotron.Templates $version)"
