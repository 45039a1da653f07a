/** PNG encoding and decoding of world images through sharp (deterministic: no metadata, fixed settings). */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import sharp from "sharp";
import { fromRgbBytes, toRgbBytes, type WorldImage } from "./image.js";

/** PNG bytes of an image (8-bit RGB, maximum compression, no metadata). */
export async function encodePng(image: WorldImage): Promise<Buffer> {
  const [, height, width] = image.shape;
  return sharp(Buffer.from(toRgbBytes(image)), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 9, adaptiveFiltering: false, palette: false })
    .toBuffer();
}

/** Writes an image as PNG, creating parent folders. */
export async function writePng(path: string, image: WorldImage): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await encodePng(image));
}

/** Reads a PNG (or any format sharp reads) from a path or bytes into a float CHW image (alpha dropped). */
export async function decodePng(source: string | Buffer): Promise<WorldImage> {
  const { data, info } = await sharp(source).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  return fromRgbBytes(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
}
