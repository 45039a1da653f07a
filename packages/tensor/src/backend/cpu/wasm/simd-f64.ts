/**
 * f64x2 expressions for the kernels that accumulate float32 data in float64 (sums and norm statistics, as
 * the reference kernels do): promoting float32 lanes, adding and multiplying pairs of doubles. A v128 local
 * holds either four float32 or two float64 values; the names say which.
 */
import { Ex, type V128 } from "./asm/expr.js";
import { Op } from "./asm/opcodes.js";

/** SIMD opcodes of the f64x2 instructions used here (after the 0xfd prefix, LEB128). */
const F64X2 = { promoteLowF32x4: 0x5f, add: 0xf0, sub: 0xf1, mul: 0xf2 } as const;
const I8X16_SHUFFLE = 0x0d;

function simdOp(type: "v128", op: number, ...args: V128[]): Ex<"v128"> {
  return new Ex(type, (t) => {
    for (const a of args) a.emit(t);
    t.w.u8(Op.simdPrefix).u32(op);
  });
}

/** float64 x 2 expressions. */
export const D = {
  /** Lanes 0 and 1 of a float32 x 4 vector as two doubles. */
  promoteLow: (a: V128) => simdOp("v128", F64X2.promoteLowF32x4, a),
  /** Lanes 2 and 3 of a float32 x 4 vector as two doubles. */
  promoteHigh: (a: V128) =>
    simdOp(
      "v128",
      F64X2.promoteLowF32x4,
      new Ex("v128", (t) => {
        a.emit(t);
        a.emit(t);
        t.w.u8(Op.simdPrefix).u32(I8X16_SHUFFLE);
        t.w.bytes([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
      }),
    ),
  add: (a: V128, b: V128) => simdOp("v128", F64X2.add, a, b),
  sub: (a: V128, b: V128) => simdOp("v128", F64X2.sub, a, b),
  mul: (a: V128, b: V128) => simdOp("v128", F64X2.mul, a, b),
} as const;
