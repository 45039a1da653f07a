import { describe, expect, it } from "vitest";
import { ByteWriter } from "./bytes.js";
import { ModuleBuilder } from "./module.js";
import { F, I, V } from "./expr.js";

describe("wasm assembler", () => {
  it("encodes LEB128 like the spec examples", () => {
    expect(Array.from(new ByteWriter().u32(624485).finish())).toEqual([0xe5, 0x8e, 0x26]);
    expect(Array.from(new ByteWriter().s32(-123456).finish())).toEqual([0xc0, 0xbb, 0x78]);
    expect(Array.from(new ByteWriter().s32(64).finish())).toEqual([0xc0, 0x00]);
    expect(Array.from(new ByteWriter().s32(-64).finish())).toEqual([0x40]);
    expect(() => new ByteWriter().u32(-1)).toThrow(RangeError);
  });

  it("builds a valid module with loops, branches, scalar and SIMD code", () => {
    const m = new ModuleBuilder(false);
    m.importMemory({ module: "env", name: "memory", initialPages: 1, maximumPages: 2, shared: false });
    const sq = m.func(undefined, ["f32"] as const, "f32", (c, [x]) => c.push(F.mul(x, x)));
    m.func("sumSquares", ["i32", "i32"] as const, "f32", (c, [p, n]) => {
      const i = c.local("i32"), s = c.let("f32", 0);
      c.for(i, 0, n, 1, () => c.set(s, F.add(s, c.callExpr(sq, [F.load(I.add(p, I.shl(i, 2)))]))));
      c.push(s);
    });
    m.func("dot4", ["i32", "i32"] as const, "f32", (c, [p, q]) => c.push(V.hsum(V.fma(V.load(p), V.load(q), V.zero()))));
    m.func("minS", ["i32", "i32"] as const, "i32", (c, [a, b]) => c.push(I.minS(a, b)));
    const bytes = m.encode();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<string, (...a: number[]) => number>;
    new Float32Array(memory.buffer).set([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(e.sumSquares!(0, 3)).toBe(14);
    expect(e.sumSquares!(0, 0)).toBe(0);
    expect(e.dot4!(0, 16)).toBe(1 * 5 + 2 * 6 + 3 * 7 + 4 * 8);
    expect(e.minS!(-3, 2)).toBe(-3);
    expect(e.minS!(7, 2)).toBe(2);
  });

  it("rejects mistyped operands", () => {
    const m = new ModuleBuilder(false);
    expect(() => m.func(undefined, ["f32"] as const, undefined, (c, [x]) => {
      const l = c.local("i32");
      c.set(l, x as never);
    })).toThrow(TypeError);
  });
});
