/**
 * @jax-js/jax on its "wasm" device.
 */
import { timeInProcess, type MatmulInputs, type MatmulRunner } from "./runner.js";

type Jax = typeof import("@jax-js/jax");

/** jax-js `numpy.matmul` on the wasm device. */
export function jaxWasmRunner(): MatmulRunner {
  let jax: Jax | undefined;
  return {
    name: "jax-js wasm",
    threads: 1,
    async setup() {
      jax = await import("@jax-js/jax");
      const got = await jax.init("wasm");
      if (!got.includes("wasm")) throw new Error(`wasm device not initialised (got ${got.join(", ") || "none"})`);
      jax.defaultDevice("wasm");
    },
    async time({ n, a, b }: MatmulInputs, repeats: number) {
      const np = jax!.numpy;
      const ja = np.array(a, { shape: [n, n] }), jb = np.array(b, { shape: [n, n] });
      const timing = await timeInProcess(repeats, () => np.matmul(ja.ref, jb.ref).dataSync());
      ja.dispose();
      jb.dispose();
      return timing;
    },
    async close() {},
  };
}
