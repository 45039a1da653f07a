/**
 * Random scenes for training (the tiny CLIP, the tiny diffusion model, DIVA's unlabelled images) and for
 * the zero-shot set. The MMVP benchmark scenes are built from the same object model (see `pairs.ts`),
 * so every benchmark image is in the support of this distribution.
 */
import type { Rng } from "./rng.js";
import type { Scene, WorldObject } from "./scene.js";
import {
  BACKGROUND_NAMES, COLOUR_NAMES, DIRECTION_NAMES, GLYPH_NAMES, isOriented, POSITION_NAMES, SHAPE_KINDS,
  supportsDot, supportsGlyph, supportsHollow, supportsStripes,
  type ColourName, type PositionName, type ScaleName, type ShapeKind,
} from "./vocabulary.js";

/** Probabilities of the training distribution (exported so reports can print them). */
const TRAINING_DISTRIBUTION = {
  /** Number of objects: 1, 2, 3. */
  count: [[1, 0.6], [2, 0.25], [3, 0.15]] as const,
  /** Size of a lone object. */
  scale: [["small", 0.15], ["medium", 0.5], ["large", 0.35]] as const,
  /** Probability that a lone object is centred (otherwise a uniformly chosen other slot). */
  centred: 0.5,
  /** Probability of a hollow object (kinds that allow it). */
  hollow: 0.3,
  /** Interior detail of a medium or large lone object (one at most; unsupported choices fall back to none). */
  detail: [["none", 0.55], ["dot", 0.15], ["stripes", 0.15], ["glyph", 0.15]] as const,
  /** Camera view of a single-object scene. */
  view: [["normal", 0.8], ["far", 0.1], ["close-up", 0.1]] as const,
  /** Probability that a multi-object scene repeats one kind and colour. */
  sameGroup: 0.4,
};

/** A plain, filled, centred, medium object pointing up with no details and no jitter. */
export function plainObject(kind: ShapeKind, colour: ColourName, overrides: Partial<WorldObject> = {}): WorldObject {
  return {
    kind, colour, position: "centre", scale: "medium", direction: "up", fill: "filled", pattern: "plain",
    dot: false, glyph: null, jitter: [0, 0, 0], ...overrides,
  };
}

/** Uniform nuisance jitter in [-1, 1]^3. */
export function sampleJitter(rng: Rng): readonly [number, number, number] {
  return [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
}

/** Options of `sampleObject`. */
interface ObjectOptions {
  /** Fixed kind (default: uniform). */
  readonly kind?: ShapeKind;
  /** Fixed colour (default: uniform). */
  readonly colour?: ColourName;
  /** Fixed size (default: the training distribution). */
  readonly scale?: ScaleName;
  /** Fixed slot (default: centre with probability 1/2, else another slot). */
  readonly position?: PositionName;
  /** Whether an interior detail (dot, stripes, letter) may be drawn (default true). */
  readonly details?: boolean;
}

/** One random object. */
function sampleObject(rng: Rng, options: ObjectOptions = {}): WorldObject {
  const D = TRAINING_DISTRIBUTION;
  const kind = options.kind ?? rng.pick(SHAPE_KINDS);
  const colour = options.colour ?? rng.pick(COLOUR_NAMES);
  const scale = options.scale ?? rng.weighted<ScaleName>(D.scale);
  const position = options.position
    ?? (rng.bool(D.centred) ? "centre" : rng.pick(POSITION_NAMES.filter((p) => p !== "centre")));
  const direction = isOriented(kind) ? rng.pick(DIRECTION_NAMES) : "up";
  const fill = supportsHollow(kind) && rng.bool(D.hollow) ? "hollow" : "filled";
  const detail = rng.weighted<string>(D.detail);
  const detailed = (options.details ?? true) && scale !== "small";
  const dot = detailed && detail === "dot" && supportsDot(kind);
  const striped = detailed && detail === "stripes" && supportsStripes(kind);
  const glyph = detailed && detail === "glyph" && supportsGlyph(kind) ? rng.pick(GLYPH_NAMES) : null;
  return {
    kind, colour, position, scale, direction, fill, pattern: striped ? "striped" : "plain", dot, glyph,
    jitter: sampleJitter(rng),
  };
}

/** A scene with one random object (optionally of a fixed kind), a random background and view. */
export function sampleSingleObjectScene(rng: Rng, options: ObjectOptions = {}): Scene {
  const background = rng.pick(BACKGROUND_NAMES);
  const object = sampleObject(rng, options);
  const view = rng.weighted(TRAINING_DISTRIBUTION.view);
  return { background, view, viewJitter: [rng.uniform(-1, 1), rng.uniform(-1, 1)], objects: [object] };
}

/** A scene with `count` small objects in distinct slots: one repeated kind and colour, or independent ones. */
function sampleMultiObjectScene(rng: Rng, count: number): Scene {
  const background = rng.pick(BACKGROUND_NAMES);
  const slots = rng.shuffle(POSITION_NAMES).slice(0, count);
  const same = rng.bool(TRAINING_DISTRIBUTION.sameGroup);
  const kind = rng.pick(SHAPE_KINDS);
  const colour = rng.pick(COLOUR_NAMES);
  const objects = slots.map((position) => sampleObject(rng, {
    kind: same ? kind : undefined, colour: same ? colour : undefined, scale: "small", position, details: false,
  }));
  return { background, view: "normal", viewJitter: [0, 0], objects };
}

/** One scene of the training distribution (1 to 3 objects, details and views as in `TRAINING_DISTRIBUTION`). */
export function sampleTrainingScene(rng: Rng): Scene {
  const count = rng.weighted<number>(TRAINING_DISTRIBUTION.count);
  return count === 1 ? sampleSingleObjectScene(rng) : sampleMultiObjectScene(rng, count);
}
