/**
 * Our conv2d contender through @diva/tensor on the CPU backend. The gradient passes run the ops conv2d's
 * VJP runs: the input gradient is, for stride 1, a conv2d of dy with the flipped, transposed kernel (Winograd
 * for 3x3 kernels on the fast CPU backend), else fold(W^T @ dy); the weight gradient the batch sum of
 * dy @ unfold(x)^T (the unfold included, as PyTorch's weight gradient includes its own im2col).
 */
import * as dt from "@diva/tensor";
import type { ConvCase } from "../cases.js";
import { timeInProcess, type Runner } from "./runner.js";

/** The timed function of one pass, over tensors made before timing. */
function passOf(c: ConvCase, x: dt.Tensor, w: dt.Tensor, dy: dt.Tensor): () => dt.Tensor {
  const [N, C, H, W] = c.shape.x, [O, , kh, kw] = c.shape.w;
  const K = C * kh * kw, L = c.out[2] * c.out[3];
  const opts = { stride: c.shape.stride, padding: c.shape.pad };
  switch (c.pass) {
    case "forward":
      return () => dt.conv2d(x, w, null, opts);
    case "input-grad":
      if (c.shape.stride === 1 && c.shape.pad <= Math.min(kh, kw) - 1) {
        const wt = dt.permute(dt.flip(w, [2, 3]), [1, 0, 2, 3]);
        return () => dt.conv2d(dy, wt, null, { padding: [kh - 1 - c.shape.pad, kw - 1 - c.shape.pad] });
      }
      return () => dt.fold(dt.matmul(dt.transpose(dt.reshape(w, [O, K])), dt.reshape(dy, [N, O, L])), [H, W], [kh, kw], opts);
    case "weight-grad":
      return () => {
        const g = dt.matmul(dt.reshape(dy, [N, O, L]), dt.transpose(dt.unfold(x, [kh, kw], opts)));
        // the batch sum of the broadcast weight, as autograd's sumTo does it (none for a batch of 1)
        return dt.reshape(N > 1 ? dt.sum(g, 0) : g, c.shape.w);
      };
  }
}

/** conv2d passes on our CPU backend with `threads` threads. */
export function divaConvRunner(threads: number): Runner<ConvCase> {
  return {
    name: "diva cpu (@diva/tensor)",
    threads,
    async setup() {},
    async time(c: ConvCase, repeats: number) {
      dt.setCpuThreads(threads);
      const x = dt.fromHost(c.x, "float32", c.shape.x), w = dt.fromHost(c.w, "float32", c.shape.w), dy = dt.fromHost(c.dy, "float32", c.out);
      const pass = passOf(c, x, w, dy);
      const t = await timeInProcess(repeats, () => dt.tidy(() => void pass()));
      dt.dispose([x, w, dy]);
      return t;
    },
    async close() {},
  };
}
