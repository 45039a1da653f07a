/**
 * The demo's synthetic world: a deterministic procedural renderer of small RGB scenes, a synthetic
 * MMVP-VLM benchmark in the real file layout, a zero-shot set, and seeded training streams.
 */
export * from "./vocabulary.js";
export * from "./rng.js";
export * from "./scene.js";
export * from "./layout.js";
export * from "./palette.js";
export * from "./glyphs.js";
export * from "./shapes.js";
export * from "./image.js";
export * from "./render.js";
export * from "./png.js";
export * from "./sample.js";
export * from "./phrases.js";
export * from "./describe.js";
export * from "./caption.js";
export * from "./patterns.js";
export * from "./pairs.js";
export * from "./csv.js";
export * from "./benchmark.js";
export * from "./zero-shot.js";
export * from "./streams.js";
