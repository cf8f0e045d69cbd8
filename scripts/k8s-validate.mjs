// Validates deploy/kubernetes/*.yaml: every document against the Kubernetes API schema of its
// kind (the kubernetes-models package's validators, generated from the API's OpenAPI schema:
// types, enums, required fields), then the sweep's own consistency: the indexed Job's
// completions equal the n of `--shard "$JOB_COMPLETION_INDEX/n"`, and the merge Job lists
// shard-0 .. shard-(n-1). Unknown field names are NOT rejected by that schema (a cluster's
// `kubectl apply --dry-run=server` would): the consistency checks read the fields by name, so a
// misspelt completions, completionMode or args fails them. Usage: node k8s-validate.mjs FILE...
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { Job } from "kubernetes-models/batch/v1/Job";

const kinds = { "batch/v1 Job": Job };
let problems = 0;
const fail = (where, message) => { console.log(`${where}: ${message}`); problems++; };
const jobs = [];
for (const file of process.argv.slice(2)) {
  for (const [index, document] of parseAllDocuments(readFileSync(file, "utf8")).entries()) {
    const where = `${file}[${index}]`;
    if (document.errors.length) { fail(where, `YAML: ${document.errors.map(e => e.message).join("; ")}`); continue; }
    const object = document.toJS();
    const Model = kinds[`${object?.apiVersion} ${object?.kind}`];
    if (!Model) { fail(where, `unexpected kind ${object?.apiVersion} ${object?.kind}`); continue; }
    try { new Model(object).validate(); } catch (error) { fail(where, `schema: ${error.message}`); continue; }
    jobs.push({ where, object });
  }
}
const sweep = jobs.find(j => j.object.spec?.completionMode === "Indexed");
const merge = jobs.find(j => j !== sweep);
if (!sweep) fail("deploy/kubernetes", "no Job with completionMode: Indexed");
if (!merge) fail("deploy/kubernetes", "no merge Job");
if (sweep && merge) {
  const text = o => JSON.stringify(o.spec.template.spec.containers.map(c => [c.command, c.args]));
  const shard = /--shard \\"\$JOB_COMPLETION_INDEX\/(\d+)\\"/.exec(text(sweep.object));
  const n = shard ? Number(shard[1]) : NaN;
  if (!shard) fail(sweep.where, 'the command has no --shard "$JOB_COMPLETION_INDEX/n"');
  else if (sweep.object.spec.completions !== n) fail(sweep.where, `completions ${sweep.object.spec.completions} is not the shard count ${n}`);
  if (!/--out \\"\/data\/sweep\/shard-\$JOB_COMPLETION_INDEX\\"/.test(text(sweep.object))) fail(sweep.where, "the output is not /data/sweep/shard-$JOB_COMPLETION_INDEX");
  const listed = [...text(merge.object).matchAll(/\/data\/sweep\/shard-(\d+)/g)].map(m => Number(m[1]));
  const expected = [...Array(n).keys()];
  if (JSON.stringify(listed) !== JSON.stringify(expected)) fail(merge.where, `merges shards [${listed}], expected [${expected}]`);
  if (!/sweep merge/.test(text(merge.object))) fail(merge.where, "does not run convotron sweep merge");
}
console.log(`k8s-validate: ${jobs.length} documents valid against the schema, ${problems} problems`);
process.exit(problems ? 1 : 0);
