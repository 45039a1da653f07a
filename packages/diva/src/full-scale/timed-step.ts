/**
 * One DIVA optimizer step at a preset's size, on the ordinary path (the CLIP and SD loaders postTrain uses,
 * `divaStep` with the preset's recipe), with the wall time and peak resident memory of each part: loading,
 * VAE encode, CLIP forward, UNet forward, UNet backward to the condition, CLIP backward with the update.
 *
 * The parts are told apart without changing the computation: the frozen models' functions are wrapped with
 * timers, and the condition passes through a `checkpoint` of the identity, whose function runs a second time
 * exactly when the backward pass reaches the condition (the end of the UNet's backward pass).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { checkpoint, dispose, memory, mul, normal, peakMemory, randomKey, resetPeakMemory, treeLeaves, uniform, type Tensor } from "@diva/tensor";
import { sgdInit, type ClipVisualParams } from "@diva/nn";
import { loadClipCheckpoint } from "../models/clip-checkpoint.js";
import { loadFrozenDiffusion } from "../models/frozen-diffusion.js";
import { initProjection, projectionKey } from "../models/projection.js";
import { sdPromptEmbedding } from "../models/prompt-embedding.js";
import { findClipTokenizer } from "../models/tokenizer.js";
import { clipVisionTokens } from "../models/vision-tokens.js";
import type { DivaLossContext } from "../objective.js";
import { getPreset } from "../presets.js";
import { divaStep } from "../step.js";

/** Options of {@link timedDivaStep}. */
export interface TimedStepOptions {
  /** DIVA preset name. */
  readonly preset: string;
  /** The CLIP checkpoint. */
  readonly clip: string;
  /** The diffusers SD-2.1-base folder. */
  readonly sd: string;
  /** Images in the micro-batch (default 1). */
  readonly microBatch?: number;
  /** Noise draws (default 1: one forward and backward of each model). */
  readonly draws?: number;
  /** Seed of the images, noise and projection (default 0). */
  readonly seed?: number;
  /** Activation checkpointing in the CLIP and UNet blocks. */
  readonly checkpointActivations?: boolean;
  /** The VAE's input size (default: the preset's crop, 512). Smaller only in tests. */
  readonly vaeImageSize?: number;
  /** Progress messages. */
  onLog?(message: string): void;
}

/** One timed part. */
export interface PartReport {
  /** What ran. */
  readonly name: string;
  /** Wall time. */
  readonly seconds: number;
  /** Peak resident set size during the part (Linux: VmHWM after resetting it); null elsewhere. */
  readonly peakRssBytes: number | null;
  /** Bytes of live tensors (all devices) when the part ended. */
  readonly liveTensorBytes: number;
  /** Largest bytes of live tensors (all devices) during the part: the peak without allocator and GC overheads. */
  readonly peakLiveTensorBytes: number;
}

/** What the step measured. */
export interface TimedStepReport {
  /** The parts, in order. */
  readonly parts: readonly PartReport[];
  /** The step's loss. */
  readonly loss: number;
  /** Gradient norm before clipping. */
  readonly gradNorm: number;
  /** Loss, gradient norm and every updated parameter are finite. */
  readonly finite: boolean;
  /** The largest peak over the parts (null where not measurable). */
  readonly peakRssBytes: number | null;
  /** The largest peak of live tensor bytes over the parts. */
  readonly peakLiveTensorBytes: number;
  /** Parameters trained (vision tower and projection). */
  readonly trainableParameters: number;
  /**
   * Bytes of live tensors at the end of the UNet forward pass minus those just before the step: what the
   * forward passes keep for the backward pass (the activations of the memory plan, plus the latents and noise).
   */
  readonly keptActivationBytes: number;
}

/** Resets the kernel's peak-RSS counter (Linux `clear_refs` 5); false where that is not possible. */
function resetPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** VmHWM of this process in bytes, or null. */
function peakRss(): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const liveBytes = () => Object.values(memory().bytes).reduce((a: number, b) => a + (b ?? 0), 0);
const peakLiveBytes = () => Object.values(peakMemory()).reduce((a: number, b) => a + (b ?? 0), 0);

/** A stopwatch over named parts: starting one ends the previous. */
class Parts {
  readonly done: PartReport[] = [];
  private current: { name: string; start: number; peakOk: boolean } | undefined;
  constructor(private readonly log: (m: string) => void) {}
  start(name: string): void {
    this.stop();
    resetPeakMemory();
    this.current = { name, start: performance.now(), peakOk: resetPeakRss() };
  }
  stop(): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    const part = { name: c.name, seconds: (performance.now() - c.start) / 1000, peakRssBytes: c.peakOk ? peakRss() : null, liveTensorBytes: liveBytes(), peakLiveTensorBytes: peakLiveBytes() };
    this.done.push(part);
    const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
    this.log(`${part.name}: ${part.seconds.toFixed(2)} s, peak RSS ${part.peakRssBytes === null ? "n/a" : gib(part.peakRssBytes)}, peak live tensors ${gib(part.peakLiveTensorBytes)}`);
  }
}

/** Runs one DIVA optimizer step on random data and reports the time and memory of each part. */
export async function timedDivaStep(o: TimedStepOptions): Promise<TimedStepReport> {
  const preset = getPreset(o.preset);
  const parts = new Parts((m) => o.onLog?.(m));
  const seed = o.seed ?? 0;
  const B = o.microBatch ?? 1;
  const owned: unknown[] = [];
  try {
    parts.start("load CLIP");
    const { tokenizer } = await findClipTokenizer({ clip: o.clip, sd: o.sd });
    const clip = await loadClipCheckpoint(o.clip);
    const { visual, ...frozenClip } = clip.model.params;
    dispose(frozenClip); // the text tower is not used by a DIVA step
    owned.push(visual);
    parts.start("SD text embedding");
    const textEmbedding = await sdPromptEmbedding(o.sd, tokenizer);
    owned.push(textEmbedding);
    parts.start("load UNet and VAE");
    const sd = await loadFrozenDiffusion(o.sd, { checkpoint: o.checkpointActivations ?? false });
    owned.push(sd.unet, sd.vae);

    const visionTokens = clipVisionTokens(clip.model.config, { checkpoint: o.checkpointActivations ?? false });
    const dim = clip.model.config.embed_dim;
    const projection = initProjection(projectionKey(seed), dim, sd.crossAttentionDim);
    const R = preset.vision.imageSize;
    const V = o.vaeImageSize ?? preset.recipe.vaeCrop.size;
    const key = randomKey(seed);
    const batch = { clipImages: normal(randomKey(seed + 1), [B, 3, R, R]), vaeImages: uniform(randomKey(seed + 2), [B, 3, V, V], { min: -1, max: 1 }) };
    owned.push(batch);

    let markerCalls = 0;
    let beforeStep = 0;
    let atLoss = 0;
    const boundary = checkpoint((c: Tensor) => {
      // second call: the backward pass re-runs this to get the cotangent of the condition, so the UNet's part is over
      if (++markerCalls === 2) parts.start("CLIP backward, clipping and SGD update");
      return mul(c, 1);
    });
    const d = sd.diffusion;
    const ctx: DivaLossContext<ClipVisualParams> = {
      visionTokens: (v, images) => {
        parts.start("CLIP forward and condition");
        return visionTokens(v, images);
      },
      diffusion: {
        ...d,
        encodeMean: (images) => {
          parts.start("VAE encode");
          return d.encodeMean(images);
        },
        predictNoise: (latents, t, cond) => {
          parts.start("UNet forward");
          markerCalls = 0;
          const out = d.predictNoise(latents, t, boundary(cond));
          atLoss = liveBytes();
          parts.start("UNet backward to the condition");
          return out;
        },
      },
      condition: preset.condition,
      textEmbedding,
    };
    const params = { vision: visual, projection };
    const trainableParameters = [visual, projection].flatMap((t) => treeSizes(t)).reduce((a, b) => a + b, 0);
    const r = recipe(preset, o.draws ?? 1);
    beforeStep = liveBytes();
    const result = await divaStep({ params, optimizer: sgdInit<typeof params>(), step: 0 }, [batch], ctx, r, key);
    parts.stop();
    owned.push(result.state.params, result.state.optimizer.momentum);
    let finite = Number.isFinite(result.loss) && Number.isFinite(result.gradNorm);
    for (const t of treeLeavesOf(result.state.params)) {
      if (!finite) break;
      const v = await t.data();
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i]!)) {
          finite = false;
          break;
        }
      }
    }
    const peaks = parts.done.map((p) => p.peakRssBytes).filter((p): p is number => p !== null);
    return { parts: parts.done, loss: result.loss, gradNorm: result.gradNorm, finite, peakRssBytes: peaks.length ? Math.max(...peaks) : null, peakLiveTensorBytes: Math.max(...parts.done.map((p) => p.peakLiveTensorBytes)), trainableParameters, keptActivationBytes: atLoss - beforeStep };
  } finally {
    dispose(owned);
  }
}

const treeLeavesOf = (t: unknown): Tensor[] => treeLeaves(t);
const treeSizes = (t: unknown): number[] => treeLeaves(t).map((x) => x.size);

function recipe(preset: ReturnType<typeof getPreset>, draws: number) {
  const rc = preset.recipe;
  return { lr: rc.lr, momentum: rc.momentum, weightDecay: rc.weightDecay, clipNorm: rc.clipNorm, totalSteps: rc.steps, warmupSteps: Math.max(1, Math.round(rc.steps * rc.warmupFraction)), draws, drawWeighting: "mean" as const };
}
