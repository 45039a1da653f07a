/**
 * Seeded random weights that cost almost nothing to make: a counter-based hash of (seed, tensor name, element
 * index) gives each value, so a tensor's values do not depend on the order tensors are made in and any tensor
 * can be produced alone (streamed to disk one at a time). Uniform with the standard deviation of a
 * fan-in-scaled init: these weights exercise the code paths and the memory, not the model's quality.
 */

/** 32-bit FNV-1a of a string: the per-tensor stream id. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: a bijective mix of 32 bits. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** What a tensor's values are: a constant, or uniform with this standard deviation around zero. */
type RandomInit = { readonly constant: number } | { readonly std: number };

/**
 * The init of a checkpoint tensor from its name and shape, the same rule for every model: scalars are
 * `logit_scale` (ln 100) or 0; 1-D `weight`/`gamma` are norm scales (1), 1-D `bias` are 0, other 1-D tensors
 * (class embeddings) have std 1/sqrt(n); matrices and kernels have std 1/sqrt(fan-in), fan-in being the
 * product of all but the first dimension.
 */
function randomInitFor(name: string, shape: readonly number[]): RandomInit {
  if (shape.length === 0) return { constant: /(^|\.)logit_scale$/.test(name) ? Math.log(100) : 0 };
  if (shape.length === 1) {
    if (/(weight|gamma)$/.test(name)) return { constant: 1 };
    if (/bias$/.test(name)) return { constant: 0 };
    return { std: 1 / Math.sqrt(shape[0]!) };
  }
  let fanIn = 1;
  for (let i = 1; i < shape.length; i++) fanIn *= shape[i]!;
  return { std: 1 / Math.sqrt(Math.max(1, fanIn)) };
}

/** The float32 values of tensor `name` of `shape` for `seed` (deterministic; see {@link randomInitFor}). */
export function randomTensorValues(seed: number, name: string, shape: readonly number[]): Float32Array {
  let n = 1;
  for (const d of shape) n *= d;
  const out = new Float32Array(n);
  const init = randomInitFor(name, shape);
  if ("constant" in init) return out.fill(init.constant);
  // uniform on [-a, a] has std a / sqrt(3)
  const scale = (init.std * Math.sqrt(3) * 2) / 4294967296;
  const a = init.std * Math.sqrt(3);
  const stream = mix(fnv1a(name) ^ mix(seed >>> 0));
  for (let i = 0; i < n; i++) out[i] = mix((i + Math.imul(stream, 0x9e3779b9)) ^ stream) * scale - a;
  return out;
}
