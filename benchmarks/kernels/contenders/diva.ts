/**
 * Our backends as contenders: @diva/tensor on "cpu" (WebAssembly kernels, all threads) and on "webgpu".
 */
import {
  conv2d,
  fromHost,
  getCpuThreads,
  initBackend,
  layerNorm,
  matmul,
  scaledDotProductAttention,
  softmax,
  tidy,
  WebGPUBackend,
  type Tensor,
} from "@diva/tensor";
import { inputShapes, type BenchCase } from "../cases.js";
import type { Contender, PreparedCase } from "../contender.js";

/** The op of a case on our tensors (inputs in `inputShapes` order). */
function opOf(c: BenchCase, xs: readonly Tensor[]): () => Tensor {
  switch (c.kind) {
    case "matmul":
      return () => matmul(xs[0]!, xs[1]!);
    case "conv2d":
      return () => conv2d(xs[0]!, xs[1]!, null, { padding: (c.kernel - 1) / 2 });
    case "attention":
      return () => scaledDotProductAttention(xs[0]!, xs[1]!, xs[2]!);
    case "layerNorm":
      return () => layerNorm(xs[0]!, [c.cols], xs[1]!, xs[2]!);
    case "softmax":
      return () => softmax(xs[0]!, -1);
  }
}

/**
 * @diva/tensor on `device`; GPU work is waited for with the backend's `sync()` (submit, then a queue fence).
 * On webgpu with `timestamp-query`, cases also time their runs on the GPU (`WebGPUBackend.gpuTimer()`).
 */
export function divaContender(device: "cpu" | "webgpu"): Contender {
  let gpu: WebGPUBackend | undefined;
  return {
    name: `diva ${device}`,
    async setup() {
      const backend = await initBackend(device);
      if (backend instanceof WebGPUBackend) {
        gpu = backend;
        const timing = backend.timestamps ? "gpu ms from timestamp queries" : "no timestamp-query: no gpu ms";
        return `${backend.adapter.name} (${backend.adapter.via}; ${backend.adapter.features.join(", ")}; ${timing})`;
      }
      return `${getCpuThreads()} threads`;
    },
    async prepare(c, inputs) {
      const shapes = inputShapes(c);
      const xs = inputs.map((data, i) => fromHost(data, "float32", shapes[i]!, device));
      const op = opOf(c, xs);
      let out: Tensor | undefined;
      const prepared: PreparedCase = {
        run() {
          out?.dispose();
          out = tidy(op);
        },
        async sync() {
          if (gpu) await gpu.sync();
        },
        dispose() {
          out?.dispose();
          for (const x of xs) x.dispose();
        },
        gpuTimer() {
          const timer = gpu?.gpuTimer() ?? null;
          return timer && { stop: async () => (await timer.stop()).ns };
        },
      };
      return prepared;
    },
  };
}
