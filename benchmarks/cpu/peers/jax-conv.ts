/**
 * jax-js (wasm device) conv2d passes: `lax.convGeneralDilated` (NCHW / OIHW) under `jit`, and its
 * gradients from `jax.grad` of sum(conv(x, w) * dy) with respect to x or w (conv is linear, so the
 * forward result is not needed by either gradient).
 */
import type { ConvCase } from "../cases.js";
import { loadJaxWasm } from "./jax.js";
import { loadedLibraryRunner, timeInProcess, type Runner } from "./runner.js";

type JArray = import("@jax-js/jax").Array;

/** jax-js conv2d passes on the wasm device. */
export function jaxConvRunner(): Runner<ConvCase> {
  return loadedLibraryRunner("jax-js wasm", loadJaxWasm, (jax) => ({
    unsupported(c: ConvCase) {
      // its input gradient is an input-dilated convolution, which jax-js runs very slowly
      if (c.pass === "input-grad" && c.shape.stride > 1) return "input gradient of a strided conv takes minutes in jax-js (3.1 s for x [2,3,64,64], w [64,3,16,16], stride 16)";
      return undefined;
    },
    async time(c: ConvCase, repeats: number) {
      const j = jax(), np = j.numpy;
      const s = c.shape.stride, p = c.shape.pad;
      const conv = (x: JArray, w: JArray): JArray => j.lax.convGeneralDilated(x, w, [s, s], [[p, p], [p, p]]);
      const loss = (x: JArray, w: JArray, dy: JArray): JArray => np.sum(np.multiply(conv(x, w), dy));
      const fn =
        c.pass === "forward"
          ? j.jit((x: JArray, w: JArray, _dy: JArray) => (_dy.dispose(), conv(x, w)))
          : j.jit(j.grad(loss, { argnums: c.pass === "input-grad" ? 0 : 1 }) as (x: JArray, w: JArray, dy: JArray) => JArray);
      const x = np.array(c.x, { shape: c.shape.x }), w = np.array(c.w, { shape: c.shape.w }), dy = np.array(c.dy, { shape: c.out });
      const timing = await timeInProcess(repeats, async () => {
        const y = fn(x.ref, w.ref, dy.ref);
        await j.blockUntilReady(y);
        y.dispose();
      });
      for (const a of [x, w, dy]) a.dispose();
      fn.dispose();
      return timing;
    },
  }));
}
