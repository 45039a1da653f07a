/**
 * @jax-js/jax as contenders, on its "cpu", "wasm" and "webgpu" devices (webgpu through Dawn's
 * `navigator.gpu`, the same adapter as ours). Each op is a `jit`-compiled function. jax-js evaluates
 * lazily and frees an array that is disposed before it was computed, so every run's output is kept until
 * the sync, which awaits `blockUntilReady` on all of them. On Node 20 its einsum (used by attention) needs
 * the Iterator helpers that `installIteratorHelpers` adds.
 */
import { inputShapes, type BenchCase } from "../cases.js";
import type { Contender, PreparedCase } from "../contender.js";
import { permuteHost } from "../host-layout.js";
import { installIteratorHelpers } from "../iterator-helpers.js";
import { installNavigatorGpu } from "../navigator-gpu.js";

type Jax = typeof import("@jax-js/jax");
type JArray = import("@jax-js/jax").Array;
type JaxDevice = "cpu" | "wasm" | "webgpu";

/** A jit-compiled function of the case's inputs (attention inputs in jax-js's [B, L, N, H] layout). */
function opOf(jax: Jax, c: BenchCase): (...xs: JArray[]) => JArray {
  const { numpy: np, nn, lax } = jax;
  switch (c.kind) {
    case "matmul":
      return jax.jit((a: JArray, b: JArray) => np.matmul(a, b));
    case "conv2d":
      return jax.jit((x: JArray, w: JArray) => lax.convGeneralDilated(x, w, [1, 1], "SAME"));
    case "attention":
      return jax.jit((q: JArray, k: JArray, v: JArray) => nn.dotProductAttention(q, k, v));
    case "layerNorm":
      return jax.jit((x: JArray, g: JArray, b: JArray) => np.add(np.multiply(nn.standardize(x, -1, { epsilon: 1e-5 }), g), b));
    case "softmax":
      return jax.jit((x: JArray) => nn.softmax(x, -1));
  }
}

/** jax-js on `device`. */
export function jaxContender(device: JaxDevice): Contender {
  let jax: Jax | undefined;
  return {
    name: `jax-js ${device}`,
    async setup() {
      if (device === "webgpu") await installNavigatorGpu();
      installIteratorHelpers();
      jax = await import("@jax-js/jax");
      const got = await jax.init(device);
      if (!got.includes(device)) throw new Error(`jax.init("${device}") returned [${got.join(", ")}]`);
      if (device === "webgpu") {
        const info = jax.getWebGPUDevice().adapterInfo;
        return `adapter ${[info.vendor, info.architecture, info.description].filter(Boolean).join(" / ") || "unknown"}`;
      }
      return device === "wasm" ? "1 thread" : "JavaScript interpreter (cases predicted to exceed --max-ms are skipped)";
    },
    async prepare(c, inputs) {
      const j = jax!;
      j.defaultDevice(device);
      const shapes = inputShapes(c);
      const arrays = inputs.map((data, i) => {
        let shape = shapes[i]!;
        let values = data;
        if (c.kind === "attention") {
          values = permuteHost(data, shape, [0, 2, 1, 3]);
          shape = [shape[0]!, shape[2]!, shape[1]!, shape[3]!];
        }
        return j.numpy.array(values, { shape, device });
      });
      const op = opOf(j, c);
      let pending: JArray[] = [];
      const prepared: PreparedCase = {
        run() {
          pending.push(op(...arrays.map((a) => a.ref)));
        },
        async sync() {
          const outs = pending;
          pending = [];
          await j.blockUntilReady(outs);
          for (const o of outs) o.dispose();
        },
        dispose() {
          for (const o of pending) o.dispose();
          for (const a of arrays) a.dispose();
          (op as { dispose?: () => void }).dispose?.();
        },
      };
      return prepared;
    },
  };
}
