/**
 * onnxruntime-node (CPU execution provider) running a one-node MatMul model built in the script.
 */
import { timeInProcess, type MatmulInputs, type MatmulRunner } from "./runner.js";
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
      const session = s;
      return timeInProcess(repeats, async () => (await session.run(feeds)).C?.dispose());
    },
    async close() {
      for (const s of sessions.values()) await s.release();
      sessions.clear();
    },
  };
}
