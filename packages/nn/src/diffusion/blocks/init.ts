import { fromHost, random, type Device, type RandomKey, type Tensor } from "@diva/tensor";
import type { ShapeBuilder } from "./shapes.js";

/** Options of a model's `init`. */
export interface DiffusionInitOptions {
  /** Device of the parameters (the default device when omitted). */
  device?: Device;
}

/**
 * Flat parameters drawn as PyTorch initialises the layers that own them: weights and biases of Linear and
 * Conv2d uniform in +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5), and the matching bias rule), norm
 * weights one and biases zero. Each parameter gets its own key, folded from its position.
 */
export function initFromShapes(key: RandomKey, b: ShapeBuilder, options: DiffusionInitOptions = {}): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const keys = random.split(key, Math.max(b.shapes.size, 1));
  let i = 0;
  for (const [name, shape] of b.shapes) {
    const { kind, fanIn } = b.init.get(name)!;
    const k = keys[i++]!;
    const size = shape.reduce((a, d) => a * d, 1);
    if (kind === "fan_in") {
      const bound = 1 / Math.sqrt(fanIn);
      out[name] = random.uniform(k, shape, { min: -bound, max: bound, device: options.device });
    } else {
      out[name] = fromHost(new Float32Array(size).fill(kind === "ones" ? 1 : 0), "float32", shape, options.device);
    }
  }
  return out;
}
