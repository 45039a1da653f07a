/**
 * WGSL shared by the kernels that normalise rows with one workgroup per row (kernels/norm.ts for the layer
 * and group norm forward, kernels/norm-grad.ts for their backward): the workgroup tree sum, and the entry
 * point down to the row's mean and reciprocal standard deviation.
 */

/**
 * `fn name(v: f32, lid: u32) -> f32`: the sum of `v` over a workgroup of `wg` invocations, a tree reduction in
 * the workgroup array `arr`. Each sum needs an array of its own, never written again once summed: Mesa
 * llvmpipe (Dawn's OpenGL backend on Mesa 22.3) moves the read of the total past the barrier that follows it,
 * so with one shared array the invocations after the first 8-lane group read it after lane 0 had stored its
 * next partial sum there (a wrong mean for most of the row). See webgpu/norm.test.ts.
 */
export function workgroupSumFn(name: string, arr: string, wg: number): string {
  return `fn ${name}(v: f32, lid: u32) -> f32 {
  ${arr}[lid] = v;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { ${arr}[lid] = ${arr}[lid] + ${arr}[lid + s]; }
    workgroupBarrier();
  }
  return ${arr}[0];
}`;
}

/** What {@link rowStatsMain} needs from its kernel. */
interface RowStatsParts {
  /** Workgroup size. */
  wg: number;
  /** Code that sets the row's element offsets (`r_p0`, ...) from `row`. */
  rowCode: string;
  /** Wraps a body in the loop over the row's elements `j` that sets `i_p0`, ... */
  loop: (body: string) => string;
  /** The function that loads element `p` of x as f32. */
  ld: string;
  /** The workgroup sum function (see {@link workgroupSumFn}) for the mean. */
  sumMean: string;
  /** The workgroup sum function for the variance (another array than the mean's). */
  sumVar: string;
}

/**
 * The entry point `main` of a row kernel, open after `let rstd`: one workgroup per row (rows over the grid's x
 * and y), params 0 (rows), 1 (L, the row length) and 2 (eps); `mean` and `rstd = 1 / sqrt(var + eps)` of the
 * row's x in two passes (the biased variance about the mean). The caller adds the rest of the body and `}`.
 */
export function rowStatsMain({ wg, rowCode, loop, ld, sumMean, sumVar }: RowStatsParts): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= mu(0u)) { return; }
  let L = mu(1u);
  let eps = mf(2u);
  ${rowCode}
  var s1 = 0.0;
  ${loop(`s1 = s1 + ${ld}(r_p0 + i_p0);`)}
  let mean = ${sumMean}(s1, lid) / f32(L);
  var s2 = 0.0;
  ${loop(`let d = ${ld}(r_p0 + i_p0) - mean;\n    s2 = s2 + d * d;`)}
  let rstd = 1.0 / sqrt(${sumVar}(s2, lid) / f32(L) + eps);`;
}
