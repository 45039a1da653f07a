import { describe, expect, it } from "vitest";
import { add, mul, tensor, type Tensor } from "./index.js";
import { mapTree } from "./tree.js";

const vals = async (tree: Record<string, Tensor>) => Object.fromEntries(await Promise.all(Object.entries(tree).map(async ([k, t]) => [k, await t.data()] as const)));

describe("mapTree over several trees", () => {
  it("pairs leaves by key path, not by position, and passes the path last", async () => {
    const p = { a: tensor([1, 2]), b: [tensor([3])] };
    const g = { b: [tensor([30])], a: tensor([10, 20]) }; // same keys, other insertion order
    const paths: string[] = [];
    const out = mapTree((x, y, path) => {
      paths.push(path);
      return add(x, y);
    }, p, g);
    expect(paths).toEqual(["a", "b.0"]);
    expect(await out.a.data()).toEqual(new Float32Array([11, 22]));
    expect(await out.b[0]!.data()).toEqual(new Float32Array([33]));
  });

  it("takes three trees and keeps the first tree's non-tensor leaves", async () => {
    const out = mapTree((x, y, z) => mul(add(x, y), z), { w: tensor([1]), n: 3 }, { w: tensor([2]), n: 4 }, { w: tensor([5]), n: 5 });
    expect(await vals({ w: out.w })).toEqual({ w: new Float32Array([15]) });
    expect(out.n).toBe(3);
  });

  it("names the path where another tree differs", () => {
    const one = tensor([1]);
    expect(() => mapTree((x, y) => add(x, y), { a: { b: one } }, { a: {} })).toThrow('mapTree: at "a.b", tree 2 is missing');
    expect(() => mapTree((x, y) => add(x, y), { a: one }, { a: one, c: one })).toThrow('mapTree: at "c", tree 2 is not in tree 1');
    expect(() => mapTree((x, y) => add(x, y), [one, one], [one])).toThrow("mapTree: at the root, tree 2 has an array of 1 where tree 1 has an array of 2");
    expect(() => mapTree((x, y, z) => add(x, add(y, z)), { a: one }, { a: one }, { a: null })).toThrow('mapTree: at "a", tree 3 has null where tree 1 has a tensor');
  });
});
