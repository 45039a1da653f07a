import { argmax, mean, nameRecord, noGrad, stack, tidy, type Tensor } from "@diva/tensor";
import type { ClipForEval } from "./clip-model.js";
import { cosineSimilarity, l2Normalize } from "./similarity.js";
import { OPENAI_IMAGENET_TEMPLATES } from "./templates.js";

/** Result of a zero-shot evaluation. */
export interface ZeroShotResult {
  /** Top-1 accuracy in [0, 1]. */
  readonly accuracy: number;
  /** Top-1 accuracy per class name. */
  readonly perClass: Record<string, number>;
  /** Number of images scored. */
  readonly count: number;
}

/**
 * The zero-shot classifier's weights: for each class, the normalised mean of the normalised text embeddings of
 * its prompts (`templates` with `{}` replaced by the class name) ([C, E], no gradient).
 */
export function zeroShotClassEmbeddings(clip: ClipForEval, classNames: readonly string[], templates: readonly string[] = OPENAI_IMAGENET_TEMPLATES): Tensor {
  if (classNames.length === 0) throw new Error("evalZeroShot: no classes");
  if (templates.length === 0) throw new Error("evalZeroShot: no prompt templates");
  return noGrad(() =>
    tidy(() => l2Normalize(stack(classNames.map((c) => mean(l2Normalize(clip.encodeText(templates.map((t) => t.replaceAll("{}", c)))), 0))))),
  );
}

/** Predicted class indices for normalised images [N, 3, R, R] given {@link zeroShotClassEmbeddings}. */
export async function zeroShotPredict(clip: ClipForEval, classEmbeddings: Tensor, images: Tensor): Promise<Int32Array> {
  const pred = await noGrad(() => tidy(() => argmax(cosineSimilarity(clip.encodeImage(images), classEmbeddings), 1))).data();
  return Int32Array.from(pred);
}

/**
 * Zero-shot classification with prompt-template ensembling: each class's text embedding is the normalised mean
 * of its normalised template embeddings; an image is assigned the most similar class.
 *
 * @param imagesByClass normalised image tensors [N, 3, R, R] per class name.
 * @param templates prompt templates with `{}` for the class name (default: OpenAI's ImageNet set).
 */
export async function evalZeroShot(
  clip: ClipForEval,
  imagesByClass: Readonly<Record<string, Tensor>>,
  classNames: readonly string[],
  templates: readonly string[] = OPENAI_IMAGENET_TEMPLATES,
): Promise<ZeroShotResult> {
  for (const c of Object.keys(imagesByClass)) if (!classNames.includes(c)) throw new Error(`evalZeroShot: images for unknown class "${c}"`);
  const classEmb = zeroShotClassEmbeddings(clip, classNames, templates);
  let correct = 0;
  let count = 0;
  const perClass = nameRecord<number>(); // keyed by class names
  try {
    for (const [name, images] of Object.entries(imagesByClass)) {
      const target = classNames.indexOf(name);
      const pred = await zeroShotPredict(clip, classEmb, images);
      const ok = pred.filter((p) => p === target).length;
      perClass[name] = ok / pred.length;
      correct += ok;
      count += pred.length;
    }
  } finally {
    classEmb.dispose();
  }
  return { accuracy: count ? correct / count : 0, perClass, count };
}
