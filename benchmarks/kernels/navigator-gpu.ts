/**
 * Makes Dawn's GPU object visible as `navigator.gpu` in Node, for peer libraries that look for WebGPU there
 * (tfjs-backend-webgpu, jax-js). The GPU object is the one our WebGPU backend found its adapter on, so
 * every contender runs on the same adapter.
 */
import { initBackend, WebGPUBackend } from "@diva/tensor";

let installed: GPU | undefined;

/** Installs `navigator.gpu` (and a userAgent) once; returns the GPU object. Throws when there is no adapter. */
export async function installNavigatorGpu(): Promise<GPU> {
  if (installed) return installed;
  const backend = await initBackend("webgpu");
  if (!(backend instanceof WebGPUBackend)) throw new Error("the webgpu device is not the WebGPU backend");
  const gpu = backend.gpu;
  const g = globalThis as { navigator?: object };
  const nav = { ...(g.navigator ?? {}), gpu, userAgent: "Node.js" };
  Object.defineProperty(globalThis, "navigator", { value: nav, configurable: true, writable: true });
  installed = gpu;
  return gpu;
}
