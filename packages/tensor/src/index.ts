/**
 * @diva/tensor: typed tensors with strided views, NumPy broadcasting, reverse-mode autograd over trees of
 * tensors, explicit memory scopes, counter-based random numbers, safetensors io, and CPU / WebGPU backends.
 *
 * @example
 * ```ts
 * import { tensor, valueAndGrad, sum, square } from "@diva/tensor";
 * const [loss, g] = valueAndGrad((w: Tensor) => sum(square(w)))(tensor([1, 2, 3]));
 * console.log(await loss.item(), await g.data()); // 14, [2, 4, 6]
 * ```
 * @module @diva/tensor
 */
import "./polyfill.js";
import { createCpuBackend } from "./backend/cpu/cpu-backend.js";
import { referenceKernels } from "./backend/cpu/reference-kernels.js";
import { fastKernels } from "./backend/cpu/fast.js";
import { registerBackend } from "./engine/backends.js";
import "./ops/table.js";
import "./ops/methods.js";
import { divaEnv } from "./env.js";
// Registers the "webgpu" factory; Dawn (Node) is imported only inside it, on `await useBackend("webgpu")`.
import "./backend/webgpu/index.js";

// DIVA_CPU_KERNELS=reference selects the plain TypeScript kernels (the fast ones are compared with them in tests)
const cpuKernelChoice = divaEnv("DIVA_CPU_KERNELS");
registerBackend(cpuKernelChoice === "reference" ? createCpuBackend(referenceKernels) : createCpuBackend(fastKernels, { recycle: true }));

export { Tensor, type NestedArray } from "./tensor.js";
export { DIVA_ENV_VARS, divaEnv, divaFlag, type DivaEnvName, type DivaEnvVar, type EnvSource } from "./env.js";
export { setPrintOptions, getPrintOptions, type PrintOptions } from "./format.js";
export type { DType, FloatDType, TypedArray, TypedArrayFor } from "./dtype.js";
export { isFloat, promoteTypes } from "./dtype.js";
export type { Shape } from "./shape.js";
export { broadcastShapes, shapesEqual, sizeOf } from "./shape.js";
export type { Backend, BiasActivation, Device, Kernel, KernelAttrs, KernelName, KernelTable, NormActivation, OutputInfo, Storage, TensorView, Window2d } from "./backend/backend.js";
export { getBackend, getDefaultDevice, initBackend, registerBackend, registerBackendFactory, setDefaultDevice, useBackend, initialisedDevices } from "./engine/backends.js";
export { createCpuBackend, type CpuBackendOptions } from "./backend/cpu/cpu-backend.js";
export { referenceKernels } from "./backend/cpu/reference-kernels.js";
export { fastKernels } from "./backend/cpu/fast.js";
export { setConvAlgorithm, type ConvAlgorithm } from "./backend/cpu/conv-fast.js";
export { setPackedWeightCacheBytes, packedWeightCacheStats, type PackedWeightCacheStats } from "./backend/cpu/packed-weights.js";
export { setCpuThreads, getCpuThreads } from "./backend/cpu/wasm/threads.js";
export {
  createWebGPUBackend,
  WebGPUBackend,
  type GpuTime,
  type GpuTimer,
  type GpuTiming,
  type WebGPUAdapterSummary,
  type WebGPUBackendOptions,
} from "./backend/webgpu/index.js";
export { memory, peakMemory, resetPeakMemory, type MemoryInfo } from "./engine/memory.js";
export { setMaxTensorBytes, getMaxTensorBytes, DEFAULT_MAX_TENSOR_BYTES } from "./engine/limits.js";
export { tidy, keep, dispose, scope } from "./engine/tidy.js";
export { mapTree, treeLeaves, flattenTree, unflattenTree, type NameTree, type TensorTree } from "./tree.js";
export { RESERVED_NAME_SEGMENTS, isReservedNameSegment, reservedNameError, checkName, checkNames, checkJsonKeys, parseJsonNames, nameRecord } from "./names.js";
export { grad, valueAndGrad, stopGradient, noGrad, type GradOptions } from "./autograd/grad.js";
export { checkpoint } from "./autograd/checkpoint.js";
export { opTables, type KernelOpDef, type ViewOpDef, type ViewAttrs, type ViewName } from "./ops/registry.js";
export type { Vjp, VjpContext, VjpResult } from "./autograd/tape.js";
export { UNARY, BINARY, type UnaryOpName, type BinaryOpName, type UnaryDef, type BinaryDef } from "./ops/elementwise-table.js";
export * from "./ops/creation.js";
export * from "./ops/elementwise.js";
export * from "./ops/reduce.js";
export * from "./ops/shape.js";
export * from "./ops/indexing.js";
export * from "./ops/matmul.js";
export * from "./ops/conv.js";
export * from "./ops/nn.js";
export type { TensorLike } from "./ops/util.js";
/** The random module as a namespace (`random.split(key, n)`, JAX-style). */
export * as random from "./random/index.js";
export { randomKey, split as splitKey, foldIn, isRandomKey, randomBits, type RandomKey } from "./random/index.js";
/** The tensor samplers (`uniform`, `normal`, ...) also at the top level; their options are in the namespace. */
export * from "./random/tensors.js";
export * from "./io/safetensors.js";
