/** Tiling of images into one larger image (nearest-neighbour upscaled), and a labelled benchmark sheet. */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import sharp from "sharp";
import type { SyntheticMmvp } from "./benchmark.js";
import { toRgbBytes, type WorldImage } from "./image.js";
import { MMVP_PATTERN_NAMES } from "./patterns.js";
import { renderScene } from "./render.js";

/** Options of `tileImages`. */
export interface TileOptions {
  /** Upscaling factor (default 4). */
  readonly scale?: number;
  /** Gap between images in output pixels (default 2). */
  readonly gap?: number;
  /** Images per group (a pair = 2); groups are separated by `groupGap` (default 1, no extra gap). */
  readonly groupSize?: number;
  /** Gap between groups in output pixels (default 8). */
  readonly groupGap?: number;
  /** Grey level of the gaps in [0, 1] (default 1, white). */
  readonly fill?: number;
}

/** Lays out rows of same-sized images into one image. */
export function tileImages(rows: readonly (readonly WorldImage[])[], options: TileOptions = {}): WorldImage {
  const scale = options.scale ?? 4;
  const gap = options.gap ?? 2;
  const groupSize = options.groupSize ?? 1;
  const groupGap = options.groupGap ?? 8;
  const first = rows.find((r) => r.length > 0)?.[0];
  if (!first) throw new RangeError("tileImages: no images");
  const [, h, w] = first.shape;
  const cellW = w * scale;
  const cellH = h * scale;
  const xOf = (i: number): number => gap + i * (cellW + gap) + Math.floor(i / groupSize) * (groupGap - gap > 0 ? groupGap - gap : 0);
  const cols = Math.max(...rows.map((r) => r.length));
  const width = xOf(cols);
  const height = gap + rows.length * (cellH + gap);
  const plane = width * height;
  const data = new Float32Array(3 * plane).fill(options.fill ?? 1);
  rows.forEach((row, ri) => {
    row.forEach((img, ci) => {
      const x0 = xOf(ci);
      const y0 = gap + ri * (cellH + gap);
      for (let y = 0; y < cellH; y++) {
        for (let x = 0; x < cellW; x++) {
          const src = Math.floor(y / scale) * w + Math.floor(x / scale);
          const dst = (y0 + y) * width + x0 + x;
          for (let c = 0; c < 3; c++) data[c * plane + dst] = img.data[c * h * w + src];
        }
      }
    });
  });
  return { data, shape: [3, height, width] };
}

/** Options of `writeBenchmarkSheet`. */
export interface BenchmarkSheetOptions {
  /** Pairs shown per pattern (default 5). */
  readonly pairsPerPattern?: number;
  /** Image side in pixels (default 32). */
  readonly size?: number;
  /** Upscaling factor (default 4). */
  readonly scale?: number;
}

/** Writes a PNG with one row per pattern (its name on the left) showing the first pairs of the benchmark. */
export async function writeBenchmarkSheet(path: string, bench: SyntheticMmvp, options: BenchmarkSheetOptions = {}): Promise<void> {
  const perRow = options.pairsPerPattern ?? 5;
  const scale = options.scale ?? 4;
  const gap = 4;
  const rows = MMVP_PATTERN_NAMES.map((t) => bench.pairs.filter((p) => p.type === t).slice(0, perRow)
    .flatMap((p) => p.items.map((it) => renderScene(it.scene, { size: options.size }))));
  const sheet = tileImages(rows, { scale, gap, groupSize: 2, groupGap: 16 });
  const [, h, w] = sheet.shape;
  const rowH = (h - gap) / rows.length;
  const labelW = 280;
  const text = MMVP_PATTERN_NAMES.map((t, i) =>
    `<text x="6" y="${gap + i * rowH + rowH / 2 + 5}" font-size="15" font-family="sans-serif">${t}</text>`).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW}" height="${h}">${text}</svg>`;
  const tiles = await sharp(Buffer.from(toRgbBytes(sheet)), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  await mkdir(dirname(path), { recursive: true });
  await sharp({ create: { width: w + labelW, height: h, channels: 3, background: "#ffffff" } })
    .composite([{ input: Buffer.from(svg), left: 0, top: 0 }, { input: tiles, left: labelW, top: 0 }])
    .png()
    .toFile(path);
}
