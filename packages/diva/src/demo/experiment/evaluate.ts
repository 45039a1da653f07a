/**
 * One evaluation of a CLIP vision tower in the demo experiment: MMVP-VLM (every pair's outcome), zero-shot
 * (every image's outcome) and the linear probe on frozen CLIP tokens (every held-out image's outcome per head).
 */
import { noGrad, slice, tidy, type Tensor } from "@diva/tensor";
import { evalMMVP } from "../../eval/mmvp.js";
import type { ClipForEval } from "../../eval/clip-model.js";
import { zeroShotClassEmbeddings, zeroShotPredict } from "../../eval/zeroshot.js";
import { ridgeProbe, type FeatureMatrix, type ProbeLabels, type ProbeResult } from "./ridge-probe.js";

/** The sets every evaluation uses (made once per run). */
export interface EvalSets {
  /** Folder of the MMVP-VLM benchmark. */
  readonly benchmarkDir: string;
  /** Zero-shot images (CLIP inputs) by class prompt, and the prompts in label order. */
  readonly zeroShot: { readonly images: Readonly<Record<string, Tensor>>; readonly classNames: readonly string[] };
  /** Probe images (CLIP inputs) and their labels. */
  readonly probe: {
    readonly train: Tensor;
    readonly trainLabels: readonly ProbeLabels[];
    readonly test: Tensor;
    readonly testLabels: readonly ProbeLabels[];
  };
}

/** What one evaluation measured. */
export interface ArmScores {
  /** MMVP-VLM score per pattern and their mean. */
  readonly mmvp: Record<string, number>;
  readonly mmvpAverage: number;
  /** 1 when the pair was solved, per pair (benchmark order). */
  readonly mmvpPairs: readonly number[];
  readonly zeroShot: number;
  /** 1 when right, per zero-shot image (class order, then image order). */
  readonly zeroShotImages: readonly number[];
  /** Held-out probe accuracy (mean over heads) and per head. */
  readonly probe: number;
  readonly probeHeads: ProbeResult["perHead"];
  /** 1 when right, per (held-out image, applicable head) in a fixed order. */
  readonly probeRows: readonly number[];
}

/** The pattern of each MMVP pair and each pair's odd id (the same for every evaluation of a run). */
export interface MmvpLayout {
  readonly pairTypes: readonly string[];
  readonly pairIds: readonly number[];
  /** Per pattern: mean cosine of the text embeddings of a pair's two statements (the text tower is frozen). */
  readonly statementSimilarity: Record<string, number>;
  /** The head of each entry of `ArmScores.probeRows`. */
  readonly probeRowHeads: readonly string[];
}

/** Flattened tokens [N, (1 + P) x D] of images, in chunks (the probe's features). */
async function tokenFeatures(tokens: (images: Tensor) => Tensor, images: Tensor, chunk = 64): Promise<FeatureMatrix> {
  const N = images.shape[0]!;
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let s = 0; s < N; s += chunk) {
    const f = noGrad(() => tidy(() => {
      const t = tokens(slice(images, [[s, Math.min(N, s + chunk)]]));
      return t.reshape([t.shape[0]!, -1]);
    }));
    dim = f.shape[1]!;
    parts.push(Float32Array.from(await f.data()));
    f.dispose();
  }
  const data = new Float32Array(N * dim);
  let off = 0;
  for (const p of parts) {
    data.set(p, off);
    off += p.length;
  }
  return { data, rows: N, dim };
}

/**
 * Scores one vision tower.
 *
 * @param clip the CLIP as the evaluations see it (image and text towers).
 * @param tokens the vision tower's tokens of CLIP inputs ([B, 1 + P, D], after ln_post and projection).
 * @param probeRidge the probe's fixed penalty (see `ridgeProbe`).
 */
export async function evaluateArm(clip: ClipForEval, tokens: (images: Tensor) => Tensor, sets: EvalSets, probeRidge: number): Promise<{ scores: ArmScores; layout: MmvpLayout }> {
  const mmvp = await evalMMVP(clip, sets.benchmarkDir);
  const classEmb = zeroShotClassEmbeddings(clip, sets.zeroShot.classNames, ["{}"]);
  const zeroShotImages: number[] = [];
  try {
    for (const [name, images] of Object.entries(sets.zeroShot.images)) {
      const target = sets.zeroShot.classNames.indexOf(name);
      for (const p of await zeroShotPredict(clip, classEmb, images)) zeroShotImages.push(p === target ? 1 : 0);
    }
  } finally {
    classEmb.dispose();
  }
  const [train, test] = [await tokenFeatures(tokens, sets.probe.train), await tokenFeatures(tokens, sets.probe.test)];
  const probe = await ridgeProbe(train, sets.probe.trainLabels, test, sets.probe.testLabels, probeRidge);
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / Math.max(v.length, 1);
  return {
    scores: {
      mmvp: mmvp.perPattern,
      mmvpAverage: mmvp.average,
      mmvpPairs: mmvp.pairs.map((p) => (p.solved ? 1 : 0)),
      zeroShot: mean(zeroShotImages),
      zeroShotImages,
      probe: probe.accuracy,
      probeHeads: probe.perHead,
      probeRows: probe.rows.map((r) => r.correct),
    },
    layout: { pairTypes: mmvp.pairs.map((p) => p.type), pairIds: mmvp.pairs.map((p) => p.id), statementSimilarity: mmvp.statementSimilarity, probeRowHeads: probe.rows.map((r) => r.head) },
  };
}
