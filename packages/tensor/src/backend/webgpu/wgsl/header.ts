import type { WgslComputeType, WgslStorageType } from "../dtypes.js";
import { prelude } from "./prelude.js";

/** A storage buffer a kernel binds (binding 1, 2, ... in order). */
export interface BufferDecl {
  readonly name: string;
  /** Element type; `atomic<...>` for kernels that accumulate with atomics, `vec4<f32>` for vectorised access. */
  readonly type: WgslStorageType | "atomic<u32>" | "atomic<i32>" | "vec4<f32>";
  /** True for the output(s); inputs are read-only. */
  readonly write?: boolean;
}

/** What a kernel's WGSL module is made of. */
interface ModuleSpec {
  /** Compute type, declared as the alias `T`. */
  readonly T: WgslComputeType;
  /** Number of uniform words (binding 0), read with `mu(i)`, `mi(i)`, `mf(i)`. */
  readonly paramWords: number;
  readonly buffers: readonly BufferDecl[];
  /** Module-scope declarations and functions, including `main`. */
  readonly body: string;
}

/**
 * A complete WGSL module: `enable f16` when a buffer holds f16, the alias `T`, the uniform block and
 * accessors, the buffer bindings, the helpers the body calls, then the body.
 */
export function wgslModule(spec: ModuleSpec): string {
  const f16 = spec.buffers.some((b) => b.type === "f16");
  const vec4s = Math.max(1, Math.ceil(spec.paramWords / 4));
  const lines: string[] = [];
  if (f16) lines.push("enable f16;");
  lines.push(`alias T = ${spec.T};`);
  lines.push(`struct Params { w: array<vec4<u32>, ${vec4s}> }`);
  lines.push("@group(0) @binding(0) var<uniform> prm: Params;");
  spec.buffers.forEach((b, i) => {
    lines.push(`@group(0) @binding(${i + 1}) var<storage, ${b.write ? "read_write" : "read"}> ${b.name}: array<${b.type}>;`);
  });
  lines.push("fn mu(i: u32) -> u32 { return prm.w[i >> 2u][i & 3u]; }");
  lines.push("fn mi(i: u32) -> i32 { return bitcast<i32>(mu(i)); }");
  lines.push("fn mf(i: u32) -> f32 { return bitcast<f32>(mu(i)); }");
  const helpers = prelude(spec.body, spec.T);
  if (helpers) lines.push(helpers);
  lines.push(spec.body);
  return lines.join("\n");
}

/** Entry point header of a 1-D kernel of `wg` threads per workgroup; defines `idx`, the global thread index. */
export function linearMain(wg: number): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * ${wg}u;`;
}

/** Workgroup counts covering `workgroups` in a grid no wider than `maxPerDim` (x first, then y). */
export function grid(workgroups: number, maxPerDim: number): [number, number, number] {
  if (workgroups <= maxPerDim) return [Math.max(1, workgroups), 1, 1];
  const y = Math.ceil(workgroups / maxPerDim);
  if (y > maxPerDim) throw new Error(`webgpu: ${workgroups} workgroups exceed the dispatch limit (${maxPerDim}^2)`);
  return [Math.ceil(workgroups / y), y, 1];
}
