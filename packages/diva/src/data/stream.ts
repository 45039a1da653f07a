import { foldIn, mul, random, randomKey, sub, tidy, type RandomKey, type Tensor } from "@diva/tensor";
import { decodeImage, imagesToTensor, type RgbImage } from "./image.js";
import { divaViews } from "./preprocess.js";
import { resolveImageLimits, type ImageLimits } from "./limits.js";
import { listDataset, readImageFile, readShard, type DatasetRecord } from "./sources.js";
import type { ClipView, Normalization } from "../presets.js";

/** Options of the DIVA image stream. */
export interface ImageStreamOptions {
  /** Seed of the epoch order and the crops. */
  readonly seed: number;
  /** Side of the square VAE view (RandomResizedCrop). */
  readonly vaeSize: number;
  /** Side of the square CLIP view. */
  readonly clipSize: number;
  /** Area fraction range of the VAE view's RandomResizedCrop. */
  readonly cropScale: readonly [number, number];
  /** Aspect ratio range of the VAE view's RandomResizedCrop (default [3/4, 4/3]). */
  readonly cropRatio?: readonly [number, number];
  /** How the CLIP view is made (default "source-bicubic"; see `divaViews`). */
  readonly clipView?: ClipView;
  /**
   * VAE input: "clean" is 2 * x - 1 of the [0, 1] image; "reference" reproduces the reference code, which
   * un-normalises the CLIP-normalised image with ImageNet statistics: 2 * (x_clip * std_imagenet + mean_imagenet) - 1.
   */
  readonly vaeInput?: "clean" | "reference";
  /** CLIP's mean/std normalisation of the CLIP view. */
  readonly normalization: Normalization;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

/**
 * The affine map (x - m) / s that equals "normalise with `clip`, then un-normalise with ImageNet statistics":
 * ((x - mc) / sc) * si + mi = (x - (mc - mi * sc / si)) / (sc / si).
 */
function reNormalization(clip: Normalization): Normalization {
  const m = [0, 1, 2].map((c) => clip.mean[c]! - (IMAGENET.mean[c]! * clip.std[c]!) / IMAGENET.std[c]!) as [number, number, number];
  const s = [0, 1, 2].map((c) => clip.std[c]! / IMAGENET.std[c]!) as [number, number, number];
  return { mean: m, std: s };
}

/** A batch ready for `divaLoss`, with what was skipped on the way. */
export interface StreamBatch {
  /** [B, 3, clipSize, clipSize], CLIP-normalised. */
  readonly clipImages: Tensor;
  /** [B, 3, vaeSize, vaeSize], in [-1, 1]. */
  readonly vaeImages: Tensor;
  /** Source name of each image. */
  readonly names: readonly string[];
  /**
   * Records that were skipped, by name with the reason: files that failed to decode (corrupted or truncated),
   * were not regular files, or were over the byte or pixel limits, and unreadable shard members or shards.
   */
  readonly skipped: readonly string[];
}

/**
 * Streams a folder of images or webdataset shards in a seeded order, epoch after epoch, without holding the
 * dataset in memory. The position is the number of records consumed, so a resumed run continues exactly
 * where a checkpoint left off (same images, same crops).
 */
export class ImageStream {
  private records: AsyncGenerator<DatasetRecord> | null = null;
  private readonly limits: Required<ImageLimits>;
  private constructor(
    private readonly files: readonly string[],
    private readonly kind: "folder" | "shards",
    private readonly options: ImageStreamOptions,
    private position: number,
    private readonly key: RandomKey,
    limits: ImageLimits,
  ) {
    this.limits = resolveImageLimits(limits);
  }

  /**
   * Opens `path` and skips to `consumed` records. `limits` caps the bytes read per file or shard member and the
   * pixels decoded per image (defaults: 64 MiB, 40 megapixels); what is over them is skipped and reported.
   */
  static async open(path: string, options: ImageStreamOptions, consumed = 0, limits: ImageLimits = {}): Promise<ImageStream> {
    const { kind, files } = await listDataset(path);
    const s = new ImageStream(files, kind, options, 0, randomKey(options.seed), limits);
    s.records = s.generate();
    for (let i = 0; i < consumed; i++) await s.records.next();
    s.position = consumed;
    return s;
  }

  /** Records consumed so far (including skipped ones). */
  get consumed(): number {
    return this.position;
  }

  private async *generate(): AsyncGenerator<DatasetRecord> {
    const maxBytes = this.limits.maxImageBytes;
    for (let epoch = 0; ; epoch++) {
      const order = random.samplePermutation(foldIn(this.key, epoch), this.files.length);
      let records = 0;
      for (const i of order) {
        const f = this.files[i]!;
        if (this.kind === "folder") {
          records++;
          yield await readImageFile(f, maxBytes).catch((e: Error) => ({ name: f, error: e.message }));
        } else {
          for await (const r of readShard(f, maxBytes)) {
            records++;
            yield r;
          }
        }
      }
      // shards holding no image members at all would otherwise make this loop spin forever
      if (records === 0) throw new Error(`dataset: the shards hold no image members (.jpg/.jpeg/.png/.webp): ${this.files.join(", ")}`);
    }
  }

  /** The next `count` decodable images, preprocessed into the VAE and CLIP views. */
  async next(count: number): Promise<StreamBatch> {
    const vae: RgbImage[] = [];
    const clip: RgbImage[] = [];
    const names: string[] = [];
    const skipped: string[] = [];
    while (vae.length < count) {
      const { value } = await this.records!.next();
      const index = this.position++;
      const rec = value as DatasetRecord;
      try {
        if ("error" in rec) throw new Error(rec.error);
        const img = await decodeImage(rec.bytes, rec.name, { maxPixels: this.limits.maxImagePixels });
        const o = this.options;
        const views = await divaViews(img, foldIn(foldIn(this.key, 1_000_003), index), o.vaeSize, o.clipSize, o.cropScale, o.clipView, o.cropRatio);
        vae.push(views.vae);
        clip.push(views.clip);
        names.push(rec.name);
      } catch (e) {
        const why = (e as Error).message;
        skipped.push(why.startsWith(rec.name) ? why : `${rec.name}: ${why}`);
        if (skipped.length > 1000 && vae.length === 0) throw new Error(`dataset: over 1000 consecutive unreadable images (last: ${skipped.at(-1)})`);
      }
    }
    const vaeImages = tidy(() =>
      this.options.vaeInput === "reference"
        ? sub(mul(imagesToTensor(vae, reNormalization(this.options.normalization)), 2), 1)
        : sub(mul(imagesToTensor(vae), 2), 1),
    );
    const clipImages = imagesToTensor(clip, this.options.normalization);
    return { clipImages, vaeImages, names, skipped };
  }

  /** Stops reading. */
  async close(): Promise<void> {
    await this.records?.return(undefined);
  }
}
