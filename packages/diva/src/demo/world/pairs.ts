/**
 * Benchmark pair builders: for each MMVP pattern, two scenes that differ in exactly one fine-grained
 * attribute of that pattern's kind, and for each scene a statement naming its kind, colour and its own
 * value of that attribute (built by the same `describeScene` that writes training captions).
 */
import { describeScene, type Mention } from "./describe.js";
import type { MmvpPatternName } from "./patterns.js";
import type { Rng } from "./rng.js";
import { plainObject, sampleJitter } from "./sample.js";
import type { Scene, WorldObject } from "./scene.js";
import {
  BACKGROUND_NAMES, COLOUR_NAMES, DIRECTION_NAMES, GLYPH_NAMES, POSITION_NAMES, SHAPE_KINDS,
  supportsDot, supportsHollow, supportsStripes, type PositionName, type ScaleName, type ShapeKind,
} from "./vocabulary.js";

/** One benchmark pair before ids and files are assigned. */
export interface ScenePair {
  /** The two scenes (odd id first). */
  readonly scenes: readonly [Scene, Scene];
  /** One statement per scene, describing that scene (scoring prefixes "a photo of "). */
  readonly statements: readonly [string, string];
  /** The scene paths that differ between the two (see `diffScenes`), declared by the builder. */
  readonly changed: readonly string[];
}

interface Draft {
  readonly a: Scene;
  readonly b: Scene;
  readonly mentions: readonly Mention[];
  readonly changed: readonly string[];
}

const MEDIUM_OR_LARGE: readonly ScaleName[] = ["medium", "large"];

function single(rng: Rng, object: WorldObject): Scene {
  return { background: rng.pick(BACKGROUND_NAMES), view: "normal", viewJitter: [0, 0], objects: [object] };
}

function baseObject(rng: Rng, kinds: readonly ShapeKind[], overrides: Partial<WorldObject> = {}): WorldObject {
  return plainObject(rng.pick(kinds), rng.pick(COLOUR_NAMES), {
    scale: rng.pick(MEDIUM_OR_LARGE), jitter: sampleJitter(rng), ...overrides,
  });
}

function withObject(scene: Scene, index: number, change: Partial<WorldObject>): Scene {
  return { ...scene, objects: scene.objects.map((o, i) => (i === index ? { ...o, ...change } : o)) };
}

function two<T>(rng: Rng, items: readonly T[]): readonly [T, T] {
  const [x, y] = rng.shuffle(items);
  return [x, y];
}

const BUILDERS: Readonly<Record<MmvpPatternName, (rng: Rng) => Draft>> = {
  "Orientation and Direction": (rng) => {
    const [d1, d2] = two(rng, DIRECTION_NAMES);
    const a = single(rng, baseObject(rng, ["arrow", "triangle"], { direction: d1 }));
    return { a, b: withObject(a, 0, { direction: d2 }), mentions: ["direction"], changed: ["objects[0].direction"] };
  },
  "Presence of Specific Features": (rng) => {
    const a = single(rng, baseObject(rng, SHAPE_KINDS.filter(supportsDot), { dot: true }));
    return { a, b: withObject(a, 0, { dot: false }), mentions: ["dot"], changed: ["objects[0].dot"] };
  },
  "State and Condition": (rng) => {
    const a = single(rng, baseObject(rng, SHAPE_KINDS.filter(supportsHollow), { fill: "filled" }));
    return { a, b: withObject(a, 0, { fill: "hollow" }), mentions: ["fill"], changed: ["objects[0].fill"] };
  },
  "Quantity and Count": (rng) => {
    const kind = rng.pick(SHAPE_KINDS);
    const colour = rng.pick(COLOUR_NAMES);
    const direction = rng.pick(kind === "arrow" || kind === "triangle" ? DIRECTION_NAMES : (["up"] as const));
    const slots = rng.shuffle(POSITION_NAMES).slice(0, 3);
    const objects = slots.map((position) => plainObject(kind, colour, {
      position, scale: "small", direction, jitter: sampleJitter(rng),
    }));
    const b: Scene = { background: rng.pick(BACKGROUND_NAMES), view: "normal", viewJitter: [0, 0], objects };
    const a: Scene = { ...b, objects: objects.slice(0, 2) };
    return { a, b, mentions: ["count"], changed: ["objects.length", "objects[2]"] };
  },
  "Positional and Relational Context": (rng) => {
    const [k1, k2] = two(rng, SHAPE_KINDS);
    const [c1, c2] = two(rng, COLOUR_NAMES);
    const line = rng.pick(["top", "middle", "bottom", "left column", "centre column", "right column"] as const);
    const slots: Record<typeof line, readonly [PositionName, PositionName]> = {
      top: ["top left", "top right"], middle: ["left", "right"], bottom: ["bottom left", "bottom right"],
      "left column": ["top left", "bottom left"], "centre column": ["top", "bottom"],
      "right column": ["top right", "bottom right"],
    };
    const [p1, p2] = slots[line];
    const o1 = plainObject(k1, c1, { position: p1, scale: "small", jitter: sampleJitter(rng) });
    const o2 = plainObject(k2, c2, { position: p2, scale: "small", jitter: sampleJitter(rng) });
    const a: Scene = { background: rng.pick(BACKGROUND_NAMES), view: "normal", viewJitter: [0, 0], objects: [o1, o2] };
    const b: Scene = { ...a, objects: [{ ...o1, position: p2 }, { ...o2, position: p1 }] };
    return { a, b, mentions: ["relation"], changed: ["objects[0].position", "objects[1].position"] };
  },
  "Color and Appearance": (rng) => {
    const [c1, c2] = two(rng, COLOUR_NAMES);
    const a = single(rng, baseObject(rng, SHAPE_KINDS, { colour: c1 }));
    return { a, b: withObject(a, 0, { colour: c2 }), mentions: [], changed: ["objects[0].colour"] };
  },
  "Structural Characteristics": (rng) => {
    const a = single(rng, baseObject(rng, SHAPE_KINDS.filter(supportsStripes), { pattern: "striped" }));
    return { a, b: withObject(a, 0, { pattern: "plain" }), mentions: ["pattern"], changed: ["objects[0].pattern"] };
  },
  Texts: (rng) => {
    const [g1, g2] = two(rng, GLYPH_NAMES);
    const a = single(rng, baseObject(rng, ["square", "circle"], { scale: "large", glyph: g1 }));
    return { a, b: withObject(a, 0, { glyph: g2 }), mentions: ["glyph"], changed: ["objects[0].glyph"] };
  },
  "Viewpoint and Perspective": (rng) => {
    const object = baseObject(rng, SHAPE_KINDS, { scale: "medium" });
    const a: Scene = {
      background: rng.pick(BACKGROUND_NAMES), view: "far", viewJitter: [rng.uniform(-1, 1), rng.uniform(-1, 1)],
      objects: [object],
    };
    return { a, b: { ...a, view: "close-up" }, mentions: ["view"], changed: ["view"] };
  },
};

/** Builds one pair of `pattern` from `rng`; which of the two scenes comes first is itself random. */
export function buildPair(pattern: MmvpPatternName, rng: Rng): ScenePair {
  const draft = BUILDERS[pattern](rng);
  const mentions = new Set<Mention>(["kind", "colour", ...draft.mentions]);
  const swap = rng.bool(0.5);
  const [first, second] = swap ? [draft.b, draft.a] : [draft.a, draft.b];
  return {
    scenes: [first, second],
    statements: [describeScene(first, mentions), describeScene(second, mentions)],
    changed: draft.changed,
  };
}
