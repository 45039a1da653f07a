/**
 * Widening of float16 and bfloat16 bit patterns to float32 (both exact). The scalar half decoder comes from
 * @diva/tensor; a 65536-entry table built from it on first use makes the array version one lookup per element.
 */
import { f16ToF32 } from "@diva/tensor";

let table: Float32Array | undefined;

/** float32 values of half-precision bit patterns. */
export function widenF16(bits: Uint16Array): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = f16ToF32(h);
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
  return out;
}

/** float32 values of bfloat16 bit patterns (the top 16 bits of a float32). */
export function widenBf16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i]! << 16;
  return out;
}
