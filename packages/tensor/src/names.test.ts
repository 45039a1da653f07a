import { afterEach, describe, expect, it } from "vitest";
import { checkJsonKeys, checkNames, flattenTree, mapTree, nameRecord, tensor, unflattenTree, type Tensor } from "../src/index.js";

const polluted = () => ({}) as Record<string, unknown>;

afterEach(() => {
  // a failing test must not poison the ones after it
  for (const k of ["isCausal", "x", "b"]) delete (Object.prototype as Record<string, unknown>)[k];
});

describe("names read from files never reach object prototypes", () => {
  for (const key of ["__proto__.isCausal", "constructor.x", "a.prototype.b", "__proto__"]) {
    it(`unflattenTree refuses ${JSON.stringify(key)}, naming the file and the key`, () => {
      const t = tensor([1]);
      expect(() => unflattenTree({ "ok.weight": t, [key]: t }, "model.safetensors")).toThrow(
        new RegExp(`^model\\.safetensors: key "${key.replace(/\./g, "\\.")}" has the segment "(__proto__|constructor|prototype)"`),
      );
      expect(polluted().isCausal).toBeUndefined();
      expect(polluted().x).toBeUndefined();
      expect(polluted().b).toBeUndefined();
    });
  }

  it("unflattenTree builds prototype-less objects and arrays for numeric segments", () => {
    const tree = unflattenTree({ "a.0.w": 1, "a.1.w": 2, "b.c": 3 }, "f");
    expect(Object.getPrototypeOf(tree)).toBeNull();
    expect(Array.isArray(tree.a)).toBe(true);
    const a = tree.a as Record<string, number>[];
    expect(a.map((x) => x.w)).toEqual([1, 2]);
    expect(Object.getPrototypeOf(a[0])).toBeNull();
    expect((tree.b as Record<string, number>).c).toBe(3);
    expect((tree.b as Record<string, unknown>).toString).toBeUndefined();
  });

  it("unflattenTree refuses collisions, non-index keys under a list and indices no names could fill", () => {
    expect(() => unflattenTree({ a: 1, "a.b": 2 }, "f.safetensors")).toThrow(/^f\.safetensors: key "a\.b" collides with the name "a"/);
    expect(() => unflattenTree({ "a.b": 2, a: 1 }, "f.safetensors")).toThrow(/^f\.safetensors: key "a" collides/);
    expect(() => unflattenTree({ "a.0": 1, "a.x": 2 }, "f.safetensors")).toThrow(/^f\.safetensors: key "a\.x" has "x" where "a" holds a list/);
    expect(() => unflattenTree({ "a.0": 1, "a.01": 2 }, "f.safetensors")).toThrow(/key "a\.01" has "01" where "a" holds a list/);
    expect(() => unflattenTree({ "a.4000000000.w": 1 }, "f.safetensors")).toThrow(/key "a\.4000000000\.w" has index 4000000000, more than the 1 names could fill/);
  });

  it("checkNames and checkJsonKeys name the source and the key path", () => {
    expect(() => checkNames(["ok", "x.constructor"], "ckpt.pt")).toThrow(/^ckpt\.pt: key "x\.constructor" has the segment "constructor"/);
    const json = JSON.parse('{"vision_cfg": {"layers": [{"__proto__": {"isCausal": true}}]}}') as unknown;
    expect(() => checkJsonKeys(json, "cfg.json")).toThrow(/^cfg\.json: key "vision_cfg\.layers\.0\.__proto__" has the segment "__proto__"/);
    expect(checkJsonKeys({ a: [1, { b: "prototype" }] }, "cfg.json")).toEqual({ a: [1, { b: "prototype" }] });
  });

  it("mapTree and flattenTree keep a key named __proto__ an ordinary key", () => {
    const t = tensor([1]);
    const tree = nameRecord<Tensor>([["__proto__", t]]);
    const mapped = mapTree((x) => x, tree);
    expect(Object.keys(mapped)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(mapped)).toBeNull();
    const withProto = JSON.parse('{"__proto__": 1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(mapTree((x) => x, withProto))).toBe(Object.prototype);
    expect(Object.keys(mapTree((x) => x, withProto))).toEqual(["__proto__"]);
    const flat = flattenTree(tree);
    expect(Object.keys(flat)).toEqual(["__proto__"]);
    expect(flat["__proto__"]).toBe(t);
    expect(Object.getPrototypeOf(flat)).toBeNull();
  });
});
