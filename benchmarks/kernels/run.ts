/**
 * Kernel benchmark: GFLOP/s and ms of matmul, conv2d, attention, layer norm and softmax for @diva/tensor's
 * cpu and webgpu backends side by side with @tensorflow/tfjs (wasm, webgpu) and @jax-js/jax (cpu, wasm,
 * webgpu) in the same process, on the same WebGPU adapter. Peers that fail print "unavailable: reason".
 *
 *   npm run bench -- [--quick] [--json PATH] [--only diva,tfjs] [--cases matmul] [--max-ms N]
 */
import { parseArgs, USAGE } from "./args.js";
import { runBenchmark } from "./bench.js";
import type { Contender } from "./contender.js";
import { divaContender } from "./contenders/diva.js";
import { jaxContender } from "./contenders/jax.js";
import { tfjsContender } from "./contenders/tfjs.js";

if (process.argv.includes("--help")) {
  console.log(USAGE);
  process.exit(0);
}
const args = parseArgs(process.argv.slice(2));
const all: Contender[] = [
  divaContender("cpu"),
  divaContender("webgpu"),
  tfjsContender("wasm"),
  tfjsContender("webgpu"),
  jaxContender("cpu"),
  jaxContender("wasm"),
  jaxContender("webgpu"),
];
const contenders = args.only ? all.filter((k) => args.only!.some((f) => k.name.includes(f))) : all;
await runBenchmark({ cases: args.cases, contenders, measure: args.measure, maxMs: args.maxMs, json: args.json });
// tfjs and jax-js keep GPU devices and timers alive; the benchmark is done.
process.exit(0);
