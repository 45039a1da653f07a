import { useBackend } from "@diva/tensor";
import type { BackendName } from "./parse.js";

/**
 * Makes `name` the default device. WebGPU runs on Dawn (the `webgpu` npm package) in Node; a machine without
 * an adapter gets the backend's error, which says what was tried.
 */
export async function selectBackend(name: BackendName): Promise<void> {
  try {
    await useBackend(name);
  } catch (e) {
    throw new Error(`--backend ${name}: ${(e as Error).message}`, { cause: e });
  }
}
