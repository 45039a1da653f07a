/**
 * CPU benchmark: our CPU backend against peers, all measured in the same run, interleaved round by round,
 * medians and ratios.
 *
 *   npm run bench:cpu -- [--cases matmul,conv,block] [--sizes 128,256,512,1024,2048]
 *        [--conv vit,u320,u640,u1280,dvae,dunet] [--rounds 3] [--threads N] [--only diva,tfjs,jax,ort,torch]
 *        [--max-run-seconds 8] [--json PATH]
 *
 * Parts: matmul (GFLOP/s of f32 n x n @ n x n), conv (GFLOP/s of conv2d forward, input gradient and weight
 * gradient at ViT patch-embedding and UNet shapes), block (ms per forward + backward step of a ViT-B/16
 * transformer block at batch 8). Peers that fail to load, or cannot run a case, are listed as
 * "unavailable: reason"; a case that a contender's slowest earlier case in the part predicts to take more
 * than --max-run-seconds per run is "skipped".
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { measure, setupEntries } from "./bench-loop.js";
import { blockCases, convCases, CONV_SHAPES, matmulCases, type BenchCase, type Part } from "./cases.js";
import { describeMachine, machineInfo } from "./machine.js";
import { divaRunner } from "./peers/diva.js";
import { divaBlockRunner } from "./peers/diva-block.js";
import { divaConvRunner } from "./peers/diva-conv.js";
import { jaxWasmRunner } from "./peers/jax.js";
import { jaxBlockRunner } from "./peers/jax-block.js";
import { jaxConvRunner } from "./peers/jax-conv.js";
import { ortConvRunner, ortRunner } from "./peers/ort.js";
import type { Runner } from "./peers/runner.js";
import { tfjsWasmRunner } from "./peers/tfjs.js";
import { tfjsBlockRunner } from "./peers/tfjs-block.js";
import { tfjsConvRunner } from "./peers/tfjs-conv.js";
import { torchRunner } from "./peers/torch.js";
import { printPart, type Metric, type Row } from "./table.js";

interface Args {
  cases: Part[];
  sizes: number[];
  conv: string[] | undefined;
  rounds: number;
  maxRunSeconds: number;
  threads: number;
  only: string[] | undefined;
  json: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const cases = (get("--cases") ?? "matmul,conv,block").split(",") as Part[];
  for (const c of cases) if (!["matmul", "conv", "block"].includes(c)) throw new Error(`--cases: unknown part ${c} (matmul, conv, block)`);
  const conv = get("--conv")?.split(",");
  for (const c of conv ?? []) if (!CONV_SHAPES.some((s) => s.name === c)) throw new Error(`--conv: unknown shape ${c} (${CONV_SHAPES.map((s) => s.name).join(", ")})`);
  return {
    cases,
    sizes: (get("--sizes") ?? "128,256,512,1024,2048").split(",").map(Number),
    conv,
    rounds: Number(get("--rounds") ?? 3),
    maxRunSeconds: Number(get("--max-run-seconds") ?? 8),
    threads: Number(get("--threads") ?? os.availableParallelism()),
    only: get("--only")?.split(","),
    json: get("--json"),
  };
}

/** A contender of a part: library key (for --only), the runner, and whether it is the row ratios are taken against. */
type Candidate = [key: string, runner: Runner, primary: boolean];

/** The contenders, cases, title and metric of one part. */
function partOf(part: Part, a: Args): { title: string; metric: Metric; cases: BenchCase[]; candidates: Candidate[]; legend: string[] } {
  const T = a.threads;
  const r = (x: Runner<never>): Runner => x as unknown as Runner;
  switch (part) {
    case "matmul":
      return {
        title: "f32 matmul n x n x n",
        metric: "gflops",
        cases: matmulCases(a.sizes),
        legend: [],
        candidates: [
          ["diva", r(divaRunner(1)), false],
          ["diva", r(divaRunner(T)), true],
          ["diva", r(divaRunner(T, true)), false],
          ["tfjs", r(tfjsWasmRunner()), false],
          ["jax", r(jaxWasmRunner()), false],
          ["ort", r(ortRunner(1)), false],
          ["ort", r(ortRunner(T)), false],
          ["torch", torchRunner(1, "tuned"), false],
          ["torch", torchRunner(T, "tuned"), false],
          ["torch", torchRunner(T, "default"), false],
          ["torch", torchRunner(T, "reference-blas"), false],
        ],
      };
    case "conv":
      return {
        title: "f32 conv2d (fwd: forward, dx: input gradient, dw: weight gradient)",
        metric: "gflops",
        cases: convCases(a.conv),
        legend: CONV_SHAPES.filter((s) => !a.conv || a.conv.includes(s.name)).map(
          (s) => `${s.name}: x [${s.x}] * w [${s.w}] stride ${s.stride} pad ${s.pad} (${s.origin})`,
        ),
        candidates: [
          ["diva", r(divaConvRunner(1)), false],
          ["diva", r(divaConvRunner(T)), true],
          ["tfjs", r(tfjsConvRunner()), false],
          ["jax", r(jaxConvRunner()), false],
          ["ort", r(ortConvRunner(1)), false],
          ["ort", r(ortConvRunner(T)), false],
          ["torch", torchRunner(1, "tuned"), false],
          ["torch", torchRunner(T, "tuned"), false],
          // what installing python3-torch alone gives (no OpenBLAS): the baseline the targets were set against
          ["torch", torchRunner(T, "reference-blas"), false],
        ],
      };
    case "block": {
      const cases = blockCases();
      const s = (cases[0] as { shape: { batch: number; tokens: number; width: number; heads: number; mlp: number } }).shape;
      return {
        title: `transformer block forward + backward (batch ${s.batch}, ${s.tokens} tokens, width ${s.width}, ${s.heads} heads, MLP ${s.mlp}, pre-LN, GELU)`,
        metric: "ms",
        cases,
        legend: [`block: ${(cases[0]!.flops / 1e9).toFixed(1)} GFLOP per step (matmuls; backward counted as twice the forward)`],
        candidates: [
          ["diva", r(divaBlockRunner(1)), false],
          ["diva", r(divaBlockRunner(T)), true],
          ["tfjs", r(tfjsBlockRunner()), false],
          ["jax", r(jaxBlockRunner()), false],
          ["torch", torchRunner(1, "tuned"), false],
          ["torch", torchRunner(T, "tuned"), false],
          ["torch", torchRunner(T, "reference-blas"), false],
        ],
      };
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const machine = machineInfo();
  console.log(`machine: ${describeMachine(machine)}`);
  const rows: Row[] = [];
  for (const part of args.cases) {
    const p = partOf(part, args);
    const chosen = p.candidates.filter(([key]) => !args.only || args.only.includes(key));
    const entries = await setupEntries(chosen.map(([, runner, primary]) => [runner, primary] as [Runner, boolean]));
    await measure(entries, p.cases, args.rounds, args.maxRunSeconds, (s) => process.stderr.write(s + "\n"));
    rows.push(...printPart(p.title, entries, p.cases, p.metric, args.rounds));
    for (const l of p.legend) console.log(l);
    const notes = entries.filter((e) => e.runner.note);
    for (const e of notes) console.log(`${e.runner.name} (${e.runner.threads} thr): ${e.runner.note}`);
  }
  console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} (figures are only comparable on an otherwise idle machine)`);
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ machine, date: new Date().toISOString(), rounds: args.rounds, threads: args.threads, rows }, null, 2));
    console.log(`\nwrote ${args.json}`);
  }
}

await main();
