/**
 * Function-body builder: locals, statements (set, store, control flow with named labels) over the typed
 * expressions of `expr.ts`.
 */
import { ByteWriter } from "./bytes.js";
import { Ex, Local, I, type EmitTarget, type I32, type V128, type F32, F } from "./expr.js";
import { BlockTypeEmpty, Op, SimdOp, ValTypeCode, type ValType } from "./opcodes.js";

/** A branch target: a block (branching exits it) or a loop (branching repeats it). */
class Label {
  constructor(readonly depth: number) {}
}

/** A function that can be called from another one in the same module. */
export class FuncRef<R extends ValType | void = ValType | void> {
  constructor(
    readonly index: number,
    readonly result: R,
    /** Index of the function's type (for `call_indirect`). */
    readonly typeIndex: number,
  ) {}
}

/** Builds the body of one function. */
export class Code implements EmitTarget {
  readonly w = new ByteWriter();
  private readonly localTypes: ValType[] = [];
  private depth = 0;

  constructor(
    private readonly paramCount: number,
    readonly relaxed: boolean,
  ) {}

  /** Declares a new local of the given type. */
  local<T extends ValType>(type: T): Local<T> {
    this.localTypes.push(type);
    return new Local(this.paramCount + this.localTypes.length - 1, type);
  }

  /** Declares a local initialised to `init`. */
  let<T extends ValType>(type: T, init: Ex<T> | (T extends "i32" | "f32" ? number : never)): Local<T> {
    const l = this.local(type);
    this.set(l, init as Ex<T> | number);
    return l;
  }

  /** `local = value`. */
  set<T extends ValType>(l: Local<T>, value: Ex<T> | number): void {
    this.value(l.type, value);
    this.w.u8(Op.localSet).u32(l.index);
  }

  /** Pushes a value (e.g. the result of the function). */
  push(e: Ex): void {
    e.emit(this);
  }

  private value(type: ValType, v: Ex | number): void {
    if (typeof v === "number") {
      if (type === "i32") I.const(v).emit(this);
      else if (type === "f32") F.const(v).emit(this);
      else throw new TypeError(`no constant form for ${type}`);
    } else {
      if (v.type !== type) throw new TypeError(`expected ${type}, got ${v.type}`);
      v.emit(this);
    }
  }

  /** Stores an f32 at `addr + offset`. */
  storeF32(addr: I32, value: F32, offset = 0): void {
    this.value("i32", addr);
    this.value("f32", value);
    this.w.u8(Op.f32Store).u32(2).u32(offset);
  }

  /** Stores an i32 at `addr + offset`. */
  storeI32(addr: I32, value: I32, offset = 0): void {
    this.value("i32", addr);
    this.value("i32", value);
    this.w.u8(Op.i32Store).u32(2).u32(offset);
  }

  /** Stores 16 bytes at `addr + offset`. */
  storeV128(addr: I32, value: V128, offset = 0): void {
    this.value("i32", addr);
    this.value("v128", value);
    this.w.u8(Op.simdPrefix).u32(SimdOp.v128Store).u32(4).u32(offset);
  }

  /** Stores lane `lane` of a vector as an f32 at `addr + offset`. */
  storeLane(addr: I32, value: V128, lane: number, offset = 0): void {
    this.value("i32", addr);
    this.value("v128", value);
    this.w.u8(Op.simdPrefix).u32(SimdOp.v128Store32Lane).u32(2).u32(offset).u8(lane);
  }

  /** A block; `br(exit)` inside jumps past its end. */
  block(body: (exit: Label) => void): void {
    this.w.u8(Op.block).u8(BlockTypeEmpty);
    this.depth++;
    body(new Label(this.depth));
    this.depth--;
    this.w.u8(Op.end);
  }

  /** A loop; `br(top)` inside jumps back to its start. The body falls through at its end. */
  loop(body: (top: Label) => void): void {
    this.w.u8(Op.loop).u8(BlockTypeEmpty);
    this.depth++;
    body(new Label(this.depth));
    this.depth--;
    this.w.u8(Op.end);
  }

  /** `if (cond) then else otherwise`. */
  if(cond: I32, then: () => void, otherwise?: () => void): void {
    this.value("i32", cond);
    this.w.u8(Op.if).u8(BlockTypeEmpty);
    this.depth++;
    then();
    if (otherwise) {
      this.w.u8(Op.else);
      otherwise();
    }
    this.depth--;
    this.w.u8(Op.end);
  }

  /** Unconditional branch to a label. */
  br(label: Label): void {
    this.w.u8(Op.br).u32(this.relDepth(label));
  }

  /** Branches to a label when `cond` is non-zero. */
  brIf(label: Label, cond: I32): void {
    this.value("i32", cond);
    this.w.u8(Op.brIf).u32(this.relDepth(label));
  }

  private relDepth(label: Label): number {
    const d = this.depth - label.depth;
    if (d < 0) throw new Error("branch to a label that is not in scope");
    return d;
  }

  /**
   * `for (i = start; i < end; i += step) body(i)`, with the test hoisted (the body runs zero times when
   * `start >= end`). `end` is re-evaluated every iteration, so pass a local or a constant.
   */
  for(i: Local<"i32">, start: I32, end: I32, step: I32, body: () => void): void {
    this.set(i, start);
    this.block((exit) => {
      this.brIf(exit, I.geS(i, end));
      this.loop((top) => {
        body();
        this.set(i, I.add(i, step));
        this.brIf(top, I.ltS(i, end));
      });
    });
  }

  /** Calls a function for its effect (a result is dropped). */
  call(fn: FuncRef, args: readonly (Ex | number)[]): void {
    this.callExpr(fn, args).emit(this);
    if (fn.result !== undefined) this.w.u8(Op.drop);
  }

  /** A call as an expression (the function must return one value). Numbers are passed as i32. */
  callExpr<R extends ValType>(fn: FuncRef<R | void>, args: readonly (Ex | number)[]): Ex<R> {
    return new Ex((fn.result ?? "i32") as R, (t) => {
      for (const a of args) (typeof a === "number" ? I.const(a) : a).emit(t);
      t.w.u8(Op.call).u32(fn.index);
    });
  }

  /**
   * Calls, for its effect, entry `index` of the module's function table; `signature` is any function
   * with the callee's type (the engine checks it at run time).
   */
  callIndirect(signature: FuncRef, index: I32, args: readonly (Ex | number)[]): void {
    for (const a of args) (typeof a === "number" ? I.const(a) : a).emit(this);
    this.value("i32", index);
    this.w.u8(Op.callIndirect).u32(signature.typeIndex).u8(0x00);
    if (signature.result !== undefined) this.w.u8(Op.drop);
  }

  /** Returns from the function (with a value when it has a result). */
  ret(value?: Ex): void {
    if (value) value.emit(this);
    this.w.u8(Op.return);
  }

  /** The encoded body: local declarations, instructions, `end`. */
  encode(): ByteWriter {
    const body = new ByteWriter();
    const groups: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    body.u32(groups.length);
    for (const [n, t] of groups) body.u32(n).u8(ValTypeCode[t]);
    body.bytes(this.w.finish());
    body.u8(Op.end);
    return body;
  }
}
