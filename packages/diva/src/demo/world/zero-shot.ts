/** The zero-shot classification set: coarse classes are object kinds, every other attribute random. */
import type { WorldImage } from "./image.js";
import { withArticle } from "./phrases.js";
import { DEFAULT_IMAGE_SIZE, renderScene } from "./render.js";
import { createRng, type Seed } from "./rng.js";
import { sampleSingleObjectScene } from "./sample.js";
import type { Scene } from "./scene.js";
import { SHAPE_KINDS, type ShapeKind } from "./vocabulary.js";

/** The zero-shot set's default seed (fixed before any model was trained). */
export const DEFAULT_ZERO_SHOT_SEED = 4202;

/** Options of `generateZeroShotSet`. */
export interface ZeroShotOptions {
  /** Seed (default `DEFAULT_ZERO_SHOT_SEED`). */
  readonly seed?: Seed;
  /** Image side in pixels (default 32). */
  readonly size?: number;
  /** Images per class (default 25). */
  readonly perClass?: number;
  /** Antialiasing supersamples per pixel side (default 4). */
  readonly samples?: number;
}

/** The zero-shot set. */
export interface ZeroShotSet {
  /** Class names in label order. */
  readonly classNames: readonly ShapeKind[];
  /** Images (float CHW in [0, 1]) by class name. */
  readonly images: Readonly<Record<ShapeKind, readonly WorldImage[]>>;
  /** The scenes behind the images, by class name (same order). */
  readonly scenes: Readonly<Record<ShapeKind, readonly Scene[]>>;
}

/** The usual zero-shot prompt of a class: "a photo of a circle", "a photo of an arrow". */
export function zeroShotPrompt(kind: ShapeKind): string {
  return `a photo of ${withArticle(kind)}`;
}

/** Renders `perClass` single-object images per kind, all other attributes drawn from the training distribution. */
export function generateZeroShotSet(options: ZeroShotOptions = {}): ZeroShotSet {
  const seed = options.seed ?? DEFAULT_ZERO_SHOT_SEED;
  const perClass = options.perClass ?? 25;
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  const images = {} as Record<ShapeKind, WorldImage[]>;
  const scenes = {} as Record<ShapeKind, Scene[]>;
  for (const kind of SHAPE_KINDS) {
    const rng = createRng(seed, "zero-shot", kind);
    scenes[kind] = Array.from({ length: perClass }, () => sampleSingleObjectScene(rng, { kind }));
    images[kind] = scenes[kind].map((s) => renderScene(s, { size, samples: options.samples }));
  }
  return { classNames: SHAPE_KINDS, images, scenes };
}
