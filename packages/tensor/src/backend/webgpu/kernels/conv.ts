import type { KernelAttrs, OutputInfo, TensorView } from "../../backend.js";
import { contiguousStrides, mergedStride } from "../../../shape.js";
import type { GpuContext } from "../context.js";
import { gpuByteLength, gpuElementBytes } from "../dtypes.js";
import type { WebGPUStorage } from "../storage.js";
import { cast } from "./elementwise.js";
import { matmul } from "./matmul.js";
import { unfold } from "./window.js";

function release(ctx: GpuContext, t: WebGPUStorage): void {
  t.freed = true;
  ctx.pool.release(t.buffer);
}

const fmt = (shape: readonly number[]): string => `[${shape.join(",")}]`;

/**
 * conv2d as im2col then the batched matmul: [N, groups, O/groups, Kg] (weight, batch broadcast) @
 * [N, groups, Kg, L] (columns); the column buffer goes back to the pool once the queue has run.
 *
 * The column buffer ([N, C*kh*kw, L]: 9x the input for a 3x3 kernel) must fit one storage binding. When it
 * does not, the batch is split into chunks of images whose columns fit, each chunk's output copied into its
 * place in the output; when even one image's columns do not fit, the op fails before any dispatch with an
 * error naming the shapes, the bytes and the adapter's limit.
 */
export function conv2d(ctx: GpuContext, x: TensorView, w: TensorView, attrs: KernelAttrs["conv2d"], out: OutputInfo): WebGPUStorage {
  const N = x.shape[0]!;
  const [O, Cg, kh, kw] = w.shape as [number, number, number, number];
  const K = x.shape[1]! * kh * kw;
  const L = out.shape[2]! * out.shape[3]!;
  const limit = ctx.maxBindingBytes;
  const perImage = gpuByteLength(out.dtype, K * L);
  const outImageBytes = O * L * gpuElementBytes(out.dtype);
  const fits = Math.floor(limit / perImage);
  if (fits < 1) {
    throw new Error(
      `conv2d: input ${fmt(x.shape)} with weight ${fmt(w.shape)}: the im2col columns of one image, a ${out.dtype} tensor of shape ${fmt([1, K, L])}, ` +
        `need ${perImage} bytes, more than this WebGPU adapter's binding limit of ${limit} bytes (min of maxStorageBufferBindingSize and maxBufferSize); ` +
        `use smaller images or the cpu device`,
    );
  }
  // chunked outputs are copied at byte offsets that must be multiples of 4
  if (fits < N && outImageBytes % 4 !== 0) {
    throw new Error(
      `conv2d: input ${fmt(x.shape)} with weight ${fmt(w.shape)}: the im2col columns ${fmt([N, K, L])} exceed this WebGPU adapter's binding limit of ${limit} bytes ` +
        `and a ${out.dtype} output image of ${outImageBytes} bytes cannot be copied in chunks (not a multiple of 4 bytes); use a float32 output or the cpu device`,
    );
  }
  let wv = w;
  let s = mergedStride(w.shape, w.strides, 1);
  let copy: WebGPUStorage | undefined;
  if (s === null) {
    copy = cast(ctx, w, { shape: w.shape, dtype: w.dtype }, "contiguous");
    wv = { storage: copy, dtype: w.dtype, shape: w.shape, strides: contiguousStrides(w.shape), offset: 0 };
    s = 1;
  }
  const G = attrs.groups, og = O / G, Kg = Cg * kh * kw;
  const chunk = (xs: TensorView, n: number): WebGPUStorage => {
    const cols = unfold(ctx, xs, attrs, { shape: [n, K, L], dtype: out.dtype });
    const a: TensorView = { storage: wv.storage, dtype: w.dtype, shape: [n, G, og, Kg], strides: [0, og * wv.strides[0]!, wv.strides[0]!, s], offset: wv.offset };
    const b: TensorView = { storage: cols, dtype: out.dtype, shape: [n, G, Kg, L], strides: [K * L, Kg * L, L, 1], offset: 0 };
    const y = matmul(ctx, a, b, { shape: [n, G, og, L], dtype: out.dtype });
    release(ctx, cols);
    return y;
  };
  let y: WebGPUStorage;
  if (fits >= N) y = chunk(x, N);
  else {
    y = ctx.alloc(out.dtype, N * O * L, "conv2d", out.shape);
    for (let n0 = 0; n0 < N; n0 += fits) {
      const n = Math.min(fits, N - n0);
      const part = chunk({ ...x, shape: [n, ...x.shape.slice(1)], offset: x.offset + n0 * x.strides[0]! }, n);
      ctx.queue.copy(part.buffer, 0, y.buffer, n0 * outImageBytes, n * outImageBytes);
      release(ctx, part);
    }
  }
  if (copy) release(ctx, copy);
  return y;
}
