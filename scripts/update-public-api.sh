#!/usr/bin/env bash
# Adds every new public symbol of the runtime to PublicAPI.Unshipped.txt (RS0016's code fix),
# so that a deliberate API change is one command and shows up in review as a text diff.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet format analyzers src/Runtime/Convotron.Runtime.csproj --diagnostics RS0016 RS0017 --severity warn
sort -u -o src/Runtime/PublicAPI.Unshipped.txt src/Runtime/PublicAPI.Unshipped.txt
