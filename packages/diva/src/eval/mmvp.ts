import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { dispose, nameRecord, noGrad, tidy, type Tensor } from "@diva/tensor";
import { decodeImage, evalResize, imagesToTensor } from "../data/image.js";
import type { ClipForEval } from "./clip-model.js";
import { paperImageFeatures, type MmvpImageFeatures } from "./paper-features.js";
import { cosineSimilarity } from "./similarity.js";

/** The nine MMVP visual patterns, in the benchmark's order. */
export const MMVP_PATTERNS = [
  "Orientation and Direction",
  "Presence of Specific Features",
  "State and Condition",
  "Quantity and Count",
  "Positional and Relational Context",
  "Color and Appearance",
  "Structural Characteristics",
  "Texts",
  "Viewpoint and Perspective",
] as const;

/** One MMVP question: an image and the statement describing it. */
export interface MmvpItem {
  /** `Question ID`; pairs are (odd id, id + 1). */
  readonly id: number;
  /** `Type`: the visual pattern. */
  readonly type: string;
  /** `Statement` describing the image. */
  readonly statement: string;
  /** Path of `<images>/<Type>/<id>.jpg` (or .jpeg/.png/.webp). */
  readonly imagePath: string;
}

/** Result of an MMVP-VLM evaluation. */
export interface MmvpResult {
  /** Per pattern: pairs solved / pairs, in [0, 1]. */
  readonly perPattern: Record<string, number>;
  /** Mean of the per-pattern scores. */
  readonly average: number;
  /**
   * Per pattern: mean cosine similarity between the text embeddings of a pair's two statements. Near 1, the text
   * tower hardly tells the statements apart, so both pick the same image whatever the image tower does: training
   * the image tower alone (as DIVA does) cannot solve such pairs.
   */
  readonly statementSimilarity: Record<string, number>;
  /** Solved flag of every pair, by the odd question id. */
  readonly pairs: readonly {
    /** The pair's odd question id. */
    readonly id: number;
    /** The pair's pattern. */
    readonly type: string;
    /** Both statements picked their own image. */
    readonly solved: boolean;
    /** Cosine similarity of the two statements' text embeddings. */
    readonly statementSimilarity: number;
  }[];
}

const IMAGE_DIRS = ["MLLM_VLM Images", "MLLM_VLM_Images"];
const IMAGE_EXTS = [".jpg", ".jpeg", ".png", ".webp"];

/** Reads `Questions.csv` and locates every image; errors name the missing file or column. */
export async function readMmvpBenchmark(dir: string): Promise<MmvpItem[]> {
  const csvPath = join(dir, "Questions.csv");
  let text: string;
  try {
    text = await readFile(csvPath, "utf8");
  } catch {
    throw new Error(`MMVP: ${csvPath} not found`);
  }
  const rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  if (rows.length === 0) throw new Error(`MMVP: ${csvPath} has no rows`);
  for (const col of ["Question ID", "Type", "Statement"]) {
    if (!(col in rows[0]!)) throw new Error(`MMVP: ${csvPath} lacks the column "${col}" (has: ${Object.keys(rows[0]!).join(", ")})`);
  }
  let imageRoot: string | undefined;
  for (const d of IMAGE_DIRS) {
    if (await stat(join(dir, d)).then((s) => s.isDirectory(), () => false)) imageRoot = join(dir, d);
  }
  if (!imageRoot) throw new Error(`MMVP: no image folder in ${dir} (expected "${IMAGE_DIRS.join('" or "')}")`);
  const listing = new Map<string, string[]>();
  const items: MmvpItem[] = [];
  for (const r of rows) {
    const id = Number(r["Question ID"]);
    if (!Number.isInteger(id)) throw new Error(`MMVP: bad Question ID "${r["Question ID"]}" in ${csvPath}`);
    const type = r["Type"]!;
    const folder = join(imageRoot, type);
    if (!listing.has(folder)) listing.set(folder, await readdir(folder).catch(() => []));
    const file = IMAGE_EXTS.map((e) => `${id}${e}`).find((f) => listing.get(folder)!.includes(f));
    if (!file) throw new Error(`MMVP: image for question ${id} not found in ${folder}`);
    items.push({ id, type, statement: r["Statement"]!, imagePath: join(folder, file) });
  }
  return items;
}

/** Options of evalMMVP. */
export interface MmvpOptions {
  /** Images per forward pass (default 16). */
  readonly batchSize?: number;
  /**
   * Image features: `standard` (default), the model's image embedding as the MMVP repository's script scores; or
   * `paper`, the feature the paper's DIVA scripts scored each model with (see `paperImageFeatures`).
   */
  readonly features?: "standard" | "paper";
  /** Seed of the paper features' random patch draws (OpenAI; default 0). */
  readonly featureSeed?: number;
  /** A custom image feature instead (e.g. class token + patch mean); one tensor, or one per statement of a pair. */
  readonly imageFeatures?: (images: Tensor) => MmvpImageFeatures;
  /** Called after each batch with pairs scored so far and the number of pairs. */
  onProgress?(done: number, total: number): void;
}

/**
 * Scores a CLIP on MMVP-VLM: for each pair (odd id, id + 1) and each of its statements ("a photo of " +
 * statement), the similarity is softmaxed over the pair's two images; the pair counts only if both statements
 * pick their own image. Per-pattern score = solved pairs / pairs; the benchmark score is the mean over patterns.
 * As the reference script, statement 1 picks image 1 only if its probability is above 0.5 and statement 2 picks
 * image 2 when image 1's probability is at most 0.5, so a tie counts for statement 2 and against statement 1.
 *
 * @example
 * ```ts
 * const { model } = await loadClipCheckpoint("ViT-L-14-diva.safetensors");
 * const clip = loadedClipForEval(model, getPreset("openai-vit-l-14"), await ClipTokenizer.fromFile("bpe_simple_vocab_16e6.txt.gz"));
 * const { perPattern, average } = await evalMMVP(clip, "MMVP_VLM/");
 * ```
 */
export async function evalMMVP(clip: ClipForEval, benchmarkDir: string, options: MmvpOptions = {}): Promise<MmvpResult> {
  const items = await readMmvpBenchmark(benchmarkDir);
  const byId = new Map(items.map((it) => [it.id, it]));
  const pairs: [MmvpItem, MmvpItem][] = [];
  for (const it of items) {
    if (it.id % 2 !== 1) continue;
    const other = byId.get(it.id + 1);
    if (!other) throw new Error(`MMVP: question ${it.id} has no partner ${it.id + 1}`);
    pairs.push([it, other]);
  }
  const batchSize = options.batchSize ?? 16;
  if (options.imageFeatures && options.features === "paper") throw new Error("evalMMVP: give either imageFeatures or features: \"paper\", not both");
  const features =
    options.imageFeatures ??
    (options.features === "paper" ? paperImageFeatures(clip, { seed: options.featureSeed ?? 0 }) : (x: Tensor) => clip.encodeImage(x));
  const solved: { id: number; type: string; solved: boolean; statementSimilarity: number }[] = [];
  for (let start = 0; start < pairs.length; start += Math.max(1, Math.floor(batchSize / 2))) {
    const chunk = pairs.slice(start, start + Math.max(1, Math.floor(batchSize / 2)));
    const imgs = await Promise.all(chunk.flat().map(async (it) => evalResize(await decodeImage(it.imagePath), clip.imageSize, clip.resize)));
    const [imageSims1, imageSims2, textSims] = noGrad(() =>
      tidy(() => {
        const x = imagesToTensor(imgs, clip.normalization);
        const f = features(x);
        const [img1, img2] = isPair(f) ? f : [f, f];
        const txt = clip.encodeText(chunk.flat().map((it) => `a photo of ${it.statement}`));
        return [cosineSimilarity(txt, img1), cosineSimilarity(txt, img2), cosineSimilarity(txt, txt)] as const;
      }),
    );
    const [sims1, sims2, tsims] = await Promise.all([imageSims1.data(), imageSims2.data(), textSims.data()]);
    dispose([imageSims1, imageSims2, textSims]);
    const n = chunk.length * 2;
    chunk.forEach(([a], p) => {
      const i = 2 * p;
      // softmax over the pair's two images preserves the order, so compare the similarities directly; statement
      // 1 (row i) scores with its features, statement 2 (row i + 1) with its own (they differ for random features)
      const aPicksA = sims1[i * n + i]! > sims1[i * n + i + 1]!;
      const bPicksB = sims2[(i + 1) * n + i + 1]! >= sims2[(i + 1) * n + i]!;
      solved.push({ id: a.id, type: a.type, solved: aPicksA && bPicksB, statementSimilarity: tsims[i * n + i + 1]! });
    });
    options.onProgress?.(solved.length, pairs.length);
  }
  const types = [...new Set(items.map((it) => it.type))];
  // keyed by the CSV's Type column
  const perPattern = nameRecord<number>();
  const statementSimilarity = nameRecord<number>();
  for (const t of types) {
    const ps = solved.filter((s) => s.type === t);
    perPattern[t] = ps.filter((s) => s.solved).length / ps.length;
    statementSimilarity[t] = ps.reduce((a, s) => a + s.statementSimilarity, 0) / ps.length;
  }
  const average = types.reduce((s, t) => s + perPattern[t]!, 0) / types.length;
  return { perPattern, average, statementSimilarity, pairs: solved };
}

const isPair = (f: MmvpImageFeatures): f is readonly [Tensor, Tensor] => Array.isArray(f);
