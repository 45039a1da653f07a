/**
 * Test fixture (run as a child process): multiplies on several threads, prints, and must then exit by
 * itself with the worker threads still idle.
 */
import { matmulF32 } from "./matmul.js";
import { cpuKernelInfo } from "./info.js";

const n = 256;
const a = new Float32Array(n * n).fill(1);
const out = new Float32Array(n * n);
matmulF32({ data: a, offset: 0, rowStride: n, colStride: 1 }, { data: a, offset: 0, rowStride: n, colStride: 1 }, out, n, n, n);
if (out[0] !== n) throw new Error(`bad result ${out[0]}`);
console.log(`ok parallel=${cpuKernelInfo().parallelJobs}`);
