import { stat } from "node:fs/promises";
import { clipCheckpointHint, loadClip, type LoadedClip, type LoadClipOptions } from "@diva/nn";

/** A PyTorch pickle/zip checkpoint path (as opposed to safetensors). */
export function isTorchCheckpointPath(path: string): boolean {
  return /\.(pt|pth|bin|ckpt)$/i.test(path);
}

/**
 * Loads a CLIP checkpoint (open_clip, OpenAI or Hugging Face names; safetensors or a PyTorch zip) with
 * `@diva/nn`'s `loadClip`, strict by default. Errors say which file and, for a layout that does not match the
 * config, list the missing, unexpected and mis-shaped keys by name.
 */
export async function loadClipCheckpoint(path: string, options: LoadClipOptions & { preset?: string } = {}): Promise<LoadedClip> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new Error(`CLIP checkpoint ${path} does not exist; ${clipCheckpointHint(options.preset)}`);
  if (!info.isFile()) throw new Error(`CLIP checkpoint ${path} is not a file (give the .safetensors, .pt or .bin file)`);
  try {
    const { preset: _preset, ...loadOptions } = options;
    return await loadClip(path, { strict: true, ...loadOptions });
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.includes(path) ? msg : `CLIP checkpoint ${path}: ${msg}`, { cause: e });
  }
}
