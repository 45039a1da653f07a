/**
 * `diva post-train --dry-run`: the memory a run will need, before anything is loaded. Weights are counted from
 * the safetensors headers of the given files (storage dtype and shapes; no data read) or, without files, from the
 * preset's configs; trainable state, gradients and SGD momentum from the vision tower and projection sizes;
 * activations from the analytic estimate of activations.ts. On WebGPU every weight tensor and the largest
 * activations are checked against buffer limits (the adapter's, else WebGPU's defaults and a typical discrete
 * GPU's), and the ones that would not fit are named.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { openSafetensors } from "@diva/tensor";
import { clipSpecs, hfClipTextSpecs, unetParamShapes, vaeParamShapes } from "@diva/nn";
import { conditionLength, type DivaPreset } from "../presets.js";
import { activationItemsFor, type ActivationItem } from "./activation-items.js";
import { largestActivations } from "./activations.js";
import { fullScaleModels, type FullScaleModels } from "./models.js";

/** Buffer limits of a WebGPU device, in bytes. */
export interface BufferLimits {
  /** What these limits are ("adapter ...", "WebGPU default", ...). */
  readonly name: string;
  /** Largest storage-buffer binding. */
  readonly maxStorageBufferBindingSize: number;
  /** Largest buffer. */
  readonly maxBufferSize: number;
}

/** WebGPU's default limits (what an adapter guarantees without asking for more). */
export const WEBGPU_DEFAULT_LIMITS: BufferLimits = { name: "WebGPU default limits", maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
/** A typical discrete GPU through Dawn/Chrome (assumed: 2 GiB bindings, 4 GiB buffers; adapters differ). */
export const DISCRETE_GPU_LIMITS: BufferLimits = { name: "typical discrete GPU (assumed 2 GiB / 4 GiB)", maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32 };

/** Options of {@link memoryPlan}. */
export interface MemoryPlanOptions {
  /** The preset (its name selects the CLIP config when `models` is not given). */
  readonly preset: DivaPreset;
  /** The model configs (default: the preset's at full size). */
  readonly models?: FullScaleModels;
  /** The CLIP checkpoint: its header gives the stored dtypes and shapes. */
  readonly clip?: string;
  /** The SD folder: the headers of unet/, vae/, text_encoder/ weights. */
  readonly sd?: string;
  /** Images per forward pass. */
  readonly microBatch: number;
  /** Micro-batches per optimizer step (a gradient accumulator is kept when more than 1). */
  readonly microBatches: number;
  /** The device. */
  readonly device: "cpu" | "webgpu";
  /** Activation checkpointing. */
  readonly checkpointActivations: boolean;
  /** Limits to check on WebGPU (default: WebGPU's defaults and a typical discrete GPU's). */
  readonly limits?: readonly BufferLimits[];
  /** dtype the frozen UNet, VAE and SD text encoder are loaded in (default float32; float16 under `--precision mixed`). */
  readonly frozenDType?: "float32" | "float16";
}

/** One model's weights. */
export interface WeightLine {
  /** The model ("CLIP", "UNet", "VAE", "SD text encoder"). */
  readonly model: string;
  /** Where the numbers come from. */
  readonly source: string;
  /** Stored dtypes (e.g. "F16"). */
  readonly storageDType: string;
  /** Parameters (elements of all its tensors). */
  readonly parameters: number;
  /** Bytes in the file(s). */
  readonly storageBytes: number;
  /** dtype once loaded (float32; float16 for the frozen models under mixed precision). */
  readonly loadedDType: "float32" | "float16";
  /** Bytes once loaded. */
  readonly loadedBytes: number;
  /** Loaded for the whole run (false: loaded, used once and freed before training). */
  readonly resident: boolean;
  /** Each tensor's loaded size, for the buffer checks. */
  readonly tensors: readonly {
    /** "model: tensor name". */
    name: string;
    /** Bytes once loaded. */
    bytes: number;
  }[];
}

/** A tensor that does not fit a device's buffers. */
export interface TooLarge {
  /** The tensor ("model: name" for weights, the activation's name otherwise). */
  readonly tensor: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** Which limits it exceeds. */
  readonly exceeds: readonly ("maxStorageBufferBindingSize" | "maxBufferSize")[];
}

/** The plan. */
export interface MemoryPlan {
  /** The preset's name. */
  readonly preset: string;
  /** The device planned for. */
  readonly device: "cpu" | "webgpu";
  /** Images per forward pass. */
  readonly microBatch: number;
  /** Whether the activations assume checkpointing. */
  readonly checkpointActivations: boolean;
  /** dtype of the frozen models' weights (float16 under mixed precision). */
  readonly frozenDType: "float32" | "float16";
  /** Each model's weights. */
  readonly weights: readonly Omit<WeightLine, "tensors">[];
  /** The trained parameters (vision tower and projection) and their optimizer state, in float32 bytes. */
  readonly trainable: {
    /** Trained parameters. */
    readonly parameters: number;
    /** Their values. */
    readonly paramBytes: number;
    /** Their gradients. */
    readonly gradientBytes: number;
    /** The gradient accumulator (0 with one micro-batch per step). */
    readonly accumulatedGradientBytes: number;
    /** SGD momentum. */
    readonly momentumBytes: number;
    /** The SGD update makes the new parameters before the old ones are freed. */
    readonly updateBytes: number;
  };
  /** Activations kept for the backward pass. */
  readonly activations: {
    /** Per part, with their float32 bytes. */
    readonly items: readonly (ActivationItem & {
      /** Float32 bytes of the part. */
      bytes: number;
    })[];
    /** Their sum. */
    readonly totalBytes: number;
    /** What the estimate assumes, one sentence each. */
    readonly assumptions: readonly string[];
  };
  /** Largest single activations (float32 bytes). */
  readonly largest: readonly {
    /** Which activation. */
    name: string;
    /** Its float32 bytes. */
    bytes: number;
  }[];
  /** Resident weights + trainable state + activations: the estimated peak of the training step. */
  readonly peakBytes: number;
  /** WebGPU only: per set of limits, what would not fit. */
  readonly bufferChecks?: readonly {
    /** The limits checked. */
    limits: BufferLimits;
    /** Tensors over them. */
    tooLarge: readonly TooLarge[];
  }[];
}

const ITEM: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 };

const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/** Shapes from a safetensors header, or null when the file is not there. */
async function headerShapes(path: string | undefined): Promise<{ tensors: { name: string; dtype: string; shape: readonly number[] }[] } | null> {
  if (!path || !(await isFile(path))) return null;
  const f = await openSafetensors(path);
  try {
    return { tensors: f.keys().map((name) => ({ name, dtype: f.info(name).dtype, shape: f.info(name).shape })) };
  } finally {
    await f.close();
  }
}

function weightLine(
  model: string,
  resident: boolean,
  fromFile: { tensors: { name: string; dtype: string; shape: readonly number[] }[] } | null,
  file: string | undefined,
  configShapes: Iterable<readonly [string, readonly number[]]>,
  assumedDType: string,
  loadedDType: "float32" | "float16" = "float32",
): WeightLine {
  const item = loadedDType === "float16" ? 2 : 4;
  const list = fromFile ? fromFile.tensors : [...configShapes].map(([name, shape]) => ({ name, dtype: assumedDType, shape }));
  let parameters = 0;
  let storageBytes = 0;
  const dtypes = new Set<string>();
  const tensors = list.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    parameters += n;
    storageBytes += n * (ITEM[t.dtype] ?? 4);
    dtypes.add(t.dtype);
    return { name: `${model}: ${t.name}`, bytes: item * n };
  });
  return {
    model,
    source: fromFile ? `header of ${file}` : `config (assumed ${assumedDType} storage)`,
    storageDType: [...dtypes].join("+"),
    parameters,
    storageBytes,
    loadedDType,
    loadedBytes: item * parameters,
    resident,
    tensors,
  };
}

const specShapes = (specs: Record<string, { shape: readonly number[] }>) => Object.entries(specs).map(([n, s]) => [n, s.shape] as const);

/** Builds the plan (see the module comment); reads file headers only. */
export async function memoryPlan(o: MemoryPlanOptions): Promise<MemoryPlan> {
  const models = o.models ?? fullScaleModels(o.preset.name);
  const sdFile = (sub: string, name: string) => (o.sd ? join(o.sd, sub, name) : undefined);
  const clipHeader = await headerShapes(o.clip);
  const clipAll = weightLine("CLIP", true, clipHeader, o.clip, specShapes(clipSpecs(models.clip)), "F32");
  // postTrain trains the vision tower and keeps the rest of the CLIP loaded until the export
  const isVision = (name: string) => /^(CLIP: )?(visual\.|vision_model\.)/.test(name) || /^CLIP: (module\.)?visual\./.test(name);
  const visionParams = clipAll.tensors.filter((t) => isVision(t.name)).reduce((a, t) => a + t.bytes / 4, 0);
  const frozen = o.frozenDType ?? "float32";
  const unetPath = sdFile("unet", "diffusion_pytorch_model.safetensors");
  const vaePath = sdFile("vae", "diffusion_pytorch_model.safetensors");
  const textPath = sdFile("text_encoder", "model.safetensors");
  const weights = [
    clipAll,
    weightLine("UNet", true, await headerShapes(unetPath), unetPath, unetParamShapes(models.unet), "F16", frozen),
    weightLine("VAE", true, await headerShapes(vaePath), vaePath, vaeParamShapes(models.vae), "F16", frozen),
    weightLine("SD text encoder", false, await headerShapes(textPath), textPath, specShapes(hfClipTextSpecs(models.textEncoder)), "F16", frozen),
  ];
  const crossDim = models.unet.cross_attention_dim as number;
  const projection = models.clip.embed_dim * crossDim + crossDim;
  const trainableParams = visionParams + projection;
  const P = 4 * trainableParams;
  const trainable = {
    parameters: trainableParams,
    paramBytes: P,
    gradientBytes: P,
    accumulatedGradientBytes: o.microBatches > 1 ? P : 0,
    momentumBytes: P,
    updateBytes: P,
  };
  const latentSize = o.preset.recipe.vaeCrop.size / 8;
  const items = activationItemsFor(models, o.microBatch, latentSize, conditionLength(o.preset), o.checkpointActivations).map((i) => ({ ...i, bytes: 4 * i.elements }));
  const totalActivations = items.reduce((a, i) => a + i.bytes, 0);
  const largest = largestActivations(models.clip, models.unet, o.microBatch, o.preset.recipe.vaeCrop.size, models.vae.block_out_channels ?? [128], latentSize).map((l) => ({ name: l.name, bytes: 4 * l.elements }));
  const resident = weights.filter((w) => w.resident).reduce((a, w) => a + w.loadedBytes, 0);
  // the vision tower's own weights are the trainable parameters: counted once, in the CLIP line
  const state = trainable.gradientBytes + trainable.accumulatedGradientBytes + trainable.momentumBytes + trainable.updateBytes + 4 * projection;
  const plan: MemoryPlan = {
    preset: o.preset.name,
    device: o.device,
    microBatch: o.microBatch,
    checkpointActivations: o.checkpointActivations,
    frozenDType: frozen,
    weights: weights.map(({ tensors: _t, ...w }) => w),
    trainable,
    activations: { items, totalBytes: totalActivations, assumptions: ACTIVATION_ASSUMPTIONS },
    largest,
    peakBytes: resident + state + totalActivations + Math.max(...largest.map((l) => l.bytes)),
  };
  if (o.device !== "webgpu") return plan;
  const all = [...weights.flatMap((w) => w.tensors), ...largest];
  const bufferChecks = (o.limits ?? [WEBGPU_DEFAULT_LIMITS, DISCRETE_GPU_LIMITS]).map((limits) => ({
    limits,
    tooLarge: all
      .map((t) => ({
        tensor: t.name,
        bytes: t.bytes,
        exceeds: [
          ...(t.bytes > limits.maxStorageBufferBindingSize ? (["maxStorageBufferBindingSize"] as const) : []),
          ...(t.bytes > limits.maxBufferSize ? (["maxBufferSize"] as const) : []),
        ],
      }))
      .filter((t) => t.exceeds.length > 0),
  }));
  return { ...plan, bufferChecks };
}

const ACTIVATION_ASSUMPTIONS = [
  "every op recorded for autograd keeps its output until the backward pass ends (our tape holds inputs and outputs); views are free",
  "CLIP: all ops recorded; per block 16·N·W + 2·N·M float32 elements (N = batch × tokens, W width, M MLP width)",
  "UNet: recording starts at the first cross-attention (the first op that reads the condition); per resnet Ci·P + 7·Co·P (+2·Co·P shortcut, +Ci·P concat in up blocks), per transformer block 44·C·T + 2·S·C",
  "VAE encode and the SD text encoder run without gradient: transient only (the largest activation is added to the peak)",
  "checkpointing keeps each block's inputs instead of its intermediates; the block being recomputed adds one block's activations at a time",
  "kernel scratch (im2col, attention-backward scores per head) is transient and not included",
];

/** Human-readable bytes. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The plan as text. */
export function formatMemoryPlan(p: MemoryPlan): string {
  const lines: string[] = [];
  lines.push(`memory plan: preset ${p.preset}, device ${p.device}, micro-batch ${p.microBatch}, activation checkpointing ${p.checkpointActivations ? "on" : "off"}, ${p.frozenDType === "float16" ? "mixed precision (frozen models float16, trainable state float32)" : "float32"}`);
  lines.push("weights:");
  for (const w of p.weights) {
    lines.push(
      `  ${w.model.padEnd(16)} ${w.parameters.toLocaleString("en-US").padStart(13)} params  ${w.storageDType.padEnd(4)} ${formatBytes(w.storageBytes).padStart(10)} on disk, ` +
        `${formatBytes(w.loadedBytes).padStart(10)} loaded (${w.loadedDType})${w.resident ? "" : ", freed before training"}  [${w.source}]`,
    );
  }
  const t = p.trainable;
  lines.push(`trainable (vision tower + projection): ${t.parameters.toLocaleString("en-US")} params`);
  lines.push(`  parameters ${formatBytes(t.paramBytes)}, gradients ${formatBytes(t.gradientBytes)}, accumulated gradients ${formatBytes(t.accumulatedGradientBytes)}, SGD momentum ${formatBytes(t.momentumBytes)}, update ${formatBytes(t.updateBytes)}`);
  lines.push(`activations kept for the backward pass per micro-batch: ${formatBytes(p.activations.totalBytes)}`);
  for (const i of p.activations.items) lines.push(`  ${i.part.padEnd(48)} ${formatBytes(i.bytes).padStart(10)}`);
  lines.push("largest single activations:");
  for (const l of p.largest) lines.push(`  ${l.name.padEnd(48)} ${formatBytes(l.bytes).padStart(10)}`);
  lines.push(`estimated peak: ${formatBytes(p.peakBytes)}`);
  for (const c of p.bufferChecks ?? []) {
    lines.push(`WebGPU buffers, ${c.limits.name} (binding ${formatBytes(c.limits.maxStorageBufferBindingSize)}, buffer ${formatBytes(c.limits.maxBufferSize)}): ${c.tooLarge.length ? `${c.tooLarge.length} tensor(s) would not fit` : "everything fits"}`);
    for (const x of c.tooLarge) lines.push(`  ${x.tensor} ${formatBytes(x.bytes)} exceeds ${x.exceeds.join(" and ")}`);
  }
  lines.push("assumptions:");
  for (const a of p.activations.assumptions) lines.push(`  - ${a}`);
  return lines.join("\n");
}
