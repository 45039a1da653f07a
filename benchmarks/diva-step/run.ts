/**
 * DIVA training-step benchmark at the reference configuration of DESIGN.md section 8: ms per step (median of
 * `--steps` after `--warmup`) for our backends and for PyTorch (Debian's python3-torch, torch_step.py) in the
 * same run, with the ratio.
 *
 *   node --conditions=source --import tsx benchmarks/diva-step/run.ts [--json PATH] [--backend cpu|webgpu|all]
 *        [--steps 10] [--warmup 2] [--no-torch]
 *
 * A step: VAE encode (no autograd), one noise draw, CLIP vision forward + backward, the condition (all 65
 * tokens projected 256 -> 256 plus the mean text vector), UNet forward + backward to its condition input
 * (frozen weights), gradient clipping and SGD with momentum over CLIP vision + the projection.
 */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { getCpuThreads, type Device } from "@diva/tensor";
import { BATCH, CLIP_VISION, IMAGE_SIZE, UNET, VAE, torchSpec } from "./config.js";
import { stepWork } from "./flops.js";
import { runOurs, type OurResult, type ShapeMaps } from "./ours.js";
import { PYTHON, runTorch, type TorchResult } from "./torch.js";

interface Args {
  json: string | undefined;
  backends: Device[];
  steps: number;
  warmup: number;
  torch: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  const known = new Set(["--json", "--backend", "--steps", "--warmup", "--no-torch"]);
  for (const a of argv) if (a.startsWith("--") && !known.has(a)) throw new Error(`unknown option ${a} (known: ${[...known].join(", ")})`);
  const backend = get("--backend") ?? "all";
  if (!["cpu", "webgpu", "all"].includes(backend)) throw new Error(`--backend must be cpu, webgpu or all, got ${backend}`);
  const int = (flag: string, dflt: number, min: number): number => {
    const raw = get(flag);
    const n = raw === undefined ? dflt : Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}, got ${raw}`);
    return n;
  };
  return {
    json: get("--json"),
    backends: backend === "all" ? ["cpu", "webgpu"] : [backend as Device],
    steps: int("--steps", 10, 1),
    warmup: int("--warmup", 2, 0),
    torch: !argv.includes("--no-torch"),
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One row of the table and of the JSON output. */
interface Row {
  backend: string;
  detail: string;
  status: "ok" | string;
  medianMs: number | null;
  minMs: number | null;
  /** median / PyTorch's median (> 1: slower than PyTorch). */
  ratioToTorch: number | null;
  gflops: number | null;
  samples: number;
  timesMs: number[];
  losses: number[];
}

function machine(): Record<string, unknown> {
  let flags = "";
  try {
    flags = readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m)?.[1] ?? "";
  } catch {
    flags = "";
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    simd: ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16"].filter((f) => new RegExp(`\\b${f}\\b`).test(flags)),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    divaCpuThreads: getCpuThreads(),
    loadAverageStart: os.loadavg()[0],
  };
}

/** Compares our parameter shapes with PyTorch's; returns the problems (empty when they match). */
function compareShapes(ours: ShapeMaps, theirs: ShapeMaps): { lines: string[]; problems: string[] } {
  const lines: string[] = [];
  const problems: string[] = [];
  const count = (m: Record<string, number[]>) => Object.values(m).reduce((a, s) => a + s.reduce((x, d) => x * d, 1), 0);
  for (const model of ["clip", "projection", "vae_encoder", "unet"] as const) {
    const a = ours[model];
    const b = theirs[model] ?? {};
    const [na, nb] = [count(a), count(b)];
    const bad: string[] = [];
    for (const k of Object.keys(a)) {
      if (!(k in b)) bad.push(`${k} missing in PyTorch`);
      else if (a[k]!.join("x") !== b[k]!.join("x")) bad.push(`${k}: ours [${a[k]}] vs PyTorch [${b[k]}]`);
    }
    for (const k of Object.keys(b)) if (!(k in a)) bad.push(`${k} missing in ours`);
    lines.push(`  ${model.padEnd(12)} ours ${na.toLocaleString("en-US").padStart(11)} (${Object.keys(a).length} tensors)   PyTorch ${nb.toLocaleString("en-US").padStart(11)} (${Object.keys(b).length} tensors)   ${na === nb && !bad.length ? "match" : "MISMATCH"}`);
    if (na !== nb || bad.length) problems.push(`${model}: ${na} vs ${nb} parameters; ${bad.slice(0, 5).join("; ")}${bad.length > 5 ? ` (+${bad.length - 5} more)` : ""}`);
  }
  return { lines, problems };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const m = machine();
  const work = stepWork({ clip: CLIP_VISION, vae: VAE, unet: UNET, batch: BATCH, imageSize: IMAGE_SIZE, condDim: UNET.cross_attention_dim as number });
  console.log(`machine: ${m.cpu}, ${m.cores} cores [${(m.simd as string[]).join(" ")}], ${m.memoryGiB} GiB; Node ${m.node}; ${m.platform}; load average ${(m.loadAverageStart as number).toFixed(2)} at start`);
  console.log(
    `config: batch ${BATCH}, ${IMAGE_SIZE}x${IMAGE_SIZE}; CLIP ViT 64/8 w256 L6 H8 QuickGELU -> 256; condition 65 tokens 256->256 + mean text; ` +
      `VAE (32,64,128) lpb1 latent 4; UNet (64,128,256) lpb1 heads (2,4,8) cross 256 linear proj; one noise draw; SGD momentum 0.9, clip 1.0`,
  );
  console.log(
    `work (estimate): forward GMAC CLIP+proj ${(work.clip / 1e9).toFixed(2)}, VAE encoder ${(work.vae / 1e9).toFixed(2)}, UNet ${(work.unet / 1e9).toFixed(2)}; ` +
      `step ~ 2 x (3 CLIP + VAE + 2 UNet) = ${(work.stepFlops / 1e9).toFixed(1)} GFLOP`,
  );

  const ours: OurResult[] = [];
  const rows: Row[] = [];
  const makeRow = (backend: string, detail: string, times: number[], losses: number[]): Row => ({
    backend,
    detail,
    status: "ok",
    medianMs: median(times),
    minMs: Math.min(...times),
    ratioToTorch: null,
    gflops: work.stepFlops / (median(times) / 1e3) / 1e9,
    samples: times.length,
    timesMs: times,
    losses,
  });
  const unavailable = (backend: string, reason: string): Row => ({ backend, detail: "", status: `unavailable (${reason})`, medianMs: null, minMs: null, ratioToTorch: null, gflops: null, samples: 0, timesMs: [], losses: [] });

  for (const device of args.backends) {
    log(`${device}: building the models and stepping (${args.warmup} warm-up + ${args.steps} timed)...`);
    try {
      const r = await runOurs(device, args.steps, args.warmup, log);
      ours.push(r);
      const detail = device === "cpu" ? `wasm kernels, ${getCpuThreads()} threads` : (r.adapter ?? "");
      rows.push(makeRow(`diva ${device}`, detail, r.timesMs, r.losses));
    } catch (e) {
      const msg = (e as Error).message.split("\n")[0]!;
      log(`  ${device}: ${msg}`);
      rows.push(unavailable(`diva ${device}`, msg));
    }
  }

  let torch: { result: TorchResult; env: Record<string, string> } | null = null;
  let torchReason: string | null = args.torch ? null : "skipped with --no-torch";
  if (args.torch) {
    log(`pytorch: ${PYTHON} torch_step.py (${args.warmup} warm-up + ${args.steps} timed)...`);
    try {
      torch = await runTorch(torchSpec(), args.steps, args.warmup, log);
      const t = torch.result;
      rows.push(makeRow("pytorch cpu", `torch ${t.torch}, ${t.threads} threads`, t.times_ms, t.losses));
    } catch (e) {
      torchReason = (e as Error).message.split("\n")[0]!;
      rows.push(unavailable("pytorch cpu", torchReason));
    }
  }
  const torchMedian = torch ? median(torch.result.times_ms) : null;
  for (const r of rows) if (r.medianMs !== null && torchMedian !== null) r.ratioToTorch = r.medianMs / torchMedian;

  // The table (long adapter names are cut there and printed whole below it).
  const short = (d: string): string => (d.length > 60 ? `${d.slice(0, 59)}…` : d);
  const cols = ["backend", "ms/step median", "min", "ratio to PyTorch", "GFLOP/s (est.)", "detail"];
  const cells = rows.map((r) =>
    r.medianMs === null
      ? [r.backend, "-", "-", "-", "-", r.status]
      : [r.backend, r.medianMs.toFixed(1), r.minMs!.toFixed(1), r.ratioToTorch === null ? "-" : `${r.ratioToTorch.toFixed(2)}x`, r.gflops!.toFixed(1), short(r.detail)],
  );
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const fmt = (row: string[]): string => row.map((c, i) => (i === 0 || i === row.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`\nDIVA step, ms per step (median of ${args.steps} after ${args.warmup} warm-up; ratio = median / PyTorch median, > 1 is slower)`);
  console.log(fmt(cols));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of cells) console.log(fmt(row));

  console.log("");
  for (const r of ours) if (r.adapter) console.log(`${r.device} adapter: ${r.adapter}`);
  if (torch) {
    const t = torch.result;
    console.log(`PyTorch: torch ${t.torch} (Python ${t.python}, ${PYTHON}), ${t.threads} intra-op threads, mkldnn ${t.mkldnn}; BLAS ${t.blas.join(", ") || "none mapped"}${t.openblas_core ? ` (OpenBLAS core ${t.openblas_core})` : ""}`);
    console.log(`PyTorch env (its process only): ${Object.entries(torch.env).map(([k, v]) => `${k}=${v}`).join(" ")}`);
    const macs = t.forward_macs;
    console.log(
      `PyTorch-counted forward GMAC: CLIP+proj ${(macs.clip / 1e9).toFixed(2)}, VAE encoder ${(macs.vae / 1e9).toFixed(2)}, UNet ${(macs.unet / 1e9).toFixed(2)} ` +
        `(estimate above: ${(work.clip / 1e9).toFixed(2)}, ${(work.vae / 1e9).toFixed(2)}, ${(work.unet / 1e9).toFixed(2)})`,
    );
  } else {
    console.log(`PyTorch: unavailable (${torchReason})`);
  }
  let problems: string[] = [];
  if (ours.length && torch) {
    console.log("parameters (name -> shape maps compared):");
    const c = compareShapes(ours[0]!.shapes, torch.result.shapes);
    for (const l of c.lines) console.log(l);
    problems = c.problems;
  } else if (ours.length) {
    const s = ours[0]!.shapes;
    const n = (k: keyof ShapeMaps) => Object.values(s[k]).reduce((a, sh) => a + sh.reduce((x, d) => x * d, 1), 0);
    console.log(`parameters (ours): CLIP vision ${n("clip")}, projection ${n("projection")}, VAE encoder ${n("vae_encoder")}, UNet ${n("unet")}`);
  }
  for (const r of ours) {
    console.log(`${r.device}: losses ${r.losses.map((l) => l.toFixed(3)).join(" ")}; live tensors after the first / last timed step: ${r.liveTensors[0]} / ${r.liveTensors[1]}`);
  }
  if (torch) console.log(`pytorch: losses ${torch.result.losses.map((l) => l.toFixed(3)).join(" ")}`);
  const loadEnd = os.loadavg()[0]!;
  console.log(`load average at the end: ${loadEnd.toFixed(2)} on ${m.cores} cores (other processes on the machine skew every row; compare rows only from an otherwise idle machine)`);

  if (args.json) {
    writeFileSync(
      args.json,
      JSON.stringify({ date: new Date().toISOString(), machine: { ...m, loadAverageEnd: loadEnd }, config: torchSpec(), work, torchEnv: torch?.env ?? null, torch: torch ? { version: torch.result.torch, threads: torch.result.threads, blas: torch.result.blas, openblasCore: torch.result.openblas_core, forwardMacs: torch.result.forward_macs } : null, rows }, null, 2),
    );
    console.log(`wrote ${args.json}`);
  }
  if (problems.length) {
    console.error(`\nPARAMETER MISMATCH between ours and PyTorch:\n  ${problems.join("\n  ")}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (e) {
  console.error(`diva-step: ${(e as Error).message}`);
  process.exitCode = 2;
}
// The WebGPU (Dawn) and CPU worker handles keep the event loop alive.
process.exit(process.exitCode ?? 0);
