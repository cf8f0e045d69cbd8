#!/usr/bin/env bash
# Checks deploy/kubernetes/*.yaml without a cluster: installs the pinned validators from the npm
# registry into a temporary folder (kubernetes-models: the Kubernetes API's OpenAPI schema
# compiled to validators; yaml: the parser), validates the manifests with scripts/k8s-validate.mjs,
# and proves the check can fail: a copy with a wrong type, a wrong enum value and a shard count
# that disagrees with completions must be rejected. Needs Node.js and npm. Exits non-zero on failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "k8s-validate: FAILED: $*" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || fail "Node.js and npm are needed"

cd "$work"
printf '{ "name": "k8s-validate", "private": true, "type": "module" }\n' >package.json
npm install --no-audit --no-fund --loglevel=error kubernetes-models@5.1.0 yaml@2.9.1 >npm.log 2>&1 || { cat npm.log; fail "npm install"; }
cp "$root/scripts/k8s-validate.mjs" .

node k8s-validate.mjs "$root"/deploy/kubernetes/*.yaml || fail "deploy/kubernetes does not validate"

mkdir bad
sed 's/completions: 8/completions: "8"/; s/restartPolicy: Never/restartPolicy: Sometimes/' "$root/deploy/kubernetes/sweep-job.yaml" >bad/sweep-job.yaml
cp "$root/deploy/kubernetes/merge-job.yaml" bad/
if node k8s-validate.mjs bad/*.yaml >bad.log; then cat bad.log; fail "a manifest with wrong types was accepted"; fi
grep -q 'completions must be integer' bad.log && grep -q 'restartPolicy must be equal to one of the allowed values' bad.log \
    || { cat bad.log; fail "the schema errors were not reported"; }
sed 's/completions: 8/completions: 6/; s/parallelism: 8/parallelism: 6/' "$root/deploy/kubernetes/sweep-job.yaml" >bad/sweep-job.yaml
if node k8s-validate.mjs bad/*.yaml >bad.log; then cat bad.log; fail "completions disagreeing with --shard was accepted"; fi
echo "k8s-validate: PASSED (and a broken copy is rejected)"
