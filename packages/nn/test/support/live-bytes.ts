/**
 * Memory probes for tests: live tensor bytes, sampled whenever code reads a field of a parameter tree (a Proxy
 * over its plain objects and arrays), so a test sees the tensors alive inside a forward or an optimizer step.
 */
import { memory, Tensor } from "@diva/tensor";

/** Bytes held by live tensors on every device. */
export const liveBytes = (): number => Object.values(memory().bytes).reduce((a: number, b) => a + (b ?? 0), 0);

/** The tree with every plain object and array wrapped so that reading a field (or its descriptor) samples `liveBytes`. */
export function sampling<T>(tree: T, samples: number[]): T {
  if (tree instanceof Tensor || tree === null || typeof tree !== "object") return tree;
  return new Proxy(tree as object, {
    get(target, key, receiver) {
      samples.push(liveBytes());
      return sampling(Reflect.get(target, key, receiver) as unknown, samples);
    },
    getOwnPropertyDescriptor(target, key) {
      samples.push(liveBytes());
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  }) as T;
}
