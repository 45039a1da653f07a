/**
 * The demo experiment's data, all drawn from one world seed: the MMVP-VLM benchmark, the zero-shot set, the
 * probe's training and held-out images, DIVA's unlabelled training images and the held-out images of the
 * mechanism check. This file is the experiment's only door into the world generator.
 */
import { join } from "node:path";
import { stack, tensor, tidy, type Tensor } from "@diva/tensor";
import { OPENAI_NORMALIZATION } from "../../presets.js";
import {
  createRng, divaImageStream, generateMmvpBenchmark, generateZeroShotSet, hashString, renderScene, sampleTrainingScene,
  take, withArticle, writePng, type PairSelector, type Scene, type ShapeKind, type SyntheticMmvp, type WorldImage,
} from "../world/index.js";

/** The test world: the one the pre-registered run reports (never used for a choice). */
export const TEST_WORLD_SEED = 2024;
/** The validation world: for choosing recipes and checking instruments. */
export const VALIDATION_WORLD_SEED = 31337;

/** The seed of every set, derived from the world seed. */
interface WorldSeeds {
  /** The world seed they derive from. */
  readonly world: number;
  readonly benchmark: number;
  readonly zeroShot: number;
  readonly probe: number;
  /** DIVA's (and the placebo's) unlabelled training images. */
  readonly train: number;
  /** Held-out images of the mechanism check. */
  readonly heldOut: number;
}

/**
 * Each set's seed is `hashString("diva-demo/world/<N>/<set>")` (the world's 32-bit string hash), so a world seed
 * fixes every set and two world seeds share no set.
 */
export function deriveWorldSeeds(world: number): WorldSeeds {
  if (!Number.isSafeInteger(world) || world < 0) throw new Error(`world seed must be a non-negative integer, got ${world}`);
  const s = (set: string) => hashString(`diva-demo/world/${world}/${set}`);
  return { world, benchmark: s("benchmark"), zeroShot: s("zero-shot"), probe: s("probe"), train: s("train"), heldOut: s("held-out") };
}

/** Image sides: the CLIP view and the diffusion (VAE) view; the world renders at each as needed. */
export interface DemoImageSizes {
  readonly clip: number;
  readonly vae: number;
}

/** How big each set is. */
export interface DemoSetSizes {
  /** Benchmark pairs per pattern (undefined: the benchmark's own default). */
  readonly pairsPerPattern?: number;
  /** Candidate pairs per pattern the CLIP-blind selection chooses from (undefined: 4 x pairsPerPattern). */
  readonly candidatesPerPattern?: number;
  readonly zeroShotPerClass: number;
  readonly probeTrain: number;
  readonly probeTest: number;
  readonly trainImages: number;
  readonly heldOut: number;
}

/** CLIP-normalised CHW tensor data of a world image. */
function clipInput(im: WorldImage): Float32Array {
  const n = im.shape[1] * im.shape[2];
  const d = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) d[c * n + i] = (im.data[c * n + i]! - OPENAI_NORMALIZATION.mean[c]!) / OPENAI_NORMALIZATION.std[c]!;
  return d;
}

/** Rendered images, CLIP-normalised ([N, 3, R, R]). */
function clipTensorOf(images: readonly WorldImage[]): Tensor {
  return tidy(() => stack(images.map((im) => tensor(clipInput(im), { shape: [...im.shape] }))));
}

/** Images rendered at the CLIP side, CLIP-normalised ([N, 3, R, R]). */
export function clipTensor(scenes: readonly Scene[], size: number): Tensor {
  return clipTensorOf(scenes.map((s) => renderScene(s, { size })));
}

/** Images rendered at the VAE side in [-1, 1] ([N, 3, H, W]). */
export function vaeTensor(scenes: readonly Scene[], size: number): Tensor {
  return tidy(() => stack(scenes.map((s) => tensor(renderScene(s, { size }).data.map((v) => 2 * v - 1), { shape: [3, size, size] }))));
}

/** Writes the benchmark (MMVP-VLM file layout) rendered at the CLIP side, its pairs chosen by `select` if given. */
export function writeBenchmark(dir: string, seeds: WorldSeeds, sizes: DemoImageSizes, setSizes: DemoSetSizes, select?: PairSelector): Promise<SyntheticMmvp> {
  return generateMmvpBenchmark(dir, {
    size: sizes.clip,
    seed: seeds.benchmark,
    ...(setSizes.pairsPerPattern ? { pairsPerPattern: setSizes.pairsPerPattern } : {}),
    ...(setSizes.candidatesPerPattern ? { candidatesPerPattern: setSizes.candidatesPerPattern } : {}),
    ...(select ? { select } : {}),
  });
}

/** The zero-shot set as CLIP inputs by class prompt ("a circle", "an arrow": the tiny CLIP's captions never say "a photo of"). */
export function zeroShotSet(seeds: WorldSeeds, size: number, perClass: number): { images: Record<string, Tensor>; classNames: string[] } {
  const set = generateZeroShotSet({ size, seed: seeds.zeroShot, perClass });
  const images: Record<string, Tensor> = {};
  const classNames: string[] = [];
  for (const kind of set.classNames) {
    const name = withArticle(kind);
    classNames.push(name);
    images[name] = clipTensorOf(set.images[kind as ShapeKind]);
  }
  return { images, classNames };
}

/** Scenes of the training distribution from a seed and a tag (probe and held-out images). */
function sampleScenes(seed: number, tag: string, n: number): Scene[] {
  const rng = createRng(seed, tag);
  return Array.from({ length: n }, () => sampleTrainingScene(rng));
}

/** The probe's training and held-out scenes (disjoint draws of one stream). */
export function probeScenes(seeds: WorldSeeds, setSizes: DemoSetSizes): { train: Scene[]; test: Scene[] } {
  const all = sampleScenes(seeds.probe, "probe", setSizes.probeTrain + setSizes.probeTest);
  return { train: all.slice(0, setSizes.probeTrain), test: all.slice(setSizes.probeTrain) };
}

/** Held-out images of the mechanism check, in the DIVA training distribution. */
export function heldOutScenes(seeds: WorldSeeds, n: number): Scene[] {
  return sampleScenes(seeds.heldOut, "diva-held-out", n);
}

/** Writes DIVA's unlabelled training images as PNGs (rendered at the larger side; the image stream makes both views). */
export async function writeTrainingImages(dir: string, seeds: WorldSeeds, sizes: DemoImageSizes, n: number): Promise<void> {
  let i = 0;
  for (const img of take(divaImageStream({ seed: seeds.train, size: Math.max(sizes.clip, sizes.vae) }), n)) {
    await writePng(join(dir, `${String(i++).padStart(6, "0")}.png`), img);
  }
}
