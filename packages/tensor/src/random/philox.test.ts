import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mulHi32, philox4x32, philoxFill } from "./philox.js";

type Word4 = [number, number, number, number];

// Known-answer vectors of the Random123 distribution (tests/kat_vectors): counter, key, expected output.
const KAT: { rounds: number; ctr: Word4; key: [number, number]; out: Word4 }[] = [
  { rounds: 7, ctr: [0, 0, 0, 0], key: [0, 0], out: [0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48] },
  {
    rounds: 7,
    ctr: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    out: [0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662],
  },
  {
    rounds: 7,
    ctr: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    out: [0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a],
  },
  { rounds: 10, ctr: [0, 0, 0, 0], key: [0, 0], out: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
  {
    rounds: 10,
    ctr: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    out: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  },
  {
    rounds: 10,
    ctr: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    out: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  },
];

describe("philox4x32", () => {
  for (const { rounds, ctr, key, out } of KAT) {
    it(`matches the Random123 vector philox4x32-${rounds} ctr ${ctr[0].toString(16)}...`, () => {
      expect(philox4x32(ctr, key, rounds)).toEqual(out);
    });
  }

  it("defaults to 10 rounds", () => {
    expect(philox4x32([0, 0, 0, 0], [0, 0])).toEqual(KAT[3]!.out);
  });

  it("philoxFill lays out blocks in counter order, carrying the block index into counter word 1", () => {
    const key: [number, number] = [0x12345678, 0x9abcdef0];
    const first = 2 ** 32 - 1; // the second block crosses into word 1
    const out = new Uint32Array(10);
    philoxFill(key[0], key[1], 7, 9, first, out, 10);
    const b0 = philox4x32([0xffffffff, 0, 7, 9], key);
    const b1 = philox4x32([0, 1, 7, 9], key);
    const b2 = philox4x32([1, 1, 7, 9], key);
    expect([...out]).toEqual([...b0, ...b1, b2[0], b2[1]]);
  });
});

describe("mulHi32", () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  it("equals the high word of the exact 64-bit product", () => {
    fc.assert(
      fc.property(u32, u32, (a, b) => mulHi32(a, b) === Number((BigInt(a) * BigInt(b)) >> 32n)),
      { numRuns: 5000 },
    );
  });

  it("is exact at the extremes", () => {
    for (const [a, b] of [
      [0xffffffff, 0xffffffff],
      [0xffffffff, 1],
      [0x80000000, 2],
      [0, 0xffffffff],
      [0xd2511f53, 0xffffffff],
    ] as const) {
      expect(mulHi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
  });
});
