/**
 * @jax-js/jax on its "wasm" device: the loader shared by its contenders, and matmul.
 */
import type { MatmulCase } from "../cases.js";
import { loadedLibraryRunner, timeInProcess, type Runner } from "./runner.js";

/** The jax-js namespace. */
export type Jax = typeof import("@jax-js/jax");

let loading: Promise<Jax> | undefined;

/** jax-js with the wasm device initialised and made the default. */
export function loadJaxWasm(): Promise<Jax> {
  loading ??= (async () => {
    const jax = await import("@jax-js/jax");
    const got = await jax.init("wasm");
    if (!got.includes("wasm")) throw new Error(`wasm device not initialised (got ${got.join(", ") || "none"})`);
    jax.defaultDevice("wasm");
    return jax;
  })();
  return loading;
}

/** jax-js `numpy.matmul` on the wasm device. */
export function jaxWasmRunner(): Runner<MatmulCase> {
  return loadedLibraryRunner("jax-js wasm", loadJaxWasm, (jax) => ({
    async time({ n, a, b }: MatmulCase, repeats: number) {
      const np = jax().numpy;
      const ja = np.array(a, { shape: [n, n] }), jb = np.array(b, { shape: [n, n] });
      const timing = await timeInProcess(repeats, () => np.matmul(ja.ref, jb.ref).dataSync());
      ja.dispose();
      jb.dispose();
      return timing;
    },
  }));
}
