/**
 * The WebGPU backend of @diva/tensor. Importing this module registers it: `await useBackend("webgpu")`.
 * In Node it runs on Dawn (the `webgpu` npm package), in a browser on `navigator.gpu`.
 * @module
 */
import { registerBackendFactory } from "../../engine/backends.js";
import { createWebGPUBackend } from "./webgpu-backend.js";

export { createWebGPUBackend, WebGPUBackend } from "./webgpu-backend.js";
export type { WebGPUAdapterSummary, WebGPUBackendOptions } from "./webgpu-backend.js";
export type { GpuTime, GpuTimer, GpuTiming } from "./timing.js";

registerBackendFactory("webgpu", () => createWebGPUBackend());
