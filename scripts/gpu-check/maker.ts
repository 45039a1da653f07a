/**
 * Deterministic inputs for the op comparison: a maker bound to a device draws the same numbers on every
 * device for the same seed, so a case built twice (cpu, webgpu) sees identical data.
 */
import { fromHost, type Device, type Tensor } from "@diva/tensor";

/** Options of `floats`. */
export interface FloatOptions {
  /** Every n-th element is NaN (for isnan, maximum/minimum NaN propagation). */
  readonly nanEvery?: number;
  /** Round to this many steps per unit (produces exact ties and repeats, for comparisons and argmax). */
  readonly quantum?: number;
}

/** Makes tensors on one device from a seeded linear congruential generator. */
export class Maker {
  private state: number;

  constructor(
    /** Device the tensors are created on. */
    readonly device: Device,
    seed: number,
  ) {
    this.state = seed >>> 0 || 1;
  }

  private next(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return this.state / 2 ** 32;
  }

  /** float32 tensor of `shape` with values uniform in [lo, hi). */
  floats(shape: readonly number[], lo = -1, hi = 1, o: FloatOptions = {}): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let v = lo + (hi - lo) * this.next();
      if (o.quantum) v = Math.round(v * o.quantum) / o.quantum;
      d[i] = o.nanEvery && i % o.nanEvery === o.nanEvery - 1 ? NaN : v;
    }
    return fromHost(d, "float32", shape, this.device);
  }

  /** int32 tensor of `shape` with values uniform in [lo, hi). */
  ints(shape: readonly number[], lo: number, hi: number): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const d = new Int32Array(n);
    for (let i = 0; i < n; i++) d[i] = lo + Math.floor((hi - lo) * this.next());
    return fromHost(d, "int32", shape, this.device);
  }

  /** bool tensor of `shape`, each true with probability `p`. */
  bools(shape: readonly number[], p = 0.5): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const d = new Uint8Array(n);
    for (let i = 0; i < n; i++) d[i] = this.next() < p ? 1 : 0;
    return fromHost(d, "bool", shape, this.device);
  }
}
