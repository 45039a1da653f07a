/**
 * @tensorflow/tfjs as contenders: its "wasm" backend (XNNPACK; single-threaded in Node) and its "webgpu"
 * backend on Dawn's `navigator.gpu` (the same adapter as ours). Convolutions run in tfjs's native NHWC
 * layout; attention is matmul + softmax + matmul (tfjs has no fused attention); layer norm is composed
 * from `moments`. GPU work is waited for by ending tfjs's compute pass, submitting its encoder and awaiting
 * `onSubmittedWorkDone`.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { inputShapes, type BenchCase } from "../cases.js";
import type { Contender, PreparedCase } from "../contender.js";
import { permuteHost } from "../host-layout.js";
import { installNavigatorGpu } from "../navigator-gpu.js";

type Tf = typeof import("@tensorflow/tfjs");
type TfTensor = import("@tensorflow/tfjs").Tensor;

/** The parts of tfjs-backend-webgpu's backend object the benchmark uses. */
interface TfWebGPUBackend {
  device: GPUDevice;
  adapterInfo?: { vendor?: string; architecture?: string };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

let tfPromise: Promise<Tf> | undefined;

/** tfjs, loaded once with its greeting silenced. */
function loadTf(): Promise<Tf> {
  tfPromise ??= (async () => {
    const { log, warn } = console;
    console.log = console.warn = () => undefined;
    try {
      return await import("@tensorflow/tfjs");
    } finally {
      console.log = log;
      console.warn = warn;
    }
  })();
  return tfPromise;
}

/** Switches tfjs's global backend to `name` if needed. */
async function use(tf: Tf, name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend("${name}") failed`);
  await tf.ready();
}

/** The op of a case on tfjs tensors (inputs already in tfjs layouts). */
function opOf(tf: Tf, c: BenchCase, xs: readonly TfTensor[]): () => TfTensor {
  switch (c.kind) {
    case "matmul":
      return () => tf.matMul(xs[0] as never, xs[1] as never);
    case "conv2d":
      return () => tf.conv2d(xs[0] as never, xs[1] as never, 1, "same");
    case "attention": {
      const scale = 1 / Math.sqrt(c.d);
      return () => tf.matMul(tf.softmax(tf.mul(tf.matMul(xs[0] as never, xs[1] as never, false, true), scale)), xs[2] as never);
    }
    case "layerNorm":
      return () => {
        const { mean, variance } = tf.moments(xs[0]!, -1, true);
        return tf.add(tf.mul(tf.mul(tf.sub(xs[0]!, mean), tf.rsqrt(tf.add(variance, 1e-5))), xs[1]!), xs[2]!);
      };
    case "softmax":
      return () => tf.softmax(xs[0]!);
  }
}

/** Inputs of a case in tfjs's layouts: NHWC / HWIO for conv2d, [b*heads, L, d] for attention. */
function tfInputs(tf: Tf, c: BenchCase, inputs: readonly Float32Array[]): TfTensor[] {
  const shapes = inputShapes(c);
  if (c.kind === "conv2d") {
    const x = permuteHost(inputs[0]!, shapes[0]!, [0, 2, 3, 1]);
    const w = permuteHost(inputs[1]!, shapes[1]!, [2, 3, 1, 0]);
    return [tf.tensor4d(x, [c.n, c.h, c.w, c.c]), tf.tensor4d(w, [c.kernel, c.kernel, c.c, c.o])];
  }
  if (c.kind === "attention") {
    return inputs.map((d, i) => tf.tensor3d(d, [c.b * c.heads, shapes[i]![2]!, c.d]));
  }
  return inputs.map((d, i) => tf.tensor(d, shapes[i]!));
}

/** tfjs on its "wasm" or "webgpu" backend. */
export function tfjsContender(backend: "wasm" | "webgpu"): Contender {
  let tf: Tf | undefined;
  return {
    name: `tfjs ${backend}`,
    async setup() {
      if (backend === "webgpu") await installNavigatorGpu();
      tf = await loadTf();
      if (backend === "wasm") {
        const wasm = await import("@tensorflow/tfjs-backend-wasm");
        const require = createRequire(import.meta.url);
        wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + path.sep);
      } else {
        await import("@tensorflow/tfjs-backend-webgpu");
        tf.env().set("WEBGPU_CPU_FORWARD", false); // small ops would otherwise run on tfjs's CPU backend
      }
      await use(tf, backend);
      if (backend === "webgpu") {
        const info = (tf.backend() as unknown as TfWebGPUBackend).adapterInfo;
        return `tfjs ${tf.version.tfjs}; adapter ${[info?.vendor, info?.architecture].filter(Boolean).join(" / ") || "unknown"}`;
      }
      return `tfjs ${tf.version.tfjs}; 1 thread (tfjs-backend-wasm is single-threaded in Node)`;
    },
    async prepare(c, inputs) {
      const t = tf!;
      await use(t, backend);
      const xs = tfInputs(t, c, inputs);
      const op = opOf(t, c, xs);
      let out: TfTensor | undefined;
      const prepared: PreparedCase = {
        run() {
          out?.dispose();
          out = t.tidy(op);
        },
        async sync() {
          if (backend === "webgpu") {
            // what tfjs itself does before a readback: close the open pass, submit the encoder
            const be = t.backend() as unknown as TfWebGPUBackend;
            be.ensureCommandEncoderReady();
            be.endComputePassEncoder();
            be.submitQueue();
            await be.device.queue.onSubmittedWorkDone();
          } // the wasm backend runs each op synchronously
        },
        dispose() {
          out?.dispose();
          for (const x of xs) x.dispose();
        },
      };
      return prepared;
    },
  };
}
