/**
 * Endless, seeded training streams. Each stream draws from its own tag ("clip-train",
 * "diffusion-train", "diva-train"), none of which the benchmark ("mmvp") or the zero-shot set
 * ("zero-shot") uses, so no training image replays a benchmark draw. Captions draw from a separate
 * sub-stream, so changing the caption options never changes the images.
 */
import { captionFor, fullCaptionFor } from "./caption.js";
import type { WorldImage } from "./image.js";
import { DEFAULT_IMAGE_SIZE, renderScene } from "./render.js";
import { createRng, type Seed } from "./rng.js";
import { sampleTrainingScene } from "./sample.js";
import type { Scene } from "./scene.js";
import { buildPair } from "./pairs.js";
import { MMVP_PATTERN_NAMES, type MmvpPatternName } from "./patterns.js";

/** Stream tags (the benchmark uses "mmvp", the zero-shot set "zero-shot"). */
const STREAM_TAGS = { clip: "clip-train", clipPairs: "clip-train-pairs", diffusion: "diffusion-train", diffusionPairs: "diffusion-train-pairs", diva: "diva-train" } as const;

/** Options common to the streams. */
interface StreamOptions {
  /** Seed of the stream. */
  readonly seed: Seed;
  /** Image side in pixels (default 32). */
  readonly size?: number;
  /** Antialiasing supersamples per pixel side (default 4). */
  readonly samples?: number;
}

/** Options of the CLIP stream's sparse captions. */
interface ClipStreamOptions extends StreamOptions {
  /** Probability of mentioning each fine attribute (default 0.15). */
  readonly detailProbability?: number;
  /** Probability of mentioning colours (default 0.5). */
  readonly colourProbability?: number;
}

/** An image, its caption and the scene behind both. */
export interface CaptionedImage {
  /** Float CHW image in [0, 1]. */
  readonly image: WorldImage;
  /** Caption text. */
  readonly caption: string;
  /** The scene. */
  readonly scene: Scene;
}

function* scenes(seed: Seed, tag: string): Generator<Scene, never> {
  const rng = createRng(seed, tag);
  for (;;) yield sampleTrainingScene(rng);
}

/** (image, sparse caption) pairs for training the tiny CLIP contrastively. */
export function* clipTrainingStream(options: ClipStreamOptions): Generator<CaptionedImage, void> {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  const rng = createRng(options.seed, STREAM_TAGS.clip, "caption");
  for (const scene of scenes(options.seed, STREAM_TAGS.clip)) {
    const caption = captionFor(scene, {
      rng, detailProbability: options.detailProbability, colourProbability: options.colourProbability,
    });
    yield { image: renderScene(scene, { size, samples: options.samples }), caption, scene };
  }
}

/**
 * Near-duplicate pairs for the tiny CLIP: two scenes that differ in one fine attribute (pattern drawn uniformly,
 * built by the benchmark's pair builder from this stream's own tag), each captioned with its statement (kind,
 * colour and its value of that attribute). Put in one batch, the two images can only be matched to their
 * captions through the attribute, as web data sometimes shows near-identical photos captioned by what differs.
 */
export function* clipPairStream(options: StreamOptions): Generator<readonly [CaptionedImage, CaptionedImage], void> {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  const rng = createRng(options.seed, STREAM_TAGS.clipPairs);
  for (;;) {
    const pair = buildPair(rng.pick(MMVP_PATTERN_NAMES), rng);
    const item = (j: 0 | 1): CaptionedImage => ({ image: renderScene(pair.scenes[j], { size, samples: options.samples }), caption: pair.statements[j], scene: pair.scenes[j] });
    yield [item(0), item(1)];
  }
}

/** (image, full caption) pairs for training the tiny diffusion model's text conditioning. */
export function* diffusionTrainingStream(options: StreamOptions): Generator<CaptionedImage, void> {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  for (const scene of scenes(options.seed, STREAM_TAGS.diffusion)) {
    yield { image: renderScene(scene, { size, samples: options.samples }), caption: fullCaptionFor(scene), scene };
  }
}

/**
 * Near-duplicate pairs for the tiny UNet: two scenes that differ in one fine attribute (pattern drawn uniformly
 * from `patterns`, default all nine, from this stream's own tag), each with its full caption, so a caption-contrast
 * loss can ask the UNet to denoise each image better under its own caption than under its partner's.
 */
export function* diffusionPairStream(options: StreamOptions & { readonly patterns?: readonly MmvpPatternName[] }): Generator<readonly [CaptionedImage, CaptionedImage], void> {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  const patterns = options.patterns ?? MMVP_PATTERN_NAMES;
  for (const p of patterns) {
    if (!MMVP_PATTERN_NAMES.includes(p)) throw new RangeError(`diffusionPairStream: unknown pattern "${String(p)}" (known: ${MMVP_PATTERN_NAMES.join(", ")})`);
  }
  if (patterns.length === 0) throw new RangeError("diffusionPairStream: patterns must name at least one pattern");
  const rng = createRng(options.seed, STREAM_TAGS.diffusionPairs);
  for (;;) {
    const pair = buildPair(rng.pick(patterns), rng);
    const item = (j: 0 | 1): CaptionedImage => ({ image: renderScene(pair.scenes[j], { size, samples: options.samples }), caption: fullCaptionFor(pair.scenes[j]), scene: pair.scenes[j] });
    yield [item(0), item(1)];
  }
}

/** Unlabelled images for DIVA post-training (DIVA uses images only). */
export function* divaImageStream(options: StreamOptions): Generator<WorldImage, void> {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  for (const scene of scenes(options.seed, STREAM_TAGS.diva)) yield renderScene(scene, { size, samples: options.samples });
}

/** The next `n` values of an iterator. */
export function take<T>(iterator: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = iterator.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}
