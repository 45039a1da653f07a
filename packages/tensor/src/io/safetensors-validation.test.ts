import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromHost } from "../ops/creation.js";
import { parseSafetensorsHeader, readSafetensors, serializeSafetensors } from "./safetensors.js";
import { concatBytes, ensureCpuBackend, rawFile } from "../../test/support/safetensors.js";

let dir = "";
beforeAll(async () => {
  ensureCpuBackend();
  dir = await mkdtemp(join(tmpdir(), "diva-safetensors-bad-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const SRC = "model.safetensors";

/** The message `parseSafetensorsHeader` throws for a file, or "" when it accepts it. */
function problem(file: Uint8Array): string {
  try {
    parseSafetensorsHeader(file, file.length, SRC);
    return "";
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
}

const f32 = (shape: unknown, offsets: unknown, dtype: unknown = "F32") => ({ dtype, shape, data_offsets: offsets });

describe("header validation messages", () => {
  it("names a tensor whose byte range does not match its dtype and shape", () => {
    expect(problem(rawFile({ w: f32([2, 2], [0, 12]) }, 16))).toBe(
      'model.safetensors: tensor "w": data_offsets [0,12] hold 12 bytes but dtype F32 shape [2,2] needs 16',
    );
  });

  const cases: [string, Uint8Array, RegExp][] = [
    ["a file shorter than 8 bytes", new Uint8Array(5), /^model\.safetensors: file is 5 bytes, too short for the 8-byte header length$/],
    ["a header longer than the file", rawFile("{}", 0, 3), /header length 3 does not fit in a file of 10 bytes/],
    ["a header length of 2^63", rawFile("{}", 0, 2n ** 63n), /header length 9223372036854775808 exceeds the limit of 100000000 bytes/],
    ["a header length over the limit", rawFile("{}", 0, 100_000_001), /exceeds the limit/],
    ["a zero header length", rawFile("", 4, 0), /header length 0 is too short/],
    ["invalid UTF-8", rawFile(new Uint8Array([0x7b, 0xff, 0x7d])), /header is not valid UTF-8/],
    ["a header that is not an object", rawFile("[1, 2]"), /header must start with "\{"/],
    ["bad JSON", rawFile('{"w": {"dtype": "F32",}}'), /header is not valid JSON/],
    ["a number with a leading zero", rawFile('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,01]}}', 1), /header is not valid JSON \(expected "," or "\]" at character 50/],
    ["trailing garbage after the object", rawFile('{} x'), /header is not valid JSON \(unexpected text after the header object/],
    ["an entry that is not an object", rawFile({ w: 3 }), /tensor "w": entry must be an object with dtype, shape and data_offsets, got number 3/],
    ["a missing dtype", rawFile({ w: { shape: [], data_offsets: [0, 4] } }, 4), /tensor "w": dtype must be a string, got nothing \(the field is missing\)/],
    ["an fp8 dtype", rawFile({ w: f32([1], [0, 1], "F8_E4M3") }, 1), /tensor "w": dtype F8_E4M3 is not supported \(supported: F64, F32, F16, BF16/],
    ["an unknown dtype", rawFile({ w: f32([1], [0, 4], "float32") }, 4), /tensor "w": dtype "float32" is not a safetensors dtype/],
    ["a negative shape", rawFile({ w: f32([2, -1], [0, 8]) }, 8), /tensor "w": shape\[1\] must be a non-negative integer, got number -1/],
    ["a fractional shape", rawFile({ w: f32([1.5], [0, 6]) }, 8), /tensor "w": shape\[0\] must be a non-negative integer, got number 1\.5/],
    ["a string in the shape", rawFile({ w: f32(["2"], [0, 8]) }, 8), /shape\[0\] must be a non-negative integer, got the string "2"/],
    ["a shape that is not an array", rawFile({ w: f32(4, [0, 16]) }, 16), /tensor "w": shape must be an array/],
    ["a shape too large to address", rawFile({ w: f32([2 ** 40, 2 ** 40], [0, 0]) }), /tensor "w": shape \[1099511627776,1099511627776\] has too many elements/],
    ["a shape beyond 2^53", rawFile('{"w":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}', 4), /shape\[0\] must be a non-negative integer, got number 1e\+300/],
    ["one data offset", rawFile({ w: f32([1], [0]) }, 4), /tensor "w": data_offsets must be \[begin, end\], got an array of length 1/],
    ["a negative data offset", rawFile({ w: f32([1], [-4, 0]) }, 4), /tensor "w": data_offsets\[0\] must be a non-negative integer/],
    ["a huge data offset", rawFile({ w: f32([1], [0, 2 ** 64]) }, 4), /tensor "w": data_offsets\[1\] must be a non-negative integer, got number 18446744073709552000/],
    ["reversed data offsets", rawFile({ w: f32([1], [8, 4]) }, 8), /tensor "w": data_offsets \[8,4\] end before they begin/],
    ["data offsets past the end", rawFile({ w: f32([2], [4, 12]) }, 8), /tensor "w": data_offsets \[4,12\] end past the data section of 8 bytes/],
    ["metadata that is not an object", rawFile({ __metadata__: "x" }), /__metadata__ must be an object of strings, got the string "x"/],
    ["a metadata value that is not a string", rawFile({ __metadata__: { epoch: 3 } }), /__metadata__\["epoch"\] must be a string, got number 3/],
  ];
  for (const [what, file, message] of cases) {
    it(`rejects ${what}`, () => {
      const got = problem(file);
      expect(got).toMatch(/^model\.safetensors: /);
      expect(got).toMatch(message);
    });
  }

  it("rejects overlapping tensors, naming both", () => {
    const file = rawFile({ a: f32([2], [0, 8]), b: f32([2], [12, 20]), c: f32([2], [4, 12]) }, 20);
    expect(problem(file)).toBe('model.safetensors: tensor "c": data_offsets [4,12] overlap tensor "a" at [0,8]');
    const inside = rawFile({ big: f32([4], [0, 16]), small: f32([1], [8, 12]) }, 16);
    expect(problem(inside)).toMatch(/tensor "small": data_offsets \[8,12\] overlap tensor "big" at \[0,16\]/);
    const same = rawFile({ x: f32([1], [0, 4]), y: f32([1], [0, 4]) }, 4);
    expect(problem(same)).toMatch(/overlap/);
  });

  it("accepts empty headers, empty tensors, scalars, padding, null metadata and odd names", () => {
    expect(problem(rawFile("{}"))).toBe("");
    expect(problem(rawFile("{}        "))).toBe("");
    expect(problem(rawFile({ __metadata__: null }))).toBe("");
    const ok = rawFile({ e: f32([0, 5], [4, 4]), s: f32([], [0, 4]), __proto__x: f32([1], [4, 8]) }, 8);
    expect(problem(ok)).toBe("");
    const header = parseSafetensorsHeader(ok, ok.length);
    expect(header.tensors.get("e")).toEqual({ dtype: "F32", shape: [0, 5], dataOffsets: [4, 4], byteLength: 0 });
  });

  it("refuses a tensor named __proto__ (it would reach Object.prototype)", async () => {
    const file = rawFile('{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array([7]));
    expect(problem(file)).toMatch(/^model\.safetensors: key "__proto__" has the segment "__proto__"/);
    await expect(readSafetensors(file)).rejects.toThrow(/^safetensors bytes: key "__proto__"/);
  });

  it("prefixes errors from a path with the path", async () => {
    const path = join(dir, "bad-dtype.safetensors");
    await writeFile(path, rawFile({ w: f32([1], [0, 4], "Q4") }, 4));
    await expect(readSafetensors(path)).rejects.toThrow(`${path}: tensor "w": dtype "Q4" is not a safetensors dtype`);
    const short = join(dir, "short.safetensors");
    await writeFile(short, new Uint8Array(3));
    await expect(readSafetensors(short)).rejects.toThrow(`${short}: file is 3 bytes`);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Fuzzing: every malformed input must be rejected with an Error naming the source, and nothing may hang.

/** Reads `bytes`; returns the rejection (an Error) or undefined after checking what it read against the header. */
async function readOrReject(bytes: Uint8Array): Promise<Error | undefined> {
  let result: Awaited<ReturnType<typeof readSafetensors>>;
  try {
    result = await readSafetensors(bytes);
  } catch (e) {
    if (!(e instanceof Error)) throw new Error(`rejected with a non-Error: ${String(e)}`);
    if (!e.message.startsWith("safetensors bytes: ")) throw new Error(`message does not name the source: ${e.message}`);
    return e;
  }
  const header = parseSafetensorsHeader(bytes, bytes.length);
  expect(Object.keys(result.tensors).length).toBe(header.tensors.size);
  for (const [name, info] of header.tensors) {
    expect(result.tensors[name]!.shape).toEqual(info.shape);
    result.tensors[name]!.dispose();
  }
  return undefined;
}

const validFile = (async () => {
  ensureCpuBackend();
  return serializeSafetensors(
    {
      w: fromHost(new Float32Array([1, 2, 3, 4, 5, 6]), "float32", [2, 3]),
      i: fromHost(new Int32Array([7, 8]), "int32", [2]),
      b: fromHost(new Uint8Array([1, 0, 1]), "bool", [3]),
    },
    { metadata: { format: "pt" }, dtypes: {} },
  );
})();

const anyNumber = fc.oneof(
  fc.integer({ min: -10, max: 64 }),
  fc.double(),
  fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e300, -0, Number.MAX_SAFE_INTEGER),
);
const anyJson = fc.oneof(anyNumber, fc.string({ maxLength: 6 }), fc.constant(null), fc.boolean(), fc.array(anyNumber, { maxLength: 3 }));
const dtypeName = fc.oneof(
  fc.constantFrom("F32", "F64", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "U16", "U32", "U64", "BOOL", "F8_E4M3", "C64", "f32", ""),
  anyJson,
);
const entry = fc.record(
  {
    dtype: dtypeName,
    shape: fc.oneof(fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), anyNumber), { maxLength: 4 }), anyJson),
    data_offsets: fc.oneof(fc.tuple(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 80 })), fc.array(anyNumber, { maxLength: 3 }), anyJson),
  },
  { requiredKeys: [] },
);
const header = fc.dictionary(
  fc.oneof(fc.constantFrom("w", "b", "__metadata__", "__proto__", "constructor"), fc.string({ maxLength: 4 })),
  fc.oneof(entry, anyJson, fc.dictionary(fc.string({ maxLength: 3 }), anyJson, { maxKeys: 2 })),
  { maxKeys: 5 },
);

/** Files that are valid or one small change away: deep checks (sizes, ranges, overlaps) get exercised. */
const ITEM: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const nearValidFile = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...Object.keys(ITEM)), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })), {
      minLength: 1,
      maxLength: 4,
    }),
    fc.array(fc.tuple(fc.nat(3), fc.constantFrom("begin", "end", "shape", "data"), fc.integer({ min: -9, max: 9 })), {
      maxLength: 2,
    }),
  )
  .map(([specs, changes]) => {
    let at = 0;
    const entries = specs.map(([dtype, shape]) => {
      const size = shape.reduce((a, b) => a * b, 1) * ITEM[dtype]!;
      const e = { dtype, shape: [...shape], data_offsets: [at, at + size] };
      at += size;
      return e;
    });
    let dataLength = at;
    for (const [i, field, delta] of changes) {
      const e = entries[i % entries.length]!;
      if (field === "begin") e.data_offsets[0] = e.data_offsets[0]! + delta;
      if (field === "end") e.data_offsets[1] = e.data_offsets[1]! + delta;
      if (field === "shape" && e.shape.length > 0) e.shape[0] = e.shape[0]! + delta;
      if (field === "data") dataLength = Math.max(0, dataLength + delta);
    }
    const header = Object.fromEntries(entries.map((e, i) => [`t${i}`, e]));
    const data = new Uint8Array(dataLength).map((_, i) => (i * 37) & 1); // 0/1 bytes keep I64 in range
    return rawFile(header, data);
  });

describe("fuzzing malformed files", () => {
  it("near-valid files load consistently or are rejected with an Error", async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(nearValidFile, async (bytes) => {
        if ((await readOrReject(bytes)) === undefined) accepted++;
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(100); // both branches are exercised
  });

  it("random bytes are rejected with an Error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        expect(await readOrReject(bytes)).toBeInstanceOf(Error);
      }),
      { numRuns: 2000 },
    );
  });

  it("random headers with random data either load consistently or are rejected with an Error", async () => {
    await fc.assert(
      fc.asyncProperty(
        header,
        fc.integer({ min: 0, max: 96 }),
        fc.option(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 0, max: 400 }))),
        async (h, dataLength, headerLength) => {
          await readOrReject(rawFile(h, dataLength, headerLength ?? undefined));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("a valid file truncated, corrupted or with a wrong length prefix is rejected or still consistent", async () => {
    const valid = await validFile;
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("truncate" as const), at: fc.integer({ min: 0, max: valid.length - 1 }) }),
      fc.record({
        kind: fc.constant("flip" as const),
        flips: fc.array(fc.tuple(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
      }),
      fc.record({ kind: fc.constant("length" as const), n: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
      fc.record({ kind: fc.constant("append" as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        let bytes: Uint8Array = valid.slice();
        if (m.kind === "truncate") bytes = bytes.slice(0, m.at);
        if (m.kind === "flip") for (const [i, v] of m.flips) bytes[i] = v;
        if (m.kind === "length") new DataView(bytes.buffer).setBigUint64(0, m.n, true);
        if (m.kind === "append") bytes = concatBytes(bytes, m.extra);
        const err = await readOrReject(bytes);
        if (m.kind === "truncate") expect(err).toBeInstanceOf(Error);
      }),
      { numRuns: 2000 },
    );
  });

  it("malformed files on disk are rejected with an Error naming the path", async () => {
    const valid = await validFile;
    const path = join(dir, "fuzz.safetensors");
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 0, max: valid.length - 1 }).map((n) => valid.slice(0, n)),
          fc.tuple(header, fc.integer({ min: 0, max: 64 })).map(([h, n]) => rawFile(h, n)),
        ),
        async (bytes) => {
          await writeFile(path, bytes);
          try {
            const { tensors } = await readSafetensors(path);
            for (const x of Object.values(tensors)) x.dispose();
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            expect((e as Error).message.startsWith(`${path}: `)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
