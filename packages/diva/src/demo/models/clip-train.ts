import {
  add,
  arange,
  div,
  matmul,
  norm,
  normal,
  mean,
  mul,
  softplus,
  sub,
  sum,
  zeros,
  crossEntropy,
  exp,
  randomKey,
  tensor,
  tidy,
  transpose,
  valueAndGrad,
  type Tensor,
} from "@diva/tensor";
import { encodeImage, encodeText, initClip, type ClipParams, type OpenClipConfig } from "@diva/nn";
import { clipPairStream, clipTrainingStream, take, type CaptionedImage } from "../world/index.js";
import { DEMO_IMAGE_SIZE } from "./configs.js";
import type { WordTokenizer } from "./tokenizer.js";
import { trainLoop, type TrainLoopOptions } from "./train-loop.js";
import { OPENAI_NORMALIZATION } from "../../presets.js";

/** Options of the tiny CLIP's contrastive training. */
interface ClipTrainOptions extends Omit<TrainLoopOptions, "weightDecay"> {
  readonly seed: number;
  readonly batchSize: number;
  /** Probability that a caption mentions each fine attribute (web captions leave detail out). */
  readonly detailProbability: number;
  /** Near-duplicate pairs per batch (see `clipPairStream`; default 0), the rest from the sparse-caption stream. */
  readonly nearPairs?: number;
  /**
   * Weight of the text tower's bag-of-words loss (default 0: none): a linear head, dropped after training, reads
   * from the normalised text embedding which words the caption contains. It stands in for the language knowledge
   * a web-scale text tower brings: trained only contrastively, a text tower separates two statements no better
   * than the vision tower separates their images, so a CLIP-blind pair would also be text-blind.
   */
  readonly wordsWeight?: number;
  /** Start from these weights instead of a fresh initialisation (a continued run; the words head starts fresh). */
  readonly init?: ClipParams;
}

/** Scale of the bag-of-words logits (cosines between the text embedding and unit head rows, times this). */
const WORDS_SCALE = 10;

/** The bag-of-words head of `wordsWeight`: vocabulary logits from the normalised text embedding. */
interface WordsHead {
  weight: Tensor;
  bias: Tensor;
}

/** Multi-hot [B, V] of the token ids each caption contains (padding, start and end excluded). */
export function bagOfWords(tokenizer: WordTokenizer, captions: readonly string[]): Tensor {
  const V = tokenizer.vocabSize;
  const out = new Float32Array(captions.length * V);
  captions.forEach((c, b) => {
    for (const id of tokenizer.encode(c)) if (id > 1 && id !== tokenizer.sot && id !== tokenizer.eot) out[b * V + id] = 1;
  });
  return tensor(out, { shape: [captions.length, V] });
}

/**
 * Binary cross-entropy with logits, softplus(z) - y z, summed over the vocabulary and averaged over captions: a
 * caption's few words then weigh as much as its many absent ones (a mean over the vocabulary let the tower
 * ignore them: statements stayed at cosine 0.98-0.999 after 1500 steps).
 */
function bceWithLogits(z: Tensor, y: Tensor): Tensor {
  return mean(sum(sub(softplus(z), mul(y, z)), 1));
}

/** World images [B, 3, 32, 32] normalised like OpenAI CLIP. */
function worldBatchToTensor(items: readonly { data: Float32Array }[]): Tensor {
  const n = DEMO_IMAGE_SIZE * DEMO_IMAGE_SIZE;
  const out = new Float32Array(items.length * 3 * n);
  items.forEach((it, b) => {
    for (let c = 0; c < 3; c++) {
      const m = OPENAI_NORMALIZATION.mean[c]!;
      const s = OPENAI_NORMALIZATION.std[c]!;
      for (let i = 0; i < n; i++) out[(b * 3 + c) * n + i] = (it.data[c * n + i]! - m) / s;
    }
  });
  return tensor(out, { shape: [items.length, 3, DEMO_IMAGE_SIZE, DEMO_IMAGE_SIZE] });
}

/** Symmetric InfoNCE of open_clip: cross entropy of image->text and text->image logits, averaged. */
function contrastiveLoss(params: ClipParams, config: OpenClipConfig, images: Tensor, ids: Tensor): Tensor {
  return tidy(() => {
    const img = encodeImage(params, config, images, { normalize: true });
    const txt = encodeText(params, config, ids, { normalize: true });
    const scale = exp(params.logit_scale as Tensor);
    const logits = tidy(() => img.matmul(transpose(txt)).mul(scale));
    const labels = arange(images.shape[0]!);
    return add(crossEntropy(logits, labels), crossEntropy(transpose(logits), labels)).mul(0.5);
  });
}

/** Trains a tiny CLIP (from scratch, or on from `init`) on sparse captions of the synthetic world (AdamW, cosine schedule). */
export async function trainTinyClip(config: OpenClipConfig, tokenizer: WordTokenizer, o: ClipTrainOptions): Promise<ClipParams> {
  const stream = clipTrainingStream({ seed: o.seed, size: DEMO_IMAGE_SIZE, detailProbability: o.detailProbability });
  const pairs = clipPairStream({ seed: o.seed, size: DEMO_IMAGE_SIZE });
  const nearPairs = o.nearPairs ?? 0;
  if (!Number.isInteger(nearPairs) || nearPairs < 0 || 2 * nearPairs > o.batchSize) throw new RangeError(`CLIP training: nearPairs must be an integer in 0..batchSize / 2, got ${nearPairs}`);
  const wordsWeight = o.wordsWeight ?? 0;
  const lossGrad = valueAndGrad((p: { clip: ClipParams; words: WordsHead }, x: Tensor, ids: Tensor, bag: Tensor) =>
    tidy(() => {
      const contrastive = contrastiveLoss(p.clip, config, x, ids);
      if (wordsWeight === 0) return contrastive;
      const txt = encodeText(p.clip, config, ids, { normalize: true });
      // unit-norm head rows and a fixed scale: the head cannot grow its weights to read a word from a tiny
      // direction of the embedding, so telling two captions' words apart needs embeddings that differ
      const rows = div(p.words.weight, add(norm(p.words.weight, 2, 1, { keepdim: true }), 1e-6));
      const logits = add(matmul(mul(txt, WORDS_SCALE), transpose(rows)), p.words.bias);
      return add(contrastive, mul(bceWithLogits(logits, bag), wordsWeight));
    }),
  );
  const embed = config.embed_dim;
  const init: { clip: ClipParams; words: WordsHead } = { clip: o.init ?? initClip(randomKey(o.seed), config), words: { weight: normal(randomKey(o.seed + 7), [tokenizer.vocabSize, embed]), bias: zeros([tokenizer.vocabSize]) } };
  const trained = await trainLoop(init, { ...o, weightDecay: 0.1 }, (params) => {
    const batch: CaptionedImage[] = [...take(pairs, nearPairs).flat(), ...take(stream, o.batchSize - 2 * nearPairs)];
    const x = worldBatchToTensor(batch.map((b) => b.image));
    const captions = batch.map((b) => b.caption);
    const ids = tokenizer.tokenize(captions);
    const bag = bagOfWords(tokenizer, captions);
    const [loss, grads] = lossGrad(params, x, ids, bag);
    return { loss, grads, temporaries: [x, ids, bag] };
  }, (p) => p.clip);
  return trained.clip;
}
