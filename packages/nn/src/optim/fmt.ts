import type { Tensor } from "@diva/tensor";

/** `[2,3]` for error messages. */
export const fmtShape = (s: readonly number[]): string => `[${s.join(",")}]`;

/** Returns the gradient `g` of parameter `p` (at key path `path`), or throws when their shapes differ. */
export function checkGradShape(p: Tensor, g: Tensor, path: string): Tensor {
  if (p.shape.length !== g.shape.length || p.shape.some((d, k) => d !== g.shape[k])) {
    throw new Error(`optimizer: parameter ${JSON.stringify(path)} has shape ${fmtShape(p.shape)} but its gradient ${fmtShape(g.shape)}`);
  }
  return g;
}
