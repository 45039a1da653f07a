/**
 * Instrument check 2, VAE fidelity: per pattern, a small classifier trained on real images of the world reads the
 * pattern's attribute from held-out originals and from the same images after a VAE round trip. The check passes
 * for an attribute when the round trips cost at most `tolerance` accuracy; when the classifier cannot read the
 * attribute from originals either (accuracy below halfway from chance to 1), the attribute is "inconclusive".
 */
import { clamp, concat, dispose, indexSelect, noGrad, tensor, tidy, type Tensor } from "@diva/tensor";
import type { MmvpPatternName, Seed } from "../world/index.js";
import { accuracy, predictClasses, trainClassifier, type ClassifierOptions } from "./classifier.js";
import { checkPatterns, PATTERN_ATTRIBUTES, patternPairs, renderScenes } from "./pattern-samples.js";

/** A VAE round trip: images [B, 3, H, W] in [0, 1] -> reconstructions of the same shape in [0, 1]. */
export type RoundTrip = (images: Tensor) => Tensor;

/** Options of the VAE fidelity check. */
export interface VaeFidelityOptions {
  /** World seed the labelled pairs are drawn from. */
  readonly worldSeed: Seed;
  /** Image side the VAE sees. */
  readonly imageSize: number;
  /** Pairs per pattern for training the classifier (2 images each; default 200). */
  readonly trainPairs?: number;
  /** Held-out pairs per pattern for testing (default 150). */
  readonly testPairs?: number;
  /** Largest accepted accuracy drop from originals to reconstructions (default 0.05, i.e. 5 points). */
  readonly tolerance?: number;
  /** Patterns to check (default all nine). */
  readonly patterns?: readonly string[];
  /** Classifier training options. */
  readonly classifier?: ClassifierOptions;
  /**
   * Also train a second classifier on round trips and test it on round trips (a diagnostic, not part of the verdict):
   * near the originals' accuracy, the attribute survives the VAE but looks different; near chance, it is gone.
   */
  readonly retrainOnRoundTrips?: boolean;
  /** Images per round-trip call (default 64). */
  readonly batchSize?: number;
  /** Progress messages. */
  onProgress?(message: string): void;
}

/** Verdict for one attribute. */
export type FidelityVerdict = "pass" | "fail" | "inconclusive";

/** One attribute's accuracies. */
export interface AttributeFidelity {
  readonly pattern: MmvpPatternName;
  readonly attribute: string;
  /** Class names (label values) in index order. */
  readonly classes: readonly string[];
  readonly trainImages: number;
  readonly testImages: number;
  /** Accuracy of always answering the test set's most frequent class. */
  readonly chance: number;
  /** Accuracy on held-out originals. */
  readonly originals: number;
  /** Accuracy on the VAE round trips of the same held-out images. */
  readonly reconstructions: number;
  /** originals - reconstructions. */
  readonly drop: number;
  /** With `retrainOnRoundTrips`: accuracy of a classifier trained and tested on round trips. */
  readonly retrained?: number;
  readonly verdict: FidelityVerdict;
}

/** Result of the VAE fidelity check. */
export interface VaeFidelityResult {
  readonly tolerance: number;
  readonly attributes: readonly AttributeFidelity[];
  /** Every attribute passed. */
  readonly pass: boolean;
}

/** The verdict rule: inconclusive when originals are read no better than halfway from chance to perfect. */
export function fidelityVerdict(chance: number, originals: number, reconstructions: number, tolerance: number): FidelityVerdict {
  if (originals < chance + (1 - chance) / 2) return "inconclusive";
  return originals - reconstructions <= tolerance + 1e-12 ? "pass" : "fail";
}

/** Applies `roundTrip` to every image in batches, clamping to [0, 1]; returns [N, 3, S, S]. */
async function roundTripAll(roundTrip: RoundTrip, images: Tensor, batchSize: number): Promise<Tensor> {
  const n = images.shape[0]!;
  const parts: Tensor[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const idx = tensor(Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i), { dtype: "int32" });
      const out = noGrad(() => tidy(() => {
        const x = indexSelect(images, 0, idx);
        const y = roundTrip(x);
        if (y.shape.length !== 4 || y.shape.some((d, i) => d !== x.shape[i])) {
          throw new Error(`VAE fidelity: the round trip returned [${y.shape.join(", ")}] for images [${x.shape.join(", ")}]`);
        }
        return clamp(y, 0, 1);
      }));
      idx.dispose();
      // keep the queue bounded on asynchronous backends
      await out.data();
      parts.push(out);
    }
    return concat(parts, 0);
  } finally {
    dispose(parts);
  }
}

/** Runs the check: for each pattern, trains a classifier on originals and tests it on originals and round trips. */
export async function checkVaeFidelity(roundTrip: RoundTrip, options: VaeFidelityOptions): Promise<VaeFidelityResult> {
  const tolerance = options.tolerance ?? 0.05;
  const trainPairs = options.trainPairs ?? 200;
  const testPairs = options.testPairs ?? 150;
  if (!(Number.isInteger(trainPairs) && Number.isInteger(testPairs) && trainPairs >= 1 && testPairs >= 1)) throw new RangeError(`VAE fidelity: needs at least one training and one test pair, got ${trainPairs} and ${testPairs}`);
  const size = options.imageSize;
  const batchSize = options.batchSize ?? 64;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`VAE fidelity: batchSize must be a positive integer, got ${batchSize}`);
  const attributes: AttributeFidelity[] = [];
  for (const pattern of checkPatterns(options.patterns)) {
    const attr = PATTERN_ATTRIBUTES[pattern];
    const scenes = patternPairs(options.worldSeed, "vae-fidelity", pattern, trainPairs + testPairs).flatMap((p) => p.scenes);
    const names = scenes.map(attr.label);
    const classes = [...new Set(names)].sort();
    if (classes.length < 2) throw new Error(`VAE fidelity: pattern "${pattern}" produced a single ${attr.name} value (${classes[0]})`);
    const labels = Int32Array.from(names, (v) => classes.indexOf(v));
    const pixels = renderScenes(scenes, size);
    const cut = 2 * trainPairs;
    const per = 3 * size * size;
    const train = { images: pixels.subarray(0, cut * per), labels: labels.subarray(0, cut), size };
    const testLabels = labels.subarray(cut);
    const test = tensor(pixels.subarray(cut * per), { shape: [testLabels.length, 3, size, size] });
    const owned: unknown[] = [test];
    try {
      const params = await trainClassifier(train, classes.length, options.classifier);
      owned.push(params);
      const recon = await roundTripAll(roundTrip, test, batchSize);
      owned.push(recon);
      const originals = accuracy(await predictClasses(params, test), testLabels);
      const reconstructions = accuracy(await predictClasses(params, recon), testLabels);
      let retrained: number | undefined;
      if (options.retrainOnRoundTrips) {
        const trainImages = tensor(train.images, { shape: [cut, 3, size, size] });
        owned.push(trainImages);
        const trainRecon = await roundTripAll(roundTrip, trainImages, batchSize);
        owned.push(trainRecon);
        const reconParams = await trainClassifier({ images: await trainRecon.data() as Float32Array, labels: train.labels, size }, classes.length, options.classifier);
        owned.push(reconParams);
        retrained = accuracy(await predictClasses(reconParams, recon), testLabels);
      }
      const counts = classes.map((_, c) => testLabels.filter((y) => y === c).length);
      const chance = Math.max(...counts) / testLabels.length;
      const verdict = fidelityVerdict(chance, originals, reconstructions, tolerance);
      attributes.push({
        pattern, attribute: attr.name, classes, trainImages: cut, testImages: testLabels.length, chance, originals, reconstructions,
        drop: originals - reconstructions, ...(retrained === undefined ? {} : { retrained }), verdict,
      });
      const extra = retrained === undefined ? "" : `, retrained on round trips ${(100 * retrained).toFixed(1)}%`;
      options.onProgress?.(`VAE fidelity ${attr.name}: originals ${(100 * originals).toFixed(1)}%, round trips ${(100 * reconstructions).toFixed(1)}%${extra} (chance ${(100 * chance).toFixed(1)}%): ${verdict}`);
    } finally {
      dispose(owned);
    }
  }
  return { tolerance, attributes, pass: attributes.every((a) => a.verdict === "pass") };
}
