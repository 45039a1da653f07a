/**
 * onnxruntime-node (CPU execution provider) running one-node models built in the script: MatMul for the
 * matmul part, Conv (forward only: an inference runtime) for the conv part.
 */
import type { ConvCase, MatmulCase } from "../cases.js";
import { convModel, matmulModel } from "../onnx-model.js";
import { timeInProcess, type Runner } from "./runner.js";

type Ort = typeof import("onnxruntime-node");
type Session = Awaited<ReturnType<Ort["InferenceSession"]["create"]>>;
type Feeds = Parameters<Session["run"]>[0];

/** A runner over one model per case, created on first use and kept until `close`. */
function sessionRunner<C extends MatmulCase | ConvCase>(
  threads: number,
  model: (c: C) => { key: string; bytes: () => Uint8Array; feeds: (ort: Ort) => Feeds; output: string },
  unsupported?: (c: C) => string | undefined,
): Runner<C> {
  let ort: Ort | undefined;
  const sessions = new Map<string, Session>();
  return {
    name: "onnxruntime-node",
    threads,
    async setup() {
      ort = await import("onnxruntime-node");
    },
    ...(unsupported ? { unsupported } : {}),
    async time(c: C, repeats: number) {
      const o = ort!;
      const m = model(c);
      let s = sessions.get(m.key);
      if (!s) {
        s = await o.InferenceSession.create(m.bytes(), {
          executionProviders: ["cpu"],
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          graphOptimizationLevel: "all",
        });
        sessions.set(m.key, s);
      }
      const feeds = m.feeds(o);
      const session = s;
      return timeInProcess(repeats, async () => (await session.run(feeds))[m.output]?.dispose());
    },
    async close() {
      for (const s of sessions.values()) await s.release();
      sessions.clear();
    },
  };
}

/** onnxruntime-node MatMul with `threads` intra-op threads. */
export function ortRunner(threads: number): Runner<MatmulCase> {
  return sessionRunner<MatmulCase>(threads, ({ n, a, b }) => ({
    key: String(n),
    bytes: () => matmulModel(n, n, n),
    feeds: (o) => ({ A: new o.Tensor("float32", a, [n, n]), B: new o.Tensor("float32", b, [n, n]) }),
    output: "C",
  }));
}

/** onnxruntime-node Conv (forward) with `threads` intra-op threads. */
export function ortConvRunner(threads: number): Runner<ConvCase> {
  return sessionRunner<ConvCase>(
    threads,
    (c) => ({
      key: c.shape.name,
      bytes: () => convModel(c.shape.x, c.shape.w, c.shape.stride, c.shape.pad, c.out),
      feeds: (o) => ({ X: new o.Tensor("float32", c.x, c.shape.x), W: new o.Tensor("float32", c.w, c.shape.w) }),
      output: "Y",
    }),
    (c) => (c.pass === "forward" ? undefined : "inference runtime (no gradient kernels)"),
  );
}
