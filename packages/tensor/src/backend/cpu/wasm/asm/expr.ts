/**
 * Typed WebAssembly expressions: trees that emit stack code for one value. Kernels are written as
 * `set(x, I.add(x, 4))` instead of raw opcodes; the type parameter keeps i32, f32 and v128 apart.
 */
import type { ByteWriter } from "./bytes.js";
import { AtomicOp, Op, SimdOp, type ValType } from "./opcodes.js";

/** What an expression needs from the function it is emitted into. */
export interface EmitTarget {
  /** The instruction stream. */
  readonly w: ByteWriter;
  /** Whether `f32x4.relaxed_madd` may be used for fused multiply-add. */
  readonly relaxed: boolean;
}

/** An expression yielding one value of type `T`. */
export class Ex<T extends ValType = ValType> {
  constructor(
    readonly type: T,
    readonly emit: (t: EmitTarget) => void,
  ) {}
}

/** A function local (parameters included), usable as an expression that reads it. */
export class Local<T extends ValType = ValType> extends Ex<T> {
  constructor(
    readonly index: number,
    type: T,
  ) {
    super(type, (t) => t.w.u8(Op.localGet).u32(index));
  }
}

/** An i32 operand: an expression or a constant. */
export type I32 = Ex<"i32"> | number;
/** An f32 operand: an expression or a constant. */
export type F32 = Ex<"f32"> | number;
/** A v128 operand. */
export type V128 = Ex<"v128">;

function i32Of(v: I32): Ex<"i32"> {
  return typeof v === "number" ? new Ex("i32", (t) => t.w.u8(Op.i32Const).s32(v | 0)) : v;
}
function f32Of(v: F32): Ex<"f32"> {
  return typeof v === "number" ? new Ex("f32", (t) => t.w.u8(Op.f32Const).f32(v)) : v;
}
function simd(t: EmitTarget, op: number): void {
  t.w.u8(Op.simdPrefix).u32(op);
}
function memarg(t: EmitTarget, align: number, offset: number): void {
  t.w.u32(align).u32(offset);
}

/** Emits a sequence of operands then a core opcode. */
function bin<T extends ValType>(type: T, op: number, ...args: Ex[]): Ex<T> {
  return new Ex(type, (t) => {
    for (const a of args) a.emit(t);
    t.w.u8(op);
  });
}
/** Emits operands then a SIMD opcode. */
function sbin<T extends ValType>(type: T, op: number, ...args: Ex[]): Ex<T> {
  return new Ex(type, (t) => {
    for (const a of args) a.emit(t);
    simd(t, op);
  });
}

/** i32 expressions. */
export const I = {
  const: (v: number): Ex<"i32"> => i32Of(v),
  add: (a: I32, b: I32) => bin("i32", Op.i32Add, i32Of(a), i32Of(b)),
  sub: (a: I32, b: I32) => bin("i32", Op.i32Sub, i32Of(a), i32Of(b)),
  mul: (a: I32, b: I32) => bin("i32", Op.i32Mul, i32Of(a), i32Of(b)),
  divS: (a: I32, b: I32) => bin("i32", Op.i32DivS, i32Of(a), i32Of(b)),
  and: (a: I32, b: I32) => bin("i32", Op.i32And, i32Of(a), i32Of(b)),
  or: (a: I32, b: I32) => bin("i32", Op.i32Or, i32Of(a), i32Of(b)),
  shl: (a: I32, b: I32) => bin("i32", Op.i32Shl, i32Of(a), i32Of(b)),
  shrS: (a: I32, b: I32) => bin("i32", Op.i32ShrS, i32Of(a), i32Of(b)),
  eq: (a: I32, b: I32) => bin("i32", Op.i32Eq, i32Of(a), i32Of(b)),
  ne: (a: I32, b: I32) => bin("i32", Op.i32Ne, i32Of(a), i32Of(b)),
  eqz: (a: I32) => bin("i32", Op.i32Eqz, i32Of(a)),
  ltS: (a: I32, b: I32) => bin("i32", Op.i32LtS, i32Of(a), i32Of(b)),
  leS: (a: I32, b: I32) => bin("i32", Op.i32LeS, i32Of(a), i32Of(b)),
  gtS: (a: I32, b: I32) => bin("i32", Op.i32GtS, i32Of(a), i32Of(b)),
  geS: (a: I32, b: I32) => bin("i32", Op.i32GeS, i32Of(a), i32Of(b)),
  /** min(a, b) for signed ints (select-based; both operands are evaluated once each, twice in code). */
  minS: (a: I32, b: I32): Ex<"i32"> => {
    const x = i32Of(a), y = i32Of(b);
    return new Ex("i32", (t) => {
      x.emit(t);
      y.emit(t);
      x.emit(t);
      y.emit(t);
      t.w.u8(Op.i32LtS).u8(Op.select);
    });
  },
  /** Loads an i32 from `addr + offset` (bytes). */
  load: (addr: I32, offset = 0) =>
    new Ex("i32", (t) => {
      i32Of(addr).emit(t);
      t.w.u8(Op.i32Load);
      memarg(t, 2, offset);
    }),
  /** Atomically adds `v` to the i32 at `addr` (4-byte aligned) and yields the previous value. */
  atomicAdd: (addr: I32, v: I32) =>
    new Ex("i32", (t) => {
      i32Of(addr).emit(t);
      i32Of(v).emit(t);
      t.w.u8(Op.atomicPrefix).u32(AtomicOp.i32AtomicRmwAdd);
      memarg(t, 2, 0);
    }),
  divU: (a: I32, b: I32) => bin("i32", Op.i32DivU, i32Of(a), i32Of(b)),
  remU: (a: I32, b: I32) => bin("i32", Op.i32RemU, i32Of(a), i32Of(b)),
} as const;

/** f32 expressions. */
export const F = {
  const: (v: number): Ex<"f32"> => f32Of(v),
  add: (a: F32, b: F32) => bin("f32", Op.f32Add, f32Of(a), f32Of(b)),
  sub: (a: F32, b: F32) => bin("f32", Op.f32Sub, f32Of(a), f32Of(b)),
  mul: (a: F32, b: F32) => bin("f32", Op.f32Mul, f32Of(a), f32Of(b)),
  div: (a: F32, b: F32) => bin("f32", Op.f32Div, f32Of(a), f32Of(b)),
  max: (a: F32, b: F32) => bin("f32", Op.f32Max, f32Of(a), f32Of(b)),
  min: (a: F32, b: F32) => bin("f32", Op.f32Min, f32Of(a), f32Of(b)),
  /** Loads an f32 from `addr + offset` (bytes). */
  load: (addr: I32, offset = 0) =>
    new Ex("f32", (t) => {
      i32Of(addr).emit(t);
      t.w.u8(Op.f32Load);
      memarg(t, 2, offset);
    }),
} as const;

/** v128 expressions, interpreted as f32x4 unless the name says otherwise. */
export const V = {
  /** Loads 16 bytes from `addr + offset`. */
  load: (addr: I32, offset = 0) =>
    new Ex("v128", (t) => {
      i32Of(addr).emit(t);
      simd(t, SimdOp.v128Load);
      memarg(t, 4, offset);
    }),
  /** Loads one f32 from `addr + offset` into all four lanes. */
  loadSplat: (addr: I32, offset = 0) =>
    new Ex("v128", (t) => {
      i32Of(addr).emit(t);
      simd(t, SimdOp.v128Load32Splat);
      memarg(t, 2, offset);
    }),
  /** Loads one f32 into lane 0, zeroing the others. */
  load32Zero: (addr: I32, offset = 0) =>
    new Ex("v128", (t) => {
      i32Of(addr).emit(t);
      simd(t, SimdOp.v128Load32Zero);
      memarg(t, 2, offset);
    }),
  /** Four copies of an f32 constant. */
  splat: (v: F32) => sbin("v128", SimdOp.f32x4Splat, f32Of(v)),
  /** Four copies of an i32. */
  splatI: (v: I32) => sbin("v128", SimdOp.i32x4Splat, i32Of(v)),
  /** All-zero vector. */
  zero: () =>
    new Ex("v128", (t) => {
      simd(t, SimdOp.v128Const);
      t.w.bytes(new Uint8Array(16));
    }),
  add: (a: V128, b: V128) => sbin("v128", SimdOp.f32x4Add, a, b),
  sub: (a: V128, b: V128) => sbin("v128", SimdOp.f32x4Sub, a, b),
  mul: (a: V128, b: V128) => sbin("v128", SimdOp.f32x4Mul, a, b),
  div: (a: V128, b: V128) => sbin("v128", SimdOp.f32x4Div, a, b),
  max: (a: V128, b: V128) => sbin("v128", SimdOp.f32x4Max, a, b),
  min: (a: V128, b: V128) => sbin("v128", SimdOp.f32x4Min, a, b),
  /** Lane-wise max as `b < a ? a : b` (cheaper than the NaN-propagating `max`; NaN in `a` is dropped). */
  pmax: (a: V128, b: V128) => sbin("v128", SimdOp.f32x4Pmax, a, b),
  /** Lane mask `a >= b` (all ones / all zeros). */
  ge: (a: V128, b: V128) => sbin("v128", SimdOp.f32x4Ge, a, b),
  /** `(a & mask) | (b & ~mask)`. */
  bitselect: (a: V128, b: V128, mask: V128) => sbin("v128", SimdOp.v128Bitselect, a, b, mask),
  nearest: (a: V128) => sbin("v128", SimdOp.f32x4Nearest, a),
  abs: (a: V128) => sbin("v128", SimdOp.f32x4Abs, a),
  /** Lane mask `a == b` (false for NaN). */
  eq: (a: V128, b: V128) => sbin("v128", SimdOp.f32x4Eq, a, b),
  neg: (a: V128) => sbin("v128", SimdOp.f32x4Neg, a),
  truncSatI: (a: V128) => sbin("v128", SimdOp.i32x4TruncSatF32x4S, a),
  convertI: (a: V128) => sbin("v128", SimdOp.f32x4ConvertI32x4S, a),
  addI: (a: V128, b: V128) => sbin("v128", SimdOp.i32x4Add, a, b),
  shlI: (a: V128, bits: I32) => sbin("v128", SimdOp.i32x4Shl, a, i32Of(bits)),
  /** `a * b + c`: one relaxed fused multiply-add where the module may use relaxed SIMD, else mul then add. */
  fma: (a: V128, b: V128, c: V128) =>
    new Ex("v128", (t) => {
      if (t.relaxed) {
        a.emit(t);
        b.emit(t);
        c.emit(t);
        simd(t, SimdOp.f32x4RelaxedMadd);
      } else {
        c.emit(t);
        a.emit(t);
        b.emit(t);
        simd(t, SimdOp.f32x4Mul);
        simd(t, SimdOp.f32x4Add);
      }
    }),
  /** Extracts lane `lane` as an f32. */
  lane: (a: V128, lane: number) =>
    new Ex("f32", (t) => {
      a.emit(t);
      simd(t, SimdOp.f32x4ExtractLane);
      t.w.u8(lane);
    }),
  /** Byte shuffle of two vectors (16 lane indices 0..31). */
  shuffle: (a: V128, b: V128, lanes: readonly number[]) =>
    new Ex("v128", (t) => {
      a.emit(t);
      b.emit(t);
      simd(t, SimdOp.i8x16Shuffle);
      t.w.bytes(lanes);
    }),
  /** Horizontal sum of the four lanes. */
  hsum: (a: V128): Ex<"f32"> =>
    F.add(F.add(V.lane(a, 0), V.lane(a, 1)), F.add(V.lane(a, 2), V.lane(a, 3))),
} as const;
