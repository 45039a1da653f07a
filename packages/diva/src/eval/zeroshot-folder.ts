import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { nameRecord } from "@diva/tensor";
import { decodeImage, evalResize, imagesToTensor } from "../data/image.js";
import type { ClipForEval } from "./clip-model.js";
import { OPENAI_IMAGENET_TEMPLATES } from "./templates.js";
import { zeroShotClassEmbeddings, zeroShotPredict, type ZeroShotResult } from "./zeroshot.js";

const IMAGE_EXTS = new Set([".jpg", ".jpeg", ".png", ".webp"]);

/** A folder of class subfolders: class name (the subfolder's name, `_` read as a space) -> image paths. */
export async function readClassFolders(dir: string): Promise<{
  /** Class names, in sorted folder order. */
  classNames: string[];
  /** Image paths per class name. */
  images: Map<string, string[]>;
}> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
    throw new Error(`zero-shot: ${dir} does not exist or is not a folder`);
  });
  const images = new Map<string, string[]>();
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const files = (await readdir(join(dir, e.name))).filter((f) => IMAGE_EXTS.has(extname(f).toLowerCase())).sort();
    if (files.length) images.set(e.name.replaceAll("_", " "), files.map((f) => join(dir, e.name, f)));
  }
  if (images.size < 2) throw new Error(`zero-shot: ${dir} needs at least two class subfolders with images (found ${images.size})`);
  return { classNames: [...images.keys()], images };
}

/** Prompt templates: "openai" (OpenAI's 80 ImageNet templates) or a text file with one template per line, `{}` for the class. */
export async function readTemplates(spec: string): Promise<string[]> {
  if (spec === "openai") return [...OPENAI_IMAGENET_TEMPLATES];
  const text = await readFile(spec, "utf8").catch(() => {
    throw new Error(`zero-shot: templates file ${spec} does not exist (use "openai" or a file with one template per line)`);
  });
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const bad = lines.find((l) => !l.includes("{}"));
  if (bad) throw new Error(`zero-shot: template ${JSON.stringify(bad)} in ${spec} has no {} for the class name`);
  if (!lines.length) throw new Error(`zero-shot: ${spec} has no templates`);
  return lines;
}

/**
 * Zero-shot accuracy over a folder with one subfolder of images per class, streamed in batches (the images are
 * resized as the model's eval preprocessing: shorter side + centre crop, or squash for SigLIP). Unreadable images are skipped and counted.
 */
export async function evalZeroShotFolder(
  clip: ClipForEval,
  dir: string,
  options: { templates?: readonly string[]; batchSize?: number; onProgress?(done: number, total: number): void } = {},
): Promise<
  ZeroShotResult & {
    /** Images that could not be decoded, with the reason. */
    skipped: string[];
  }
> {
  const { classNames, images } = await readClassFolders(dir);
  const all = [...images].flatMap(([name, paths]) => paths.map((p) => ({ path: p, target: classNames.indexOf(name), name })));
  const classEmb = zeroShotClassEmbeddings(clip, classNames, options.templates ?? OPENAI_IMAGENET_TEMPLATES);
  const batchSize = options.batchSize ?? 32;
  const hits = new Map<string, { ok: number; n: number }>(classNames.map((c) => [c, { ok: 0, n: 0 }]));
  const skipped: string[] = [];
  try {
    for (let i = 0; i < all.length; i += batchSize) {
      const chunk = all.slice(i, i + batchSize);
      const decoded = await Promise.all(
        chunk.map(async (it) => {
          try {
            return { it, img: await evalResize(await decodeImage(it.path), clip.imageSize, clip.resize) };
          } catch (e) {
            skipped.push((e as Error).message);
            return null;
          }
        }),
      );
      const ok = decoded.filter((d): d is NonNullable<typeof d> => d !== null);
      if (ok.length) {
        const x = imagesToTensor(ok.map((d) => d.img), clip.normalization);
        const pred = await zeroShotPredict(clip, classEmb, x).finally(() => x.dispose());
        ok.forEach((d, j) => {
          const h = hits.get(d.it.name)!;
          h.n++;
          if (pred[j] === d.it.target) h.ok++;
        });
      }
      options.onProgress?.(Math.min(i + batchSize, all.length), all.length);
    }
  } finally {
    classEmb.dispose();
  }
  const perClass = nameRecord<number>(); // keyed by folder names
  let correct = 0;
  let count = 0;
  for (const [c, h] of hits) {
    perClass[c] = h.n ? h.ok / h.n : 0;
    correct += h.ok;
    count += h.n;
  }
  return { accuracy: count ? correct / count : 0, perClass, count, skipped };
}
