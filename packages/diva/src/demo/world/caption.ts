/**
 * Captions. Training captions for the tiny CLIP name the coarse content (kind, often colour) and each
 * fine attribute only with a small probability, like web alt-text that leaves detail out; full captions
 * name everything and condition the tiny diffusion model.
 */
import { applicableAttributes, describeScene, type FineAttribute, type Mention } from "./describe.js";
import type { Rng } from "./rng.js";
import type { Scene } from "./scene.js";

/** Options of the sparse (web-like) captions. */
interface CaptionOptions {
  /** Random source deciding what is mentioned. */
  readonly rng: Rng;
  /** Probability that each applicable fine attribute is mentioned (default `DEFAULT_DETAIL_PROBABILITY`). */
  readonly detailProbability?: number;
  /** Probability that colours are mentioned (default `DEFAULT_COLOUR_PROBABILITY`). */
  readonly colourProbability?: number;
}

/** Default probability of mentioning a fine attribute. */
const DEFAULT_DETAIL_PROBABILITY = 0.15;
/** Default probability of mentioning colour. */
const DEFAULT_COLOUR_PROBABILITY = 0.5;

/** What a sparse caption mentions. */
interface CaptionPlan {
  /** Everything mentioned (always includes "kind"). */
  readonly mentions: ReadonlySet<Mention>;
  /** The fine attributes the scene offered. */
  readonly applicable: readonly FineAttribute[];
  /** The fine attributes actually mentioned. */
  readonly mentioned: readonly FineAttribute[];
}

/** Draws which attributes a sparse caption of `scene` mentions (one draw for colour, one per applicable fine attribute). */
export function planCaption(scene: Scene, options: CaptionOptions): CaptionPlan {
  const p = options.detailProbability ?? DEFAULT_DETAIL_PROBABILITY;
  const pc = options.colourProbability ?? DEFAULT_COLOUR_PROBABILITY;
  const mentions = new Set<Mention>(["kind"]);
  if (options.rng.bool(pc)) mentions.add("colour");
  const applicable = applicableAttributes(scene);
  const mentioned: FineAttribute[] = [];
  for (const a of applicable) {
    if (options.rng.bool(p)) {
      mentions.add(a);
      mentioned.push(a);
    }
  }
  return { mentions, applicable, mentioned };
}

/** A sparse caption: coarse content, colour sometimes, each fine attribute with probability `detailProbability`. */
export function captionFor(scene: Scene, options: CaptionOptions): string {
  return describeScene(scene, planCaption(scene, options).mentions);
}

/** A caption mentioning every applicable attribute (for the tiny diffusion model's text conditioning). */
export function fullCaptionFor(scene: Scene): string {
  return describeScene(scene, new Set<Mention>(["kind", "colour", ...applicableAttributes(scene)]));
}
