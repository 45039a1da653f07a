/**
 * @tensorflow/tfjs with its WebAssembly backend (XNNPACK; single-threaded under Node).
 */
import { createRequire } from "node:module";
import path from "node:path";
import { timeInProcess, type MatmulInputs, type MatmulRunner } from "./runner.js";

type Tf = typeof import("@tensorflow/tfjs");

/** tfjs on the "wasm" backend. */
export function tfjsWasmRunner(): MatmulRunner {
  let tf: Tf | undefined;
  return {
    name: "tfjs wasm",
    threads: 1,
    async setup() {
      const require = createRequire(import.meta.url);
      const log = console.log, warn = console.warn;
      console.log = console.warn = () => undefined; // tfjs greets on import
      try {
        tf = await import("@tensorflow/tfjs");
        const wasm = await import("@tensorflow/tfjs-backend-wasm");
        const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
        wasm.setWasmPaths(dist + path.sep);
        if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') failed");
        await tf.ready();
      } finally {
        console.log = log;
        console.warn = warn;
      }
    },
    async time({ n, a, b }: MatmulInputs, repeats: number) {
      const t = tf!;
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
    async close() {},
  };
}
