/**
 * onnxruntime-node (CPU execution provider) running a one-node MatMul model built in the script.
 */
import type { MatmulInputs, MatmulRunner } from "./runner.js";
import { matmulModel } from "../onnx-model.js";

type Ort = typeof import("onnxruntime-node");
type Session = Awaited<ReturnType<Ort["InferenceSession"]["create"]>>;

/** onnxruntime-node with `threads` intra-op threads. */
export function ortRunner(threads: number): MatmulRunner {
  let ort: Ort | undefined;
  const sessions = new Map<number, Session>();
  return {
    name: "onnxruntime-node",
    threads,
    async setup() {
      ort = await import("onnxruntime-node");
    },
    async time({ n, a, b }: MatmulInputs, repeats: number) {
      const o = ort!;
      let s = sessions.get(n);
      if (!s) {
        s = await o.InferenceSession.create(matmulModel(n, n, n), {
          executionProviders: ["cpu"],
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          graphOptimizationLevel: "all",
        });
        sessions.set(n, s);
      }
      const feeds = { A: new o.Tensor("float32", a, [n, n]), B: new o.Tensor("float32", b, [n, n]) };
      const ts: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        const res = await s.run(feeds);
        ts.push((performance.now() - t0) / 1e3);
        res.C?.dispose();
      }
      return ts;
    },
    async close() {
      for (const s of sessions.values()) await s.release();
      sessions.clear();
    },
  };
}
