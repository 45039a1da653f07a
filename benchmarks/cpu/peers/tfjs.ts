/**
 * @tensorflow/tfjs with its WebAssembly backend (XNNPACK; single-threaded under Node): matmul.
 */
import type { MatmulCase } from "../cases.js";
import { loadedLibraryRunner, timeInProcess, type Runner } from "./runner.js";
import { loadTfjsWasm } from "./tfjs-load.js";

/** tfjs `matMul` on the "wasm" backend. */
export function tfjsWasmRunner(): Runner<MatmulCase> {
  return loadedLibraryRunner("tfjs wasm", loadTfjsWasm, (tf) => ({
    async time({ n, a, b }: MatmulCase, repeats: number) {
      const t = tf();
      const ta = t.tensor2d(a, [n, n]), tb = t.tensor2d(b, [n, n]);
      const timing = await timeInProcess(repeats, () => {
        const c = t.matMul(ta, tb);
        c.dataSync();
        c.dispose();
      });
      ta.dispose();
      tb.dispose();
      return timing;
    },
  }));
}
