/**
 * CLIP zero-shot classification with the shipped tiny demo CLIP on synthetic images of the demo's world:
 *   node --conditions=source --import tsx examples/clip-zero-shot.ts [models-dir]
 *
 * The tiny CLIP (a 4-layer ViT at 32x32 with a word-level tokenizer) lives in packages/diva/assets/demo/
 * (rebuild it with `npm run demo:build-models`). The same calls (`encodeImage`, `encodeText`, cosine
 * similarity, argmax) classify with a real CLIP loaded by `loadClip` from @diva/nn.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { argmax, divaEnv, matmul, noGrad, stack, tensor, tidy, transpose, type Tensor } from "@diva/tensor";
import { encodeImage, encodeText } from "@diva/nn";
import { OPENAI_NORMALIZATION } from "@diva/core";
import { DEMO_ASSETS, DEMO_FILES, generateZeroShotSet, loadDemoModels, zeroShotPrompt, type WorldImage } from "@diva/core/demo";

const dir = process.argv[2] ?? DEMO_ASSETS;
const missing = Object.values(DEMO_FILES).filter((f) => !existsSync(join(dir, f)));
if (missing.length) {
  console.error(`clip-zero-shot: the tiny demo models are missing from ${dir} (${missing.join(", ")}); build them with: npm run demo:build-models`);
  // Exit 0 only when the caller asked to tolerate missing models (the examples test does, before they ship).
  process.exit(divaEnv("DIVA_EXAMPLES_ALLOW_MISSING_MODELS") === "1" ? 0 : 1);
}

const m = await loadDemoModels(dir);
const size = m.clipConfig.vision_cfg.image_size as number;

// A few images per class, rendered by the demo's synthetic world (one object per image; the class is its shape).
const set = generateZeroShotSet({ size, perClass: 8 });
const prompts = set.classNames.map((kind) => zeroShotPrompt(kind)); // "a photo of a circle", ...

/** CLIP's input: (x - mean) / std per channel, [3, H, W]. */
function normalise(img: WorldImage): Tensor {
  const [, h, w] = img.shape;
  const out = new Float32Array(img.data.length);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < h * w; i++) out[c * h * w + i] = (img.data[c * h * w + i]! - OPENAI_NORMALIZATION.mean[c]) / OPENAI_NORMALIZATION.std[c];
  }
  return tensor(out, { shape: [3, h, w] });
}

const labels: number[] = [];
const predictions = await noGrad(() =>
  tidy(() => {
    const images = stack(set.classNames.flatMap((kind, label) => set.images[kind].map((img) => (labels.push(label), normalise(img)))));
    const imageEmb = encodeImage(m.clip, m.clipConfig, images, { normalize: true }); // [N, E]
    const textEmb = encodeText(m.clip, m.clipConfig, m.tokenizer.tokenize(prompts), { normalize: true }); // [C, E]
    return argmax(matmul(imageEmb, transpose(textEmb)), 1); // most similar prompt per image
  }),
).data();

let correct = 0;
predictions.forEach((p, i) => {
  if (p === labels[i]) correct++;
});
console.log(`classes: ${set.classNames.join(", ")}`);
console.log(`first predictions: ${Array.from(predictions.slice(0, 6), (p) => set.classNames[p]).join(", ")}`);
console.log(`zero-shot accuracy: ${correct}/${labels.length} = ${((100 * correct) / labels.length).toFixed(1)}% (chance ${(100 / set.classNames.length).toFixed(1)}%)`);
