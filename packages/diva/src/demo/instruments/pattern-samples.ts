/**
 * Labelled images for the instrument checks: for each MMVP pattern, pairs of scenes built by the benchmark's own
 * pair builder (so they differ in exactly that pattern's attribute), drawn from a world seed under tags the
 * benchmark ("mmvp") and the training streams never use, and the attribute's value in each scene as a label read
 * off the scene description.
 */
import { MMVP_PATTERNS } from "../../eval/mmvp.js";
import {
  buildPair, createRng, POSITION_NAMES, renderScene, type MmvpPatternName, type Scene, type ScenePair, type Seed,
} from "../world/index.js";

/** The attribute a pattern's pairs differ in, and how to read its value off a scene. */
export interface PatternAttribute {
  /** Short name ("direction", "dot", ...). */
  readonly name: string;
  /** The value the image shows (the classifier's label); a pair's two scenes always get different values. */
  readonly label: (scene: Scene) => string;
}

/** The object in the earliest slot in reading order (top row first, left to right). */
function firstInReadingOrder(scene: Scene): Scene["objects"][number] {
  const objects = [...scene.objects].sort((a, b) => POSITION_NAMES.indexOf(a.position) - POSITION_NAMES.indexOf(b.position));
  if (objects.length === 0) throw new Error("instruments: a relation scene has no objects");
  return objects[0]!;
}

const first = (scene: Scene): Scene["objects"][number] => {
  const o = scene.objects[0];
  if (!o) throw new Error("instruments: a single-object scene has no object");
  return o;
};

/**
 * Per pattern, the attribute its pairs change. Relation pairs swap two objects' slots, and "which object is the
 * subject" is not visible in an image, so its label is what the swap changes visibly: the colour of the object in
 * the first slot (the left one in a row, the upper one in a column); the two objects always have different colours.
 */
export const PATTERN_ATTRIBUTES: Readonly<Record<MmvpPatternName, PatternAttribute>> = {
  "Orientation and Direction": { name: "direction", label: (s) => first(s).direction },
  "Presence of Specific Features": { name: "dot", label: (s) => (first(s).dot ? "dot" : "no dot") },
  "State and Condition": { name: "fill", label: (s) => first(s).fill },
  "Quantity and Count": { name: "count", label: (s) => String(s.objects.length) },
  "Positional and Relational Context": { name: "relation", label: (s) => firstInReadingOrder(s).colour },
  "Color and Appearance": { name: "colour", label: (s) => first(s).colour },
  "Structural Characteristics": { name: "stripes", label: (s) => first(s).pattern },
  Texts: { name: "glyph", label: (s) => first(s).glyph ?? "none" },
  "Viewpoint and Perspective": { name: "view", label: (s) => s.view },
};

/** The nine patterns in benchmark order. */
export const INSTRUMENT_PATTERNS: readonly MmvpPatternName[] = MMVP_PATTERNS;

/** Checks a pattern list from options (names are compared exactly). */
export function checkPatterns(patterns: readonly string[] | undefined): readonly MmvpPatternName[] {
  if (patterns === undefined) return INSTRUMENT_PATTERNS;
  if (patterns.length === 0) throw new Error("instruments: the pattern list is empty");
  for (const p of patterns) {
    if (!(INSTRUMENT_PATTERNS as readonly string[]).includes(p)) throw new Error(`instruments: unknown pattern "${p}" (known: ${INSTRUMENT_PATTERNS.join(", ")})`);
  }
  return patterns as readonly MmvpPatternName[];
}

/**
 * `count` pairs of `pattern` from world seed `worldSeed` for the check named `purpose` ("vae-fidelity",
 * "unet-flip"): pair k is a pure function of (worldSeed, purpose, pattern, k), so the checks share no pair with
 * each other or with the benchmark.
 */
export function patternPairs(worldSeed: Seed, purpose: string, pattern: MmvpPatternName, count: number): ScenePair[] {
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`instruments: pair count must be a non-negative integer, got ${count}`);
  return Array.from({ length: count }, (_, k) => buildPair(pattern, createRng(worldSeed, "instruments", purpose, pattern, k)));
}

/** Renders scenes into one [N, 3, size, size] buffer of values in [0, 1] (CHW per image). */
export function renderScenes(scenes: readonly Scene[], size: number): Float32Array {
  if (!(Number.isInteger(size) && size >= 4 && size <= 1024)) throw new RangeError(`instruments: image size must be an integer in 4..1024, got ${size}`);
  const per = 3 * size * size;
  const out = new Float32Array(scenes.length * per);
  scenes.forEach((scene, i) => out.set(renderScene(scene, { size }).data, i * per));
  return out;
}
