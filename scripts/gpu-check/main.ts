/**
 * The standalone GPU check (bundled by build.sh into .gpu/gpu-check.mjs): on the WebGPU adapter the
 * machine has, (a) compares every kernel op and a set of VJPs between the webgpu and cpu backends and
 * (b) runs the kernel benchmark for our webgpu and cpu backends. Exits 1 if any comparison failed.
 *
 *   node gpu-check.mjs [--quick] [--ops-only] [--bench-only] [--filter TEXT] [--out DIR]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { initBackend, WebGPUBackend } from "@diva/tensor";
import { runBenchmark } from "../../benchmarks/kernels/bench.js";
import { CASES } from "../../benchmarks/kernels/cases.js";
import { divaContender } from "../../benchmarks/kernels/contenders/diva.js";
import { FULL, QUICK } from "../../benchmarks/kernels/measure.js";
import { checkOps, formatRow } from "./check-ops.js";

const argv = process.argv.slice(2);
const flag = (f: string) => argv.includes(f);
const value = (f: string) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : undefined);
const quick = flag("--quick");
const out = value("--out");
if (out) mkdirSync(out, { recursive: true });

const t0 = performance.now();
console.log(`gpu-check: Node ${process.version}, ${os.cpus()[0]?.model.trim()} x ${os.availableParallelism()}, ${os.platform()} ${os.release()}`);
let backend: WebGPUBackend;
try {
  const b = await initBackend("webgpu");
  if (!(b instanceof WebGPUBackend)) throw new Error("not the WebGPU backend");
  backend = b;
} catch (e) {
  console.log(`gpu-check: FAILED to start WebGPU: ${(e as Error).message}`);
  process.exit(2);
}
const a = backend.adapter;
console.log(`gpu-check: adapter ${a.name} via ${a.via}`);
console.log(`gpu-check: features ${a.features.join(", ")}; maxStorageBufferBindingSize ${a.maxStorageBufferBindingSize}`);
const lim = backend.ctx.limits;
console.log(
  `gpu-check: limits maxBufferSize ${lim.maxBufferSize}, maxComputeInvocationsPerWorkgroup ${lim.maxComputeInvocationsPerWorkgroup}, maxComputeWorkgroupStorageSize ${lim.maxComputeWorkgroupStorageSize}`,
);

let failed = 0;
if (!flag("--bench-only")) {
  console.log("\n== op comparison: webgpu vs cpu (status, op, case, worst error / tolerance, max |diff|) ==");
  const rows = await checkOps({ filter: value("--filter"), onRow: (r) => console.log(formatRow(r)) });
  failed = rows.filter((r) => !r.ok).length;
  if (out) writeFileSync(join(out, "ops.json"), `${JSON.stringify(rows, null, 1)}\n`);
  console.log(`\n== op comparison: ${rows.length - failed}/${rows.length} cases passed ==`);
  for (const r of rows.filter((x) => !x.ok)) console.log(formatRow(r));
}
if (!flag("--ops-only")) {
  console.log("\n== kernel benchmark: diva webgpu and cpu ==");
  await runBenchmark({
    cases: quick ? CASES.filter((c) => c.quick) : CASES,
    contenders: [divaContender("webgpu"), divaContender("cpu")],
    measure: quick ? QUICK : FULL,
    maxMs: 20_000,
    json: out ? join(out, "bench.json") : undefined,
    progress: () => undefined,
  });
}
console.log(`\ngpu-check: done in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${failed === 0 ? "all op comparisons passed" : `${failed} op comparisons FAILED`}`);
process.exit(failed === 0 ? 0 : 1);
