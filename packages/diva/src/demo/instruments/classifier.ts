/**
 * A small seeded CNN attribute classifier for the VAE fidelity check: three 3x3 stride-2 convolutions (overlapping
 * windows, so single-pixel detail such as dots and glyph strokes still reaches the features), then a linear layer
 * over the map average-pooled to about 4 x 4 (where things are: relations, positions) and over its spatial mean
 * (how much of something: counts). Trained with AdamW and a cosine schedule; cheap enough for the CPU.
 */
import {
  argmax, avgPool2d, concat, crossEntropy, mean, dispose, foldIn, indexSelect, keep, noGrad, random, randomKey, relu, tensor, tidy, valueAndGrad,
  type Tensor,
} from "@diva/tensor";
import { adamwInit, adamwStep, applyConv2d, applyLinear, cosineWithWarmup, initConv2d, initLinear, type Conv2dParams, type LinearParams } from "@diva/nn";

/** Training options of the classifier. */
export interface ClassifierOptions {
  /** Channels of the three convolutions (default [16, 32, 64]). */
  readonly channels?: readonly [number, number, number];
  /** Optimizer steps (default 300: enough for count and relation at 32 x 32 with 400 training images). */
  readonly steps?: number;
  /** Images per step (default 32). */
  readonly batchSize?: number;
  /** Peak learning rate (default 3e-3). */
  readonly lr?: number;
  /** Seed of the initialisation and the batch order (default 0). */
  readonly seed?: number;
}

/** The classifier's parameters. */
export interface ClassifierParams {
  conv1: Conv2dParams;
  conv2: Conv2dParams;
  conv3: Conv2dParams;
  head: LinearParams;
}

/** Labelled images: `images` holds N CHW images of side `size` with values in [0, 1]; `labels` class indices. */
export interface LabelledImages {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly size: number;
}

/** Side of the map after the three stride-2 convolutions (padding 1). */
const reduced = (size: number) => Math.ceil(Math.ceil(Math.ceil(size / 2) / 2) / 2);
/** Average-pooling window that brings a map of side `side` down to about 4 x 4 (few weights, coarse positions kept). */
const poolKernel = (side: number) => Math.max(1, Math.floor(side / 4));
/** Side of the pooled grid. */
const gridSide = (size: number) => Math.floor((reduced(size) - poolKernel(reduced(size))) / poolKernel(reduced(size))) + 1;

function logits(p: ClassifierParams, x: Tensor): Tensor {
  return tidy(() => {
    // inputs in [0, 1] centred to [-1, 1]
    let h = relu(applyConv2d(p.conv1, x.mul(2).sub(1), { stride: 2, padding: 1 }));
    h = relu(applyConv2d(p.conv2, h, { stride: 2, padding: 1 }));
    h = relu(applyConv2d(p.conv3, h, { stride: 2, padding: 1 }));
    // the flattened map keeps where features are; their spatial mean makes amounts (counts, areas) linear to read
    const b = x.shape[0]!;
    const k = poolKernel(h.shape[2]!);
    const grid = k > 1 ? avgPool2d(h, k, { stride: k }) : h;
    return applyLinear(p.head, concat([grid.reshape([b, -1]), mean(h, [2, 3])], 1));
  });
}

function checkData(data: LabelledImages, numClasses: number, what: string): number {
  const per = 3 * data.size * data.size;
  const n = data.labels.length;
  if (data.images.length !== n * per) throw new RangeError(`classifier: ${what} has ${data.images.length} values for ${n} images of 3x${data.size}x${data.size}`);
  for (let i = 0; i < n; i++) {
    const y = data.labels[i]!;
    if (!(y >= 0 && y < numClasses)) throw new RangeError(`classifier: ${what} label ${i} is ${y}, outside 0..${numClasses - 1}`);
  }
  return n;
}

/** Trains a fresh classifier on `train` (deterministic for a seed). The caller disposes the result. */
export async function trainClassifier(train: LabelledImages, numClasses: number, options: ClassifierOptions = {}): Promise<ClassifierParams> {
  if (!(Number.isInteger(numClasses) && numClasses >= 2)) throw new RangeError(`classifier: needs at least 2 classes, got ${numClasses}`);
  const n = checkData(train, numClasses, "training set");
  if (n === 0) throw new RangeError("classifier: the training set is empty");
  const [c1, c2, c3] = options.channels ?? [16, 32, 64];
  const batch = Math.min(options.batchSize ?? 32, n);
  const total = options.steps ?? 300;
  if (!(Number.isInteger(total) && total >= 1)) throw new RangeError(`classifier: steps must be a positive integer, got ${total}`);
  const seed = options.seed ?? 0;
  const key = randomKey(seed);
  const s = train.size;
  let params: ClassifierParams = keep({
    conv1: initConv2d(foldIn(key, 1), { in_channels: 3, out_channels: c1, kernel_size: 3 }),
    conv2: initConv2d(foldIn(key, 2), { in_channels: c1, out_channels: c2, kernel_size: 3 }),
    conv3: initConv2d(foldIn(key, 3), { in_channels: c2, out_channels: c3, kernel_size: 3 }),
    head: initLinear(foldIn(key, 4), { in_features: c3 * gridSide(s) ** 2 + c3, out_features: numClasses }),
  });
  const images = tensor(train.images, { shape: [n, 3, s, s] });
  const labels = tensor(train.labels, { dtype: "int32", shape: [n] });
  const lossGrad = valueAndGrad((p: ClassifierParams, x: Tensor, y: Tensor) => crossEntropy(logits(p, x), y));
  const perEpoch = Math.ceil(n / batch);
  let opt = adamwInit<ClassifierParams>();
  try {
    for (let step = 0; step < total; step++) {
      const epoch = Math.floor(step / perEpoch);
      const order = random.samplePermutation(foldIn(key, 100 + epoch), n);
      const start = (step % perEpoch) * batch;
      const idx = tensor(order.slice(start, Math.min(n, start + batch)), { dtype: "int32" });
      const x = indexSelect(images, 0, idx);
      const y = indexSelect(labels, 0, idx);
      const [loss, grads] = lossGrad(params, x, y);
      const lr = cosineWithWarmup(step, { lr: options.lr ?? 3e-3, totalSteps: total, warmupSteps: Math.ceil(total * 0.05) });
      const [next, nextOpt] = adamwStep(params, grads, opt, { lr, weightDecay: 1e-4 }, lr);
      // reading the loss keeps the queue bounded on asynchronous backends
      await loss.data();
      dispose([loss, grads, idx, x, y, params, opt.m, opt.v]);
      params = next;
      opt = nextOpt;
    }
  } finally {
    dispose([images, labels, opt.m, opt.v]);
  }
  return params;
}

/** Predicted class of each image ([N, 3, size, size] values in [0, 1]), in chunks of `chunk`. */
export async function predictClasses(params: ClassifierParams, images: Tensor, chunk = 128): Promise<Int32Array> {
  const n = images.shape[0]!;
  const out = new Int32Array(n);
  for (let start = 0; start < n; start += chunk) {
    const idx = tensor(Int32Array.from({ length: Math.min(chunk, n - start) }, (_, i) => start + i), { dtype: "int32" });
    const pred = noGrad(() => tidy(() => argmax(logits(params, indexSelect(images, 0, idx)), 1)));
    const values = await pred.data();
    dispose([idx, pred]);
    for (let i = 0; i < values.length; i++) out[start + i] = Number(values[i]);
  }
  return out;
}

/** Fraction of predictions equal to the labels. */
export function accuracy(predicted: Int32Array, labels: Int32Array): number {
  if (predicted.length !== labels.length) throw new RangeError(`accuracy: ${predicted.length} predictions for ${labels.length} labels`);
  if (labels.length === 0) return NaN;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hits++;
  return hits / labels.length;
}
