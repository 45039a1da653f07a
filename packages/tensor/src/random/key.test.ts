import { describe, expect, it } from "vitest";
import { foldIn, isRandomKey, randomKey, split, type RandomKey } from "./key.js";
import { philox4x32 } from "./philox.js";

const id = (k: RandomKey) => `${k.k[0]}:${k.k[1]}`;

describe("randomKey", () => {
  it("is a frozen plain value holding the seed's 64-bit words, low first", () => {
    const key = randomKey(42);
    expect(key).toEqual({ kind: "philox", k: [42, 0] });
    expect(Object.isFrozen(key)).toBe(true);
    expect(Object.isFrozen(key.k)).toBe(true);
    expect(randomKey(2 ** 32 + 5).k).toEqual([5, 1]);
    expect(JSON.parse(JSON.stringify(key))).toEqual(key);
  });

  it("takes bigints and negative seeds as 64-bit two's complement", () => {
    expect(randomKey(42n)).toEqual(randomKey(42));
    expect(randomKey(-1)).toEqual(randomKey(2n ** 64n - 1n));
    expect(randomKey(-1).k).toEqual([0xffffffff, 0xffffffff]);
    expect(randomKey(-(2 ** 32)).k).toEqual([0, 0xffffffff]);
    expect(randomKey(Number.MAX_SAFE_INTEGER).k).toEqual([0xffffffff, 0x1fffff]);
  });

  it("rejects seeds that are not integers in 64 bits, naming the function and value", () => {
    expect(() => randomKey(1.5)).toThrow(/randomKey: seed .*1\.5/);
    expect(() => randomKey(NaN)).toThrow(/randomKey: seed .*NaN/);
    expect(() => randomKey(2 ** 60)).toThrow(/randomKey: seed/);
    expect(() => randomKey(2n ** 64n)).toThrow(/randomKey: seed 18446744073709551616n/);
    expect(() => randomKey("7" as unknown as number)).toThrow(/randomKey: seed .*"7"/);
  });
});

describe("split", () => {
  it("is deterministic and gives n distinct keys, different from the parent", () => {
    const key = randomKey(0);
    const kids = split(key, 1000);
    expect(kids).toHaveLength(1000);
    expect(split(key, 1000)).toEqual(kids);
    const ids = new Set(kids.map(id));
    ids.add(id(key));
    expect(ids.size).toBe(1001);
    expect(kids.every((k) => Object.isFrozen(k) && isRandomKey(k))).toBe(true);
  });

  it("defaults to two keys; a prefix of a longer split is the shorter split", () => {
    const key = randomKey(7);
    expect(split(key)).toHaveLength(2);
    expect(split(key, 5).slice(0, 2)).toEqual(split(key));
    expect(split(key, 0)).toEqual([]);
  });

  it("child j is the first two words of the split block j", () => {
    const key = randomKey(123);
    const [a, b] = philox4x32([3, 0, 0, 1], key.k);
    expect(split(key, 4)[3]!.k).toEqual([a, b]);
  });

  it("rejects a bad n or key, naming the function and value", () => {
    expect(() => split(randomKey(0), -1)).toThrow(/split: n .*-1/);
    expect(() => split(randomKey(0), 2.5)).toThrow(/split: n .*2\.5/);
    expect(() => split({ kind: "philox", k: [1, -1] } as unknown as RandomKey)).toThrow(/split: expected a RandomKey.*-1/);
    expect(() => split(42 as unknown as RandomKey)).toThrow(/split: expected a RandomKey.*, got 42/);
  });
});

describe("foldIn", () => {
  it("is deterministic and gives distinct keys for distinct data, apart from split children", () => {
    const key = randomKey(1);
    expect(foldIn(key, 5)).toEqual(foldIn(key, 5));
    const ids = new Set<string>();
    for (let i = -50; i < 1000; i++) ids.add(id(foldIn(key, i)));
    expect(ids.size).toBe(1050);
    for (const kid of split(key, 100)) expect(ids.has(id(kid))).toBe(false);
    expect(foldIn(key, 2 ** 40)).not.toEqual(foldIn(key, 0));
    expect(foldIn(randomKey(2), 5)).not.toEqual(foldIn(key, 5));
  });

  it("rejects non-integer data, naming the function and value", () => {
    expect(() => foldIn(randomKey(0), 0.5)).toThrow(/foldIn: data .*0\.5/);
    expect(() => foldIn(null as unknown as RandomKey, 1)).toThrow(/foldIn: expected a RandomKey.*, got null/);
  });
});

describe("isRandomKey", () => {
  it("accepts keys and rejects look-alikes", () => {
    expect(isRandomKey(randomKey(3))).toBe(true);
    expect(isRandomKey({ kind: "philox", k: [1, 2] })).toBe(true);
    expect(isRandomKey({ kind: "threefry", k: [1, 2] })).toBe(false);
    expect(isRandomKey({ kind: "philox", k: [1, 2 ** 32] })).toBe(false);
    expect(isRandomKey({ kind: "philox", k: [1] })).toBe(false);
    expect(isRandomKey(undefined)).toBe(false);
  });
});
