// Strict layout and header checks: malformed files are built from valid ones made by our writer, and every
// read path (bytes, path, openSafetensors, safetensorsFromBytes) must refuse them with the same message.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DType, TypedArray } from "../dtype.js";
import { fromHost } from "../ops/creation.js";
import { planSafetensors } from "./safetensors-encode.js";
import {
  MAX_HEADER_LENGTH,
  MAX_METADATA_ENTRIES,
  MAX_TENSOR_RANK,
  MAX_TENSORS,
  openSafetensors,
  parseSafetensorsHeader,
  readSafetensors,
  safetensorsFromBytes,
  serializeSafetensors,
  writeSafetensors,
} from "./safetensors.js";
import { concatBytes, editFile, ensureCpuBackend, splitFile, withHeaderLength } from "../../test/support/safetensors.js";

let dir = "";
beforeAll(async () => {
  ensureCpuBackend();
  dir = await mkdtemp(join(tmpdir(), "diva-safetensors-strict-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** a F32 [0,8], b F32 [8,20], e F32 empty [20,20], h F16 [20,24], flag BOOL [24,27]; metadata format=pt. */
async function validFile(): Promise<Uint8Array> {
  ensureCpuBackend();
  return serializeSafetensors(
    {
      a: fromHost(new Float32Array([1, 2]), "float32", [2]),
      b: fromHost(new Float32Array([3, 4, 5]), "float32", [3]),
      e: fromHost(new Float32Array(0), "float32", [0]),
      h: fromHost(new Float32Array([0.5, -2]), "float32", [2]),
      flag: fromHost(new Uint8Array([1, 0, 1]), "bool", [3]),
    },
    { metadata: { format: "pt" }, dtypes: { h: "F16" } },
  );
}

/** Error message of each read path for `file` written as `name`, with the source prefix replaced by `FILE`. */
async function messages(file: Uint8Array, name: string): Promise<string[]> {
  const path = join(dir, name);
  await writeFile(path, file);
  const attempts: [string, () => Promise<unknown>][] = [
    [path, () => readSafetensors(path)],
    [path, () => openSafetensors(path).then((f) => f.close())],
    ["safetensors bytes", () => readSafetensors(file)],
    ["upload", async () => safetensorsFromBytes(file, "upload")],
    ["upload", async () => safetensorsFromBytes(file.slice().buffer, "upload")], // a browser's ArrayBuffer
    ["upload", async () => parseSafetensorsHeader(file, file.length, "upload")],
  ];
  const out: string[] = [];
  for (const [source, attempt] of attempts) {
    const error = await attempt().then(
      () => new Error(`${source}: ACCEPTED`),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message.startsWith(`${source}: `), message).toBe(true);
    out.push(`FILE: ${message.slice(source.length + 2)}`);
  }
  return out;
}

/** The one message every read path gives for `file` (they must agree). */
async function refusal(file: Uint8Array, name: string): Promise<string> {
  const all = await messages(file, name);
  for (const m of all) expect(m).toBe(all[0]);
  return all[0]!;
}

describe("the data section must be tiled exactly by the tensors", () => {
  it("refuses a header length one byte short (every tensor would shift by one byte)", async () => {
    const valid = await validFile();
    const { headerLength, header } = splitFile(valid);
    expect(header.endsWith(" ")).toBe(true); // the writer pads the header, so N-1 is still valid JSON
    const short = withHeaderLength(valid, headerLength - 1);
    expect(await refusal(short, "short.safetensors")).toBe(
      'FILE: tensor "flag": data_offsets [24,27] end the tensors at byte 27 but the data section holds 28 bytes: ' +
        "1 trailing byte (a wrong header length or bytes appended to the file?)",
    );
  });

  it("refuses a hole between tensors", async () => {
    const valid = await validFile();
    const hole = editFile(
      valid,
      (h) =>
        h
          .replace('"data_offsets":[8,20]', '"data_offsets":[12,24]')
          .replace('"data_offsets":[20,20]', '"data_offsets":[24,24]')
          .replace('"data_offsets":[20,24]', '"data_offsets":[24,28]')
          .replace('"data_offsets":[24,27]', '"data_offsets":[28,31]'),
      (d) => concatBytes(d.subarray(0, 8), new Uint8Array(4), d.subarray(8)),
    );
    expect(await refusal(hole, "hole.safetensors")).toBe(
      'FILE: tensor "b": data_offsets [12,24] begin at 12 but the previous tensor "a" ends at 8: a hole of 4 bytes',
    );
    const first = editFile(
      valid,
      (h) => h.replace(/"data_offsets":\[(\d+),(\d+)\]/g, (_, b: string, e: string) => `"data_offsets":[${+b + 2},${+e + 2}]`),
      (d) => concatBytes(new Uint8Array(2), d),
    );
    expect(await refusal(first, "first.safetensors")).toBe(
      'FILE: tensor "a": data_offsets [2,10] begin at 2 but the data section begins at 0: a hole of 2 bytes',
    );
  });

  it("refuses trailing bytes after the last tensor", async () => {
    const trailing = concatBytes(await validFile(), new Uint8Array([1, 2, 3, 4]));
    expect(await refusal(trailing, "trailing.safetensors")).toMatch(
      /^FILE: tensor "flag": data_offsets \[24,27\] end the tensors at byte 27 but the data section holds 31 bytes: 4 trailing bytes/,
    );
    const none = concatBytes(await serializeSafetensors({}), new Uint8Array(3));
    expect(await refusal(none, "none.safetensors")).toBe(
      "FILE: the header holds no tensors but the data section holds 3 bytes: 3 trailing bytes (a wrong header length or bytes appended to the file?)",
    );
  });

  it("refuses overlapping tensors, including an empty tensor inside another", async () => {
    const valid = await validFile();
    const inside = editFile(valid, (h) => h.replace('"data_offsets":[20,20]', '"data_offsets":[4,4]'));
    expect(await refusal(inside, "inside.safetensors")).toBe(
      'FILE: tensor "e": data_offsets [4,4] overlap tensor "a" at [0,8]',
    );
    const overlap = editFile(valid, (h) => h.replace('"data_offsets":[8,20]', '"data_offsets":[4,16]'));
    expect(await refusal(overlap, "overlap.safetensors")).toBe(
      'FILE: tensor "b": data_offsets [4,16] overlap tensor "a" at [0,8]',
    );
  });

  it("refuses a tensor whose byte range disagrees with its dtype and shape", async () => {
    const valid = await validFile();
    const shape = editFile(valid, (h) => h.replace('"shape":[3],"data_offsets":[8,20]', '"shape":[4],"data_offsets":[8,20]'));
    expect(await refusal(shape, "shape.safetensors")).toBe(
      'FILE: tensor "b": data_offsets [8,20] hold 12 bytes but dtype F32 shape [4] needs 16',
    );
    const dtype = editFile(valid, (h) => h.replace('"dtype":"F16"', '"dtype":"F32"'));
    expect(await refusal(dtype, "dtype.safetensors")).toBe(
      'FILE: tensor "h": data_offsets [20,24] hold 4 bytes but dtype F32 shape [2] needs 8',
    );
  });
});

describe("header keys", () => {
  it("refuses duplicate tensor names, entry fields and metadata keys", async () => {
    const valid = await validFile();
    const tensor = editFile(valid, (h) => h.replace('"b":', '"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":'));
    expect(await refusal(tensor, "dup-tensor.safetensors")).toMatch(
      /^FILE: tensor "b": the name appears twice in the header$/,
    );
    const field = editFile(valid, (h) => h.replace('"dtype":"F32"', '"dtype":"I32","dtype":"F32"'));
    expect(await refusal(field, "dup-field.safetensors")).toBe('FILE: tensor "a": field "dtype" appears twice');
    const meta = editFile(valid, (h) => h.replace('"format":"pt"', '"format":"pt","format":"np"'));
    expect(await refusal(meta, "dup-meta.safetensors")).toBe('FILE: __metadata__["format"] appears twice');
    const twice = editFile(valid, (h) => h.replace("{", '{"__metadata__":{},'));
    expect(await refusal(twice, "dup-metadata.safetensors")).toMatch(/^FILE: __metadata__ appears twice in the header/);
  });

  it("refuses __proto__, constructor and prototype as names or name segments", async () => {
    const valid = await validFile();
    for (const [from, to, segment] of [
      ['"a":', '"__proto__":', "__proto__"],
      ['"b":', '"text.constructor.weight":', "constructor"],
      ['"flag":', '"prototype.0":', "prototype"],
    ] as const) {
      const bad = editFile(valid, (h) => h.replace(from, to));
      const message = await refusal(bad, `proto-${segment}.safetensors`);
      expect(message).toMatch(`FILE: key ${to.slice(0, -1)} has the segment "${segment}"`);
    }
    const meta = editFile(valid, (h) => h.replace('"format":"pt"', '"__proto__":"pt"'));
    expect(await refusal(meta, "proto-meta.safetensors")).toMatch('FILE: key "__metadata__.__proto__" has the segment "__proto__"');
    expect(Object.prototype).not.toHaveProperty("dtype");
  });

  it("refuses unknown entry fields and non-string metadata values", async () => {
    const valid = await validFile();
    const unknown = editFile(valid, (h) => h.replace('"dtype":"BOOL"', '"dtype":"BOOL","crc":7'));
    expect(await refusal(unknown, "unknown.safetensors")).toBe(
      'FILE: tensor "flag": unknown field "crc" (an entry holds only dtype, shape and data_offsets)',
    );
    const meta = editFile(valid, (h) => h.replace('"format":"pt"', '"format":{"a":"pt"}'));
    expect(await refusal(meta, "meta-object.safetensors")).toBe('FILE: __metadata__["format"] must be a string, got an object');
  });
});

describe("limits keep parse time and memory proportional to the file", () => {
  it("refuses a nesting depth bomb before parsing it", async () => {
    const valid = await validFile();
    const depth = 200_000;
    const bomb = editFile(valid, (h) => h.replace('"dtype":"BOOL"', `"dtype":"BOOL","x":${"[".repeat(depth)}${"]".repeat(depth)}`));
    expect(await refusal(bomb, "bomb.safetensors")).toMatch(
      /^FILE: tensor "flag": the header nests 4 levels deep at character \d+; a safetensors header nests at most 3/,
    );
    const meta = editFile(valid, (h) => h.replace('"format":"pt"', `"format":${"{".repeat(depth)}`));
    expect(await refusal(meta, "bomb-meta.safetensors")).toMatch(/^FILE: __metadata__: the header nests 4 levels deep/);
  });

  it(`refuses more than ${MAX_TENSORS} tensors, naming the first one over the limit`, async () => {
    const inputs = Array.from({ length: MAX_TENSORS + 1 }, (_, i) => ({ name: `t${i}`, dtype: "float32" as const, shape: [0] }));
    const { header } = planSafetensors(inputs, undefined); // the writer's header for MAX_TENSORS + 1 empty tensors
    const path = join(dir, "many.safetensors");
    await writeFile(path, header);
    const limit = new RegExp(`: tensor "t\\d+": the header holds more than ${MAX_TENSORS} tensors, the limit`);
    await expect(readSafetensors(path)).rejects.toThrow(limit); // two read paths only: each parse takes a while
    await expect(readSafetensors(header)).rejects.toThrow(limit);
  });

  it(`refuses more than ${MAX_TENSOR_RANK} dimensions and ${MAX_METADATA_ENTRIES} metadata entries`, async () => {
    const valid = await validFile();
    const ones = Array.from({ length: MAX_TENSOR_RANK + 1 }, () => 1);
    const rank = editFile(valid, (h) => h.replace('"shape":[2],"data_offsets":[0,8]', `"shape":[2,${ones.join(",")}],"data_offsets":[0,8]`));
    expect(await refusal(rank, "rank.safetensors")).toBe(`FILE: tensor "a": shape has more than ${MAX_TENSOR_RANK} dimensions`);
    const entries = Array.from({ length: MAX_METADATA_ENTRIES + 1 }, (_, i) => `"k${i}":""`).join(",");
    const meta = editFile(valid, (h) => h.replace('"format":"pt"', entries));
    expect(await refusal(meta, "meta-many.safetensors")).toBe(
      `FILE: __metadata__ holds more than ${MAX_METADATA_ENTRIES} entries, the limit of this reader`,
    );
  });

  it("refuses a header length over the limit or past the end without allocating it", async () => {
    const valid = await validFile();
    expect(await refusal(withHeaderLength(valid, MAX_HEADER_LENGTH + 1), "huge.safetensors")).toMatch(
      `header length ${MAX_HEADER_LENGTH + 1} exceeds the limit of ${MAX_HEADER_LENGTH} bytes`,
    );
    expect(await refusal(withHeaderLength(valid, valid.length), "past.safetensors")).toMatch(/does not fit in a file of/);
  });
});

describe("the header parser agrees with JSON.parse", () => {
  it("accepts an edited header only when JSON.parse does, reading the same tensors and metadata", async () => {
    const valid = await validFile();
    const { header, data } = splitFile(valid);
    const text = header.trimEnd();
    const pieces = ["{", "}", "[", "]", ",", ":", '"', "\\", "0", "1", "-", "e", "E", "+", ".", " ", "\n", "\u0001", "é", "null", "\\u0041"];
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(text.length), fc.nat(2), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 3 }),
        (edits) => {
          let t = text;
          for (const [at, op, piece] of edits) {
            const i = at % (t.length + 1);
            t = op === 0 ? t.slice(0, i) + piece + t.slice(i) : op === 1 ? t.slice(0, i) + t.slice(i + 1) : t.slice(0, i) + piece + t.slice(i + 1);
          }
          const file = editFile(valid, () => t, () => data);
          let ours: ReturnType<typeof parseSafetensorsHeader>;
          try {
            ours = parseSafetensorsHeader(file, file.length, "edited");
          } catch (e) {
            expect((e as Error).message).toMatch(/^edited: /);
            return;
          }
          accepted++;
          const json = JSON.parse(t) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
          const { __metadata__: meta, ...entries } = json as Record<string, never>;
          expect(Object.keys(entries).sort()).toEqual([...ours.tensors.keys()].sort());
          for (const [name, e] of Object.entries(entries) as [string, { dtype: string; shape: number[]; data_offsets: number[] }][]) {
            const info = ours.tensors.get(name)!;
            expect([info.dtype, info.shape, info.dataOffsets]).toEqual([e.dtype, e.shape, e.data_offsets]);
          }
          expect({ ...ours.metadata }).toEqual(meta ?? {});
        },
      ),
      { numRuns: 3000, seed: 13 },
    );
    expect(accepted).toBeGreaterThan(50); // edits in whitespace, names and metadata keep the file valid
  });
});

describe("the writer's files stay valid", () => {
  it("round-trips every dtype the writer stores, through every read path", async () => {
    const values = [1.5, -2, 0.25, 65504, -0];
    const tensors = {
      f32: fromHost(new Float32Array(values), "float32", [5]),
      f64: fromHost(new Float64Array([Math.PI, -1e300, 5e-324]), "float64", [3]),
      f16: fromHost(new Float32Array(values), "float32", [5, 1]),
      bf16: fromHost(new Float32Array([1.5, -2, 0.25]), "float32", [1, 3]),
      i32: fromHost(new Int32Array([-2147483648, 2147483647, 0]), "int32", [3]),
      bool: fromHost(new Uint8Array([1, 0, 1, 1, 0]), "bool", [5]),
      scalar: fromHost(new Float32Array([7]), "float32", []),
      empty: fromHost(new Float32Array(0), "float32", [2, 0]),
    };
    const options = { metadata: { format: "pt", note: "ünïcode" }, dtypes: { f16: "F16", bf16: "BF16" } } as const;
    const bytes = await serializeSafetensors(tensors, options);
    const path = join(dir, "all-dtypes.safetensors");
    await writeSafetensors(path, tensors, options);
    const header = parseSafetensorsHeader(bytes, bytes.length);
    expect([...header.tensors.values()].map((t) => t.dtype).sort()).toEqual(
      ["BF16", "BOOL", "F16", "F32", "F32", "F32", "F64", "I32"],
    );
    const expected: Record<string, [DType, number[]]> = {};
    for (const [name, t] of Object.entries(tensors)) expected[name] = [t.dtype, [...(await t.data())]];
    const loads = [await readSafetensors(bytes), await readSafetensors(path)];
    await using file = await openSafetensors(path);
    for (const got of loads) {
      expect(got.metadata).toEqual(options.metadata);
      expect(Object.keys(got.tensors).sort()).toEqual(Object.keys(tensors).sort());
      for (const [name, [dtype, data]] of Object.entries(expected)) {
        const t = got.tensors[name]!;
        expect(t.dtype, name).toBe(dtype);
        expect(t.shape, name).toEqual(tensors[name as keyof typeof tensors].shape);
        expect([...(await t.data())], name).toEqual(data);
        expect([...((await file.readHost(name)).data as TypedArray)], name).toEqual(data);
      }
    }
  });
});
