/**
 * Module builder: function types, an imported (optionally shared) memory, functions and exports, encoded to
 * the WebAssembly binary format.
 */
import { ByteWriter } from "./bytes.js";
import { Code, FuncRef } from "./code.js";
import { Local } from "./expr.js";
import { ValTypeCode, type ValType } from "./opcodes.js";

/** Locals for a tuple of parameter types. */
type ParamLocals<P extends readonly ValType[]> = { [K in keyof P]: Local<P[K]> };

/** Limits of an imported memory, in 64 KiB pages. */
interface MemoryImport {
  module: string;
  name: string;
  initialPages: number;
  maximumPages: number;
  shared: boolean;
}

interface FuncDef {
  typeIndex: number;
  code: Code;
  exportName: string | undefined;
}

/** Accumulates the pieces of one module and encodes it. */
export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly typeBytes: Uint8Array[] = [];
  private readonly funcs: FuncDef[] = [];
  private memory: MemoryImport | undefined;
  private table: FuncRef[] = [];

  /** @param relaxed whether emitted code may use relaxed-SIMD instructions (fused multiply-add). */
  constructor(readonly relaxed: boolean) {}

  /** Imports the module's linear memory. */
  importMemory(m: MemoryImport): void {
    this.memory = m;
  }

  private typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(",")}->${results.join(",")}`;
    const found = this.types.indexOf(key);
    if (found >= 0) return found;
    const w = new ByteWriter().u8(0x60).u32(params.length);
    for (const p of params) w.u8(ValTypeCode[p]);
    w.u32(results.length);
    for (const r of results) w.u8(ValTypeCode[r]);
    this.types.push(key);
    this.typeBytes.push(w.finish());
    return this.types.length - 1;
  }

  /**
   * Defines a function (exported when `exportName` is given) and returns a reference for calls. `result`
   * is the single result type, or undefined for none; the body must leave the result on the stack.
   */
  func<const P extends readonly ValType[], R extends ValType | undefined = undefined>(
    exportName: string | undefined,
    params: P,
    result: R,
    body: (c: Code, args: ParamLocals<P>) => void,
  ): FuncRef<R extends ValType ? R : void> {
    const code = new Code(params.length, this.relaxed);
    const locals = params.map((t, i) => new Local(i, t));
    body(code, locals as unknown as ParamLocals<P>);
    const typeIndex = this.typeIndex(params, result === undefined ? [] : [result]);
    this.funcs.push({ typeIndex, code, exportName });
    return new FuncRef(this.funcs.length - 1, result as unknown as R extends ValType ? R : void, typeIndex);
  }

  /** Sets the module's function table (entry i calls `funcs[i]`, for `Code.callIndirect`). */
  setTable(funcs: readonly FuncRef[]): void {
    this.table = [...funcs];
  }

  /** Encodes the module. */
  encode(): Uint8Array<ArrayBuffer> {
    const out = new ByteWriter().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, fill: (w: ByteWriter) => void): void => {
      const w = new ByteWriter();
      fill(w);
      out.u8(id).sized(w);
    };
    section(1, (w) => {
      w.u32(this.typeBytes.length);
      for (const t of this.typeBytes) w.bytes(t);
    });
    const mem = this.memory;
    if (mem) {
      section(2, (w) => {
        w.u32(1).name(mem.module).name(mem.name).u8(0x02);
        w.u8(mem.shared ? 0x03 : 0x01).u32(mem.initialPages).u32(mem.maximumPages);
      });
    }
    section(3, (w) => {
      w.u32(this.funcs.length);
      for (const f of this.funcs) w.u32(f.typeIndex);
    });
    const table = this.table;
    if (table.length) {
      section(4, (w) => w.u32(1).u8(0x70).u8(0x00).u32(table.length));
    }
    const exported = this.funcs.map((f, i) => [f.exportName, i] as const).filter((e) => e[0] !== undefined);
    section(7, (w) => {
      w.u32(exported.length);
      for (const [name, i] of exported) w.name(name!).u8(0x00).u32(i);
    });
    if (table.length) {
      section(9, (w) => {
        w.u32(1).u8(0x00).u8(0x41).s32(0).u8(0x0b).u32(table.length);
        for (const f of table) w.u32(f.index);
      });
    }
    section(10, (w) => {
      w.u32(this.funcs.length);
      for (const f of this.funcs) w.sized(f.code.encode());
    });
    return out.finish();
  }
}
