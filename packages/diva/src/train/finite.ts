import { cast, isFloat, mul, noGrad, stack, sum, tidy, type Tensor } from "@diva/tensor";

/**
 * Names of the tensors holding a NaN or an infinity. Computed on the tensors' device (x * 0 is NaN exactly
 * where x is not finite, and the sum carries it), with one read-back for all of them.
 */
export async function nonFiniteTensors(tensors: Readonly<Record<string, Tensor>>): Promise<string[]> {
  const names = Object.keys(tensors).filter((k) => isFloat(tensors[k]!.dtype));
  if (names.length === 0) return [];
  const flags = noGrad(() => tidy(() => stack(names.map((k) => cast(sum(mul(tensors[k]!, 0)), "float32")))));
  try {
    const v = await flags.data();
    return names.filter((_, i) => Number.isNaN(v[i]));
  } finally {
    flags.dispose();
  }
}

/** "a, b, c and 4 more" for messages. */
export function listSome(names: readonly string[], shown = 3): string {
  const head = names.slice(0, shown).join(", ");
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}
