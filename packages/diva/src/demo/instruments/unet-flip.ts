/**
 * Instrument check 3, the UNet uses the attributes: per pattern, images of pairs that differ in that pattern's
 * attribute are noised at timesteps in [50, 400], and the UNet's noise-prediction error with the image's true full
 * caption is compared with the error under its partner's full caption (the same caption with that one attribute
 * flipped), with the same noise and timestep for both. One-sided paired t-test over images: the check passes for a
 * pattern when the flipped caption's error is higher with p < alpha.
 */
import { concat, foldIn, mean, noGrad, normal, randint, randomKey, square, sub, tensor, tidy, type RandomKey, type Tensor } from "@diva/tensor";
import { fullCaptionFor, type MmvpPatternName, type Seed } from "../world/index.js";
import { pairedTTest } from "./paired-t.js";
import { checkPatterns, INSTRUMENT_PATTERNS, PATTERN_ATTRIBUTES, patternPairs, renderScenes } from "./pattern-samples.js";

/** A text-conditioned latent denoiser under test. */
export interface CaptionDenoiser {
  /** Clean latents of images [B, 3, H, W] in [0, 1] (any per-image shape). */
  latents(images: Tensor): Tensor;
  /** Forward diffusion of clean latents to timesteps `t` ([B] int32). */
  addNoise(z0: Tensor, noise: Tensor, t: Tensor): Tensor;
  /** The predicted noise for noisy latents, with one caption per batch element. */
  predictNoise(zt: Tensor, t: Tensor, captions: readonly string[]): Tensor;
  /** Number of training timesteps (valid t are 0 .. timesteps - 1). */
  readonly timesteps: number;
}

/** One image with its true full caption and the caption with the pattern's attribute flipped. */
export interface CaptionFlipSample {
  /** CHW pixels in [0, 1]. */
  readonly pixels: Float32Array;
  readonly trueCaption: string;
  readonly flippedCaption: string;
}

/** Options of one pattern's paired test. */
export interface FlipTestOptions {
  /** Image side of the samples. */
  readonly imageSize: number;
  /** Inclusive timestep range (default [50, 400]). */
  readonly timesteps?: readonly [number, number];
  /** Noise/timestep draws per image, averaged per image (default 1). */
  readonly draws?: number;
  /** Images per forward (default 50; each forward runs both captions, so twice as many rows). */
  readonly batchSize?: number;
  /** Key of the noise and timestep draws. */
  readonly key: RandomKey;
}

/** One pattern's paired comparison. */
export interface FlipTest {
  readonly images: number;
  readonly draws: number;
  /** Samples whose flipped caption is the same text as the true one (the caption cannot express the change). */
  readonly identicalCaptions: number;
  /** Mean error with the true caption. */
  readonly meanTrue: number;
  /** Mean error with the flipped caption. */
  readonly meanFlipped: number;
  /** Mean of (flipped - true) per image. */
  readonly meanDifference: number;
  readonly sd: number;
  readonly t: number;
  readonly df: number;
  /** One-sided p-value of "flipped error > true error". */
  readonly p: number;
}

/** Mean squared error per batch row. */
const rowMse = (pred: Tensor, target: Tensor): Tensor => tidy(() => mean(square(sub(pred, target)).reshape([pred.shape[0]!, -1]), 1));

function checkTimesteps(range: readonly [number, number], timesteps: number): void {
  const [lo, hi] = range;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && lo <= hi && hi < timesteps)) {
    throw new RangeError(`UNet flip: timestep range [${lo}, ${hi}] must be integers with 0 <= lo <= hi < ${timesteps}`);
  }
}

/** Runs the paired comparison on `samples`: same noise and timestep for both captions of an image. */
export async function flipTest(denoiser: CaptionDenoiser, samples: readonly CaptionFlipSample[], options: FlipTestOptions): Promise<FlipTest> {
  const range = options.timesteps ?? [50, 400];
  checkTimesteps(range, denoiser.timesteps);
  const draws = options.draws ?? 1;
  if (!(Number.isInteger(draws) && draws >= 1)) throw new RangeError(`UNet flip: draws must be a positive integer, got ${draws}`);
  const batch = options.batchSize ?? 50;
  const n = samples.length;
  if (n < 2) throw new RangeError(`UNet flip: needs at least 2 images, got ${n}`);
  const s = options.imageSize;
  const per = 3 * s * s;
  for (const [i, x] of samples.entries()) {
    if (x.pixels.length !== per) throw new RangeError(`UNet flip: sample ${i} has ${x.pixels.length} values, expected 3x${s}x${s}`);
  }
  const errTrue = new Float64Array(n);
  const errFlipped = new Float64Array(n);
  for (let start = 0, b = 0; start < n; start += batch, b++) {
    const chunk = samples.slice(start, start + batch);
    const m = chunk.length;
    const pixels = new Float32Array(m * per);
    chunk.forEach((x, i) => pixels.set(x.pixels, i * per));
    const images = tensor(pixels, { shape: [m, 3, s, s] });
    const captions = [...chunk.map((x) => x.trueCaption), ...chunk.map((x) => x.flippedCaption)];
    try {
      const z0 = noGrad(() => denoiser.latents(images));
      try {
        for (let d = 0; d < draws; d++) {
          const key = foldIn(foldIn(options.key, b), d);
          const err = noGrad(() =>
            tidy(() => {
              const noise = normal(foldIn(key, 0), z0.shape);
              const t = randint(foldIn(key, 1), [m], range[0], range[1] + 1);
              const zt = denoiser.addNoise(z0, noise, t);
              // both captions in one forward: rows 0..m-1 true, m..2m-1 flipped, same latents, noise and t
              const pred = denoiser.predictNoise(concat([zt, zt], 0), concat([t, t], 0), captions);
              return rowMse(pred, concat([noise, noise], 0));
            }),
          );
          const values = await err.data();
          err.dispose();
          for (let i = 0; i < m; i++) {
            errTrue[start + i] += values[i]! / draws;
            errFlipped[start + i] += values[m + i]! / draws;
          }
        }
      } finally {
        z0.dispose();
      }
    } finally {
      images.dispose();
    }
  }
  const diff = errFlipped.map((f, i) => f - errTrue[i]!);
  const test = pairedTTest(diff);
  const avg = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
  return {
    images: n, draws, identicalCaptions: samples.filter((x) => x.trueCaption === x.flippedCaption).length,
    meanTrue: avg(errTrue), meanFlipped: avg(errFlipped), meanDifference: test.mean, sd: test.sd, t: test.t, df: test.df, p: test.pOneSided,
  };
}

/**
 * `images` samples of `pattern`: both images of each pair from world seed `worldSeed`, each with its own full
 * caption and its partner's (the pair differs only in the pattern's attribute, so the partner's full caption is
 * the true caption with that attribute flipped).
 */
export function captionFlipSamples(worldSeed: Seed, pattern: MmvpPatternName, images: number, imageSize: number): CaptionFlipSample[] {
  const pairs = patternPairs(worldSeed, "unet-flip", pattern, Math.ceil(images / 2));
  const scenes = pairs.flatMap((p) => p.scenes).slice(0, images);
  const pixels = renderScenes(scenes, imageSize);
  const per = 3 * imageSize * imageSize;
  return scenes.map((scene, i) => ({
    pixels: pixels.subarray(i * per, (i + 1) * per),
    trueCaption: fullCaptionFor(scene),
    flippedCaption: fullCaptionFor(pairs[i >> 1]!.scenes[1 - (i & 1)]!),
  }));
}

/** Options of the whole check. */
export interface UnetFlipOptions {
  /** World seed the pairs are drawn from. */
  readonly worldSeed: Seed;
  /** Image side the VAE sees. */
  readonly imageSize: number;
  /** Images per pattern (default 500). */
  readonly imagesPerPattern?: number;
  /** Inclusive timestep range (default [50, 400]). */
  readonly timesteps?: readonly [number, number];
  /** Significance level (default 0.01). */
  readonly alpha?: number;
  /** Noise/timestep draws per image (default 1). */
  readonly draws?: number;
  readonly batchSize?: number;
  /** Seed of the noise and timestep draws (default 0). */
  readonly seed?: number;
  /** Patterns to check (default all nine). */
  readonly patterns?: readonly string[];
  onProgress?(message: string): void;
}

/** One pattern's line of the check. */
export interface PatternFlip extends FlipTest {
  readonly pattern: MmvpPatternName;
  readonly attribute: string;
  /** One sample's captions, to show what was compared. */
  readonly example: { readonly trueCaption: string; readonly flippedCaption: string };
  readonly pass: boolean;
}

/** Result of the UNet flip check. */
export interface UnetFlipResult {
  readonly timesteps: readonly [number, number];
  readonly alpha: number;
  readonly patterns: readonly PatternFlip[];
  readonly pass: boolean;
}

/** Runs the check for every pattern. */
export async function checkUnetFlip(denoiser: CaptionDenoiser, options: UnetFlipOptions): Promise<UnetFlipResult> {
  const timesteps = options.timesteps ?? [50, 400];
  checkTimesteps(timesteps, denoiser.timesteps);
  const alpha = options.alpha ?? 0.01;
  const count = options.imagesPerPattern ?? 500;
  const results: PatternFlip[] = [];
  for (const pattern of checkPatterns(options.patterns)) {
    const samples = captionFlipSamples(options.worldSeed, pattern, count, options.imageSize);
    const r = await flipTest(denoiser, samples, {
      imageSize: options.imageSize, timesteps, draws: options.draws, batchSize: options.batchSize, key: foldIn(randomKey(options.seed ?? 0), INSTRUMENT_PATTERNS.indexOf(pattern)),
    });
    const attribute = PATTERN_ATTRIBUTES[pattern].name;
    const pass = r.meanDifference > 0 && r.p < alpha;
    results.push({ pattern, attribute, example: { trueCaption: samples[0]!.trueCaption, flippedCaption: samples[0]!.flippedCaption }, ...r, pass });
    options.onProgress?.(`UNet flip ${attribute}: flipped - true ${r.meanDifference.toExponential(2)}, t ${r.t.toFixed(2)}, p ${r.p.toExponential(1)}: ${pass ? "pass" : "fail"}`);
  }
  return { timesteps, alpha, patterns: results, pass: results.every((r) => r.pass) };
}
