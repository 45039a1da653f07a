import { argmax, mean, noGrad, stack, tidy, type Tensor } from "@diva/tensor";
import type { ClipForEval } from "./clip-model.js";
import { cosineSimilarity, l2Normalize } from "./similarity.js";
import { OPENAI_IMAGENET_TEMPLATES } from "./templates.js";

/** Result of a zero-shot evaluation. */
export interface ZeroShotResult {
  /** Top-1 accuracy in [0, 1]. */
  readonly accuracy: number;
  readonly perClass: Record<string, number>;
  readonly count: number;
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
  const classEmb = noGrad(() =>
    tidy(() =>
      l2Normalize(stack(classNames.map((c) => mean(l2Normalize(clip.encodeText(templates.map((t) => t.replaceAll("{}", c)))), 0)))),
    ),
  );
  let correct = 0;
  let count = 0;
  const perClass: Record<string, number> = {};
  for (const [name, images] of Object.entries(imagesByClass)) {
    const target = classNames.indexOf(name);
    const pred = await noGrad(() => tidy(() => argmax(cosineSimilarity(clip.encodeImage(images), classEmb), 1))).data();
    const ok = Array.from(pred).filter((p) => p === target).length;
    perClass[name] = ok / pred.length;
    correct += ok;
    count += pred.length;
  }
  classEmb.dispose();
  return { accuracy: count ? correct / count : 0, perClass, count };
}

