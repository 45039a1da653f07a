/**
 * Browser test fixture (bundled by browser.test.ts): multiplies and takes softmaxes with the WebAssembly
 * kernels and reports the errors against plain JavaScript, the kernel setup and how many jobs ran on
 * several threads. In a dedicated worker it first starts two kernel threads (nested workers).
 */
import { matmulF32 } from "./matmul.js";
import { softmaxRowsF32 } from "./softmax.js";
import { cpuKernelInfo, startCpuThreads, type CpuKernelInfo } from "./info.js";

/** What the fixture reports. */
export interface BrowserCheck {
  where: "window" | "worker";
  crossOriginIsolated: boolean;
  threadsStarted: number;
  matmulMaxRelError: number;
  softmaxMaxAbsError: number;
  info: CpuKernelInfo;
}

function fill(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5);
}

/** Runs the check with up to `threads` threads. */
export async function check(threads: number): Promise<BrowserCheck> {
  const where = typeof window === "undefined" ? "worker" : "window";
  const threadsStarted = threads > 1 ? await startCpuThreads(threads) : 1;
  const [m, n, k] = [97, 130, 211];
  const a = fill(m * k, 1), b = fill(n * k, 2); // b holds B transposed: [n, k]
  const out = new Float32Array(m * n);
  matmulF32({ data: a, offset: 0, rowStride: k, colStride: 1 }, { data: b, offset: 0, rowStride: 1, colStride: k }, out, m, n, k, { threads });
  let matmulMaxRelError = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, g = 0;
      for (let p = 0; p < k; p++) {
        s += a[i * k + p]! * b[j * k + p]!;
        g += Math.abs(a[i * k + p]! * b[j * k + p]!);
      }
      matmulMaxRelError = Math.max(matmulMaxRelError, Math.abs(out[i * n + j]! - s) / g);
    }
  }
  const x = fill(64 * 33, 3).map((v) => v * 20);
  const y = new Float32Array(x.length);
  softmaxRowsF32(x, 0, y, 0, 64, 33, { threads });
  let softmaxMaxAbsError = 0;
  for (let r = 0; r < 64; r++) {
    const row = Array.from(x.subarray(r * 33, r * 33 + 33));
    const mx = Math.max(...row);
    const e = row.map((v) => Math.exp(v - mx));
    const sum = e.reduce((p, q) => p + q, 0);
    for (let j = 0; j < 33; j++) softmaxMaxAbsError = Math.max(softmaxMaxAbsError, Math.abs(y[r * 33 + j]! - e[j]! / sum));
  }
  return { where, crossOriginIsolated: globalThis.crossOriginIsolated === true, threadsStarted, matmulMaxRelError, softmaxMaxAbsError, info: cpuKernelInfo() };
}

const scope = globalThis as unknown as { WorkerGlobalScope?: unknown; postMessage?: (m: unknown) => void };
if (typeof scope.WorkerGlobalScope !== "undefined") {
  check(2).then(
    (r) => scope.postMessage!(r),
    (e: unknown) => scope.postMessage!({ error: String((e as Error)?.stack ?? e) }),
  );
}
