import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DType, TypedArray } from "../dtype.js";
import { divaEnv } from "../env.js";
import { fromHost } from "../ops/creation.js";
import type { Tensor } from "../tensor.js";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "./half.js";
import {
  openSafetensors,
  parseSafetensorsHeader,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
} from "./safetensors.js";
import { bytesOf, concatBytes, ensureCpuBackend, rawFile } from "../../test/support/safetensors.js";

let dir = "";
beforeAll(async () => {
  ensureCpuBackend();
  dir = await mkdtemp(join(tmpdir(), "diva-safetensors-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function t(data: TypedArray, dtype: DType, shape: number[]): Tensor {
  return fromHost(data, dtype, shape);
}

describe("write then read", () => {
  it("round-trips float32, float64, int32 and bool through a file", async () => {
    const tensors = {
      w: t(new Float32Array([1.5, -2, 3.25, Math.PI, -0, 1e-30]), "float32", [2, 3]),
      d: t(new Float64Array([Math.PI, -1e300, 5e-324]), "float64", [3]),
      i: t(new Int32Array([-2147483648, 2147483647, 0, 7]), "int32", [2, 2]),
      b: t(new Uint8Array([1, 0, 0, 1, 1]), "bool", [5]),
      s: t(new Float32Array([42]), "float32", []),
      empty: t(new Float32Array(0), "float32", [0, 3]),
    };
    const path = join(dir, "all.safetensors");
    await writeSafetensors(path, tensors, { metadata: { format: "pt", note: "ünïcode ✓" } });
    const { tensors: back, metadata } = await readSafetensors(path);
    expect(metadata).toEqual({ format: "pt", note: "ünïcode ✓" });
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, orig] of Object.entries(tensors)) {
      const got = back[name]!;
      expect(got.dtype, name).toBe(orig.dtype);
      expect(got.shape, name).toEqual(orig.shape);
      expect(await got.data(), name).toEqual(await orig.data());
    }
  });

  it("writes the reference layout: 8-aligned padded header, widest dtypes first, then names in order", async () => {
    const bytes = await serializeSafetensors({
      zeta: t(new Float32Array([1]), "float32", [1]),
      alpha: t(new Float32Array([2, 3]), "float32", [2]),
      flag: t(new Uint8Array([1]), "bool", [1]),
      wide: t(new Float64Array([4]), "float64", [1]),
      half: t(new Float32Array([5]), "float32", [1]),
    }, { dtypes: { half: "F16" } });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().endsWith("}")).toBe(true);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const header = parseSafetensorsHeader(bytes, bytes.length, "layout");
    const order = [...header.tensors].sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]).map(([k]) => k);
    expect(order).toEqual(["wide", "alpha", "zeta", "half", "flag"]);
    for (const [, info] of header.tensors) {
      const size = { F64: 8, F32: 4, F16: 2, BOOL: 1 }[info.dtype as "F64"]!;
      expect((header.dataStart + info.dataOffsets[0]) % size).toBe(0); // aligned in the file
    }
    // the data section is packed without holes
    expect(Math.max(...[...header.tensors.values()].map((i) => i.dataOffsets[1]))).toBe(header.dataLength);
  });

  it("stores float32 as F16 and BF16 on request, rounding to nearest even", async () => {
    const values = new Float32Array([1, 1 + 2 ** -11, 65520, 2 ** -25, 3.14159, -0.1, Infinity, NaN]);
    const bytes = await serializeSafetensors(
      { h: t(values, "float32", [8]), b: t(values, "float32", [8]) },
      { dtypes: { h: "F16", b: "BF16" } },
    );
    const header = parseSafetensorsHeader(bytes, bytes.length);
    expect(header.tensors.get("h")!.dtype).toBe("F16");
    expect(header.tensors.get("b")!.dtype).toBe("BF16");
    const { tensors } = await readSafetensors(bytes);
    const h = await tensors["h"]!.data();
    const b = await tensors["b"]!.data();
    expect(tensors["h"]!.dtype).toBe("float32");
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) {
        expect(h[i]).toBeNaN();
        expect(b[i]).toBeNaN();
      } else {
        expect(h[i]).toBe(f16ToF32(f32ToF16(v)));
        expect(b[i]).toBe(bf16ToF32(f32ToBf16(v)));
      }
    }
    expect([...h.slice(0, 4)]).toEqual([1, 1, Infinity, 0]);
  });

  it("round-trips random float32 data exactly (F32) and within half an ulp (F16, BF16)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.float({ noNaN: true, min: -60000, max: 60000 }), { minLength: 1, maxLength: 64 }),
        async (xs) => {
          const v = new Float32Array(xs);
          const src = { f: t(v, "float32", [v.length]), h: t(v, "float32", [v.length]), b: t(v, "float32", [v.length]) };
          const bytes = await serializeSafetensors(src, { dtypes: { h: "F16", b: "BF16" } });
          const { tensors } = await readSafetensors(bytes);
          expect(await tensors["f"]!.data()).toEqual(v);
          const h = await tensors["h"]!.data();
          const b = await tensors["b"]!.data();
          for (let i = 0; i < v.length; i++) {
            const x = v[i]!;
            // relative error of round-to-nearest: <= 2^-11 (half) and 2^-8 (bfloat16) for normal values
            if (Math.abs(x) >= 2 ** -14) expect(Math.abs(h[i]! - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11);
            else expect(Math.abs(h[i]! - x)).toBeLessThanOrEqual(2 ** -25);
            if (Math.abs(x) >= 2 ** -126) expect(Math.abs(b[i]! - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -8);
          }
          for (const x of [...Object.values(src), ...Object.values(tensors)]) x.dispose();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("writes float64 as F64 by default and as F32 on request", async () => {
    const d = t(new Float64Array([0.1, 1e-300]), "float64", [2]);
    const bytes = await serializeSafetensors({ d, s: d }, { dtypes: { s: "F32" } });
    const { tensors } = await readSafetensors(bytes);
    expect(tensors["d"]!.dtype).toBe("float64");
    expect([...(await tensors["d"]!.data())]).toEqual([0.1, 1e-300]);
    expect(tensors["s"]!.dtype).toBe("float32");
    expect([...(await tensors["s"]!.data())]).toEqual([Math.fround(0.1), 0]);
  });

  it("rejects bad write requests with errors naming the tensor", async () => {
    const i = t(new Int32Array([1]), "int32", [1]);
    await expect(serializeSafetensors({ i }, { dtypes: { i: "F16" } })).rejects.toThrow(/tensor "i": cannot store a int32 tensor as F16/);
    await expect(serializeSafetensors({ i }, { dtypes: { nope: "F16" } })).rejects.toThrow(/tensor "nope": options.dtypes/);
    await expect(serializeSafetensors({ __metadata__: i })).rejects.toThrow(/reserved/);
    const gone = t(new Float32Array([1]), "float32", [1]);
    gone.dispose();
    await expect(serializeSafetensors({ gone })).rejects.toThrow(/disposed/);
  });

  it("writes atomically: no temporary file is left and a failed write keeps the old file", async () => {
    const path = join(dir, "atomic.safetensors");
    await writeSafetensors(path, { a: t(new Float32Array([1, 2]), "float32", [2]) });
    const before = await readFile(path);
    const gone = t(new Float32Array([1]), "float32", [1]);
    gone.dispose();
    await expect(writeSafetensors(path, { a: gone })).rejects.toThrow();
    // a failure while writing data (a tensor whose data() throws) removes the temporary file
    const broken = t(new Float32Array([1]), "float32", [1]);
    broken.data = () => Promise.reject(new Error("device lost"));
    await expect(writeSafetensors(path, { broken })).rejects.toThrow(/device lost/);
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    expect((await readdir(dir)).filter((f) => f.includes("atomic"))).toEqual(["atomic.safetensors"]);
  });
});

describe("stored dtypes", () => {
  /** A file holding `bytes` as tensor "x" of `dtype` and `shape`, after a U8 tensor of `pad` bytes. */
  function oneTensor(dtype: string, shape: number[], bytes: Uint8Array, pad = 0): Uint8Array {
    const x = { dtype, shape, data_offsets: [pad, pad + bytes.length] };
    const header = pad ? { pad: { dtype: "U8", shape: [pad], data_offsets: [0, pad] }, x } : { x };
    return rawFile(header, concatBytes(new Uint8Array(pad), bytes));
  }

  const cases: [string, Uint8Array, DType, number[]][] = [
    ["F32", bytesOf(new Float32Array([1.5, -2])), "float32", [1.5, -2]],
    ["F64", bytesOf(new Float64Array([0.1, -3])), "float64", [0.1, -3]],
    ["F16", bytesOf(new Uint16Array([0x3c00, 0x7c00, 0x0001, 0xc000])), "float32", [1, Infinity, 2 ** -24, -2]],
    ["BF16", bytesOf(new Uint16Array([0x3f80, 0xc049, 0xff80])), "float32", [1, -3.140625, -Infinity]],
    ["I64", bytesOf(new BigInt64Array([-2147483648n, 2147483647n, -1n])), "int32", [-2147483648, 2147483647, -1]],
    ["I32", bytesOf(new Int32Array([-5, 6])), "int32", [-5, 6]],
    ["I16", bytesOf(new Int16Array([-32768, 32767])), "int32", [-32768, 32767]],
    ["I8", bytesOf(new Int8Array([-128, 127])), "int32", [-128, 127]],
    ["U64", bytesOf(new BigUint64Array([0n, 2147483647n])), "int32", [0, 2147483647]],
    ["U32", bytesOf(new Uint32Array([0, 2147483647])), "int32", [0, 2147483647]],
    ["U16", bytesOf(new Uint16Array([0, 65535])), "int32", [0, 65535]],
    ["U8", new Uint8Array([0, 255, 7]), "int32", [0, 255, 7]],
    ["BOOL", new Uint8Array([1, 0, 2]), "bool", [1, 0, 1]],
  ];

  for (const [stored, bytes, dtype, values] of cases) {
    it(`reads ${stored} as ${dtype}, at aligned and unaligned offsets`, async () => {
      for (const pad of [0, 1, 3]) {
        const file = oneTensor(stored, [values.length], bytes, pad);
        const { tensors } = await readSafetensors(file);
        const x = tensors["x"]!;
        expect(x.dtype).toBe(dtype);
        expect(x.shape).toEqual([values.length]);
        expect([...(await x.data())]).toEqual(values);
      }
    });
  }

  it("loads F64 as float32 with dtype: float32", async () => {
    const file = oneTensor("F64", [2], bytesOf(new Float64Array([0.1, 2])));
    const { tensors } = await readSafetensors(file, { dtype: "float32" });
    expect(tensors["x"]!.dtype).toBe("float32");
    expect([...(await tensors["x"]!.data())]).toEqual([Math.fround(0.1), 2]);
  });

  it("rejects an I64 value outside int32 with the tensor, value and index", async () => {
    const file = oneTensor("I64", [3], bytesOf(new BigInt64Array([1n, 2n, 4294967296n])));
    await expect(readSafetensors(file)).rejects.toThrow(/tensor "x": I64 value 4294967296 at flat index 2 does not fit in int32/);
    const neg = oneTensor("I64", [1], bytesOf(new BigInt64Array([-2147483649n])));
    await expect(readSafetensors(neg)).rejects.toThrow(/I64 value -2147483649 at flat index 0/);
    const big = oneTensor("U64", [1], bytesOf(new BigUint64Array([2n ** 64n - 1n])));
    await expect(readSafetensors(big)).rejects.toThrow(/U64 value 18446744073709551615/);
    const u32 = oneTensor("U32", [1], bytesOf(new Uint32Array([2 ** 31])));
    await expect(readSafetensors(u32)).rejects.toThrow(/U32 value 2147483648/);
  });

  it("converts a tensor larger than one read chunk", async () => {
    const n = (1 << 22) + 3; // 8 MiB + 6 bytes of F16: two chunks
    const halves = new Uint16Array(n);
    for (let i = 0; i < n; i++) halves[i] = i % 0x7c00;
    const path = join(dir, "big.safetensors");
    await writeFile(path, oneTensor("F16", [n], bytesOf(halves), 2));
    const { tensors } = await readSafetensors(path);
    const x = await tensors["x"]!.data();
    for (const i of [0, 1, 4095, n >> 1, (1 << 22) - 1, 1 << 22, n - 1]) expect(x[i]).toBe(f16ToF32(i % 0x7c00));
  });
});

describe("openSafetensors", () => {
  it("lists tensors, reports info and reads lazily", async () => {
    const path = join(dir, "lazy.safetensors");
    await writeSafetensors(path, {
      a: t(new Float32Array([1, 2, 3, 4]), "float32", [2, 2]),
      b: t(new Int32Array([9]), "int32", [1]),
    }, { metadata: { k: "v" } });
    const file = await openSafetensors(path);
    expect(file.keys().sort()).toEqual(["a", "b"]);
    expect(file.metadata).toEqual({ k: "v" });
    expect(file.info("a")).toEqual({ dtype: "F32", shape: [2, 2], byteLength: 16 });
    expect(() => file.info("zz")).toThrow(/tensor "zz": not in the file/);
    const b = await file.read("b");
    expect([...(await b.data())]).toEqual([9]);
    await expect(file.read("nope")).rejects.toThrow(/lazy\.safetensors: tensor "nope": not in the file \(it holds "a", "b"\)/);
    await file.close();
    await file.close(); // idempotent
    await expect(file.read("a")).rejects.toThrow(/closed/);
  });

  it("supports await using", async () => {
    const path = join(dir, "using.safetensors");
    await writeSafetensors(path, { a: t(new Float32Array([1]), "float32", [1]) });
    let escaped: Awaited<ReturnType<typeof openSafetensors>> | undefined;
    {
      await using file = await openSafetensors(path);
      escaped = file;
      expect(file.has("a")).toBe(true);
    }
    await expect(escaped.read("a")).rejects.toThrow(/closed/);
  });

  it("readSafetensors reads only the named tensors and rejects unknown names before reading", async () => {
    const path = join(dir, "names.safetensors");
    await writeSafetensors(path, {
      a: t(new Float32Array([1]), "float32", [1]),
      b: t(new Float32Array([2]), "float32", [1]),
    });
    const { tensors } = await readSafetensors(path, { names: ["b"] });
    expect(Object.keys(tensors)).toEqual(["b"]);
    await expect(readSafetensors(path, { names: ["a", "c"] })).rejects.toThrow(/tensor "c": not in the file/);
  });

  it("names the tensor when the file shrinks after it was opened", async () => {
    const path = join(dir, "shrink.safetensors");
    await writeSafetensors(path, { a: t(new Float32Array([1, 2, 3]), "float32", [3]) });
    const file = await openSafetensors(path);
    const full = await readFile(path);
    await writeFile(path, full.subarray(0, full.length - 4));
    await expect(file.read("a")).rejects.toThrow(/shrink\.safetensors: tensor "a": file ended at byte \d+, before byte \d+/);
    await file.close();
  });

  it("names the target when the folder does not exist", async () => {
    const path = join(dir, "no-such-dir", "x.safetensors");
    await expect(writeSafetensors(path, { a: t(new Float32Array([1]), "float32", [1]) })).rejects.toThrow(
      /no-such-dir\/x\.safetensors: cannot create a temporary file/,
    );
  });

  it("names the file when it is missing or truncated", async () => {
    await expect(readSafetensors(join(dir, "missing.safetensors"))).rejects.toThrow(/missing\.safetensors/);
    const path = join(dir, "trunc.safetensors");
    const full = await serializeSafetensors({ a: t(new Float32Array([1, 2, 3]), "float32", [3]) });
    await writeFile(path, full.subarray(0, full.length - 4));
    await expect(readSafetensors(path)).rejects.toThrow(/trunc\.safetensors: tensor "a": data_offsets \[0,12\] end past the data section of 8 bytes/);
  });
});

// the same folder as the parity tests use ($DIVA_FIXTURES, else ../shared/fixtures beside the repository)
const FIXTURES = divaEnv("DIVA_FIXTURES") ?? fileURLToPath(new URL("../../../../../shared/fixtures", import.meta.url));

describe("shared fixtures", async () => {
  const files = await readdir(FIXTURES).then(
    (fs) => fs.filter((f) => f.endsWith(".safetensors")).sort(),
    () => [] as string[],
  );
  if (files.length === 0) console.warn(`io fixtures: skipped, no *.safetensors under ${FIXTURES}`);
  const manifest = await readFile(join(FIXTURES, "MANIFEST.json"), "utf8").then(
    (s) => JSON.parse(s) as { fixtures?: Record<string, { file: string; tensors: [string, string, number[]][] }> },
    () => undefined,
  );

  it.skipIf(files.length === 0)("finds fixture files", () => expect(files.length).toBeGreaterThan(0));

  for (const name of files) {
    it(`reads ${name}: every tensor matches its header and its raw bytes`, async () => {
      const path = join(FIXTURES, name);
      const raw = new Uint8Array(await readFile(path));
      const header = parseSafetensorsHeader(raw, raw.length, name);
      const { tensors, metadata } = await readSafetensors(path);
      expect(metadata).toEqual(header.metadata);
      expect(Object.keys(tensors).sort()).toEqual([...header.tensors.keys()].sort());
      const loaded: Record<string, DType> = { F32: "float32", F64: "float64", F16: "float32", BF16: "float32", I32: "int32", I64: "int32", U8: "int32", BOOL: "bool" };
      for (const [key, info] of header.tensors) {
        const x = tensors[key]!;
        expect(x.dtype, key).toBe(loaded[info.dtype]);
        expect(x.shape, key).toEqual(info.shape);
        const data = await x.data();
        const start = header.dataStart + info.dataOffsets[0];
        const stored = raw.slice(start, start + info.byteLength).buffer;
        if (info.dtype === "F32") expect(data, key).toEqual(new Float32Array(stored));
        if (info.dtype === "I32") expect(data, key).toEqual(new Int32Array(stored));
        x.dispose();
      }
      const entry = Object.values(manifest?.fixtures ?? {}).find((f) => f.file === name);
      for (const [key, dtype, shape] of entry?.tensors ?? []) {
        expect(header.tensors.get(key)?.dtype, key).toBe(dtype);
        expect(header.tensors.get(key)?.shape, key).toEqual(shape);
      }
    });
  }
});
