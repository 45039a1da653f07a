/**
 * @diva/core/demo: the built-in demo's shipped tiny models and the zero-shot set of its synthetic world, for
 * programs that use them as a user would (examples/clip-zero-shot.ts). The demo itself runs with `diva demo`.
 *
 * @example
 * ```ts
 * import { generateZeroShotSet, loadDemoModels, zeroShotPrompt } from "@diva/core/demo";
 * const m = await loadDemoModels(); // the tiny CLIP, VAE and UNet shipped in assets/demo
 * const set = generateZeroShotSet({ size: m.clipConfig.vision_cfg.image_size as number, perClass: 8 });
 * const ids = m.tokenizer.tokenize(set.classNames.map((kind) => zeroShotPrompt(kind)));
 * ```
 * @module @diva/core/demo
 */
export { DEMO_ASSETS, DEMO_FILES, loadDemoModels, type DemoModels } from "./models/store.js";
export { WordTokenizer } from "./models/tokenizer.js";
export { DEFAULT_ZERO_SHOT_SEED, generateZeroShotSet, zeroShotPrompt, type ZeroShotOptions, type ZeroShotSet } from "./world/zero-shot.js";
export type { WorldImage } from "./world/image.js";
export type { Scene, WorldObject } from "./world/scene.js";
export type { Seed } from "./world/rng.js";
export {
  SHAPE_KINDS,
  type BackgroundName, type ColourName, type DirectionName, type FillName, type GlyphName, type PatternName, type PositionName, type ScaleName, type ShapeKind, type ViewName,
} from "./world/vocabulary.js";
