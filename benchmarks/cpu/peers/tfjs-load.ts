/**
 * Loads @tensorflow/tfjs with its WebAssembly backend once for every tfjs contender.
 */
import { createRequire } from "node:module";
import path from "node:path";

/** The tfjs namespace. */
export type Tf = typeof import("@tensorflow/tfjs");

let loading: Promise<Tf> | undefined;

async function load(): Promise<Tf> {
  const require = createRequire(import.meta.url);
  const log = console.log, warn = console.warn;
  console.log = console.warn = () => undefined; // tfjs greets on import
  try {
    const tf = await import("@tensorflow/tfjs");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
    wasm.setWasmPaths(dist + path.sep);
    if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') failed");
    await tf.ready();
    return tf;
  } finally {
    console.log = log;
    console.warn = warn;
  }
}

/** tfjs on the "wasm" backend (XNNPACK; single-threaded under Node). */
export function loadTfjsWasm(): Promise<Tf> {
  loading ??= load();
  return loading;
}
