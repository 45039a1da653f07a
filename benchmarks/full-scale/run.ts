/**
 * Full-size DIVA step on the CPU (issue 16, items 6/7): one optimizer step of a preset at its real size
 * (OpenAI ViT-L/14 224 px + SD-2.1-base at 512 px by default) at micro-batch 1, on seeded random weights in
 * the real file formats, with the wall time and peak RSS of each part next to the dry-run memory plan.
 *
 *   node --conditions=source --import tsx benchmarks/full-scale/run.ts [--preset openai-vit-l-14]
 *     [--models DIR] [--bpe FILE] [--micro-batch 1] [--checkpoint-activations] [--json FILE]
 *     [--width-scale F --vae-size N]   (reduced sizes: tests only)
 *
 * The models are written to --models (default .tmp/full-scale-models/<preset>, git-ignored) by
 * `makeRandomCheckpoints` when they are not there yet (about 3.3 GB of F16 files at full size). A full-size run
 * needs about 13 GB of memory without checkpointing (see the printed plan): run it on an otherwise idle machine.
 */
import { stat, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { getPreset, type DivaPreset } from "@diva/core";
import { formatBytes, formatMemoryPlan, fullScaleModels, makeRandomCheckpoints, memoryPlan, timedDivaStep } from "@diva/core/full-scale";

const REPO = join(import.meta.dirname, "..", "..");

const { values: args } = parseArgs({
  options: {
    preset: { type: "string", default: "openai-vit-l-14" },
    models: { type: "string" },
    bpe: { type: "string", default: join(REPO, "..", "shared", "data", "bpe_simple_vocab_16e6.txt.gz") },
    "micro-batch": { type: "string", default: "1" },
    "checkpoint-activations": { type: "boolean", default: false },
    "width-scale": { type: "string", default: "1" },
    "vae-size": { type: "string" },
    seed: { type: "string", default: "0" },
    json: { type: "string" },
  },
});

const exists = (p: string) => stat(p).then(() => true, () => false);

async function main(): Promise<void> {
  const presetName = args.preset!;
  const widthScale = Number(args["width-scale"]);
  const microBatch = Number(args["micro-batch"]);
  const seed = Number(args.seed);
  if (!Number.isInteger(microBatch) || microBatch < 1) throw new Error(`--micro-batch must be a positive integer, got ${args["micro-batch"]}`);
  const base = getPreset(presetName);
  const vaeSize = args["vae-size"] ? Number(args["vae-size"]) : base.recipe.vaeCrop.size;
  const preset: DivaPreset = { ...base, recipe: { ...base.recipe, vaeCrop: { ...base.recipe.vaeCrop, size: vaeSize } } };
  const modelsDir = args.models ?? join(REPO, ".tmp", "full-scale-models", widthScale === 1 ? presetName : `${presetName}-w${widthScale}`);
  const clip = join(modelsDir, "clip", "open_clip_model.safetensors");
  const sd = join(modelsDir, "sd-2-1-base");
  if (!(await exists(join(sd, "model_index.json")))) {
    console.log(`writing random checkpoints to ${modelsDir}`);
    const t = performance.now();
    await makeRandomCheckpoints({ preset: presetName, out: modelsDir, bpe: args.bpe!, seed, widthScale, onLog: (m) => console.log(`  ${m}`) });
    console.log(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const models = fullScaleModels(presetName, widthScale);
  const checkpointActivations = args["checkpoint-activations"]!;
  const plan = await memoryPlan({ preset, models, clip, sd, microBatch, microBatches: 1, device: "cpu", checkpointActivations });
  console.log(formatMemoryPlan(plan));
  console.log(`\none DIVA step: micro-batch ${microBatch}, ${vaeSize} px VAE, activation checkpointing ${checkpointActivations ? "on" : "off"}`);
  const r = await timedDivaStep({ preset: presetName, clip, sd, microBatch, seed, checkpointActivations, vaeImageSize: vaeSize, onLog: (m) => console.log(`  ${m}`) });
  const measured = {
    loss: r.loss,
    gradNorm: r.gradNorm,
    finite: r.finite,
    peakRssBytes: r.peakRssBytes,
    peakLiveTensorBytes: r.peakLiveTensorBytes,
    keptActivationBytes: r.keptActivationBytes,
    plannedActivationBytes: plan.activations.totalBytes,
    activationRatio: r.keptActivationBytes / plan.activations.totalBytes,
    plannedPeakBytes: plan.peakBytes,
  };
  console.log(`\nloss ${r.loss.toFixed(5)}, gradient norm ${r.gradNorm.toFixed(4)}, finite ${r.finite}`);
  console.log(`activations kept: measured ${formatBytes(r.keptActivationBytes)}, planned ${formatBytes(plan.activations.totalBytes)} (ratio ${measured.activationRatio.toFixed(3)})`);
  console.log(`peak RSS: measured ${r.peakRssBytes === null ? "n/a" : formatBytes(r.peakRssBytes)} (live tensors at most ${formatBytes(r.peakLiveTensorBytes)}), planned peak ${formatBytes(plan.peakBytes)}`);
  if (args.json) {
    await mkdir(dirname(args.json), { recursive: true });
    const report = { preset: presetName, widthScale, vaeSize, microBatch, checkpointActivations, parts: r.parts, measured, plan, node: process.version, date: new Date().toISOString() };
    await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
  if (!r.finite) process.exitCode = 1;
}

await main();
