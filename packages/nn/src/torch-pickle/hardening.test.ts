/**
 * Malformed and malicious archives and pickles built from valid checkpoints of the test writer: each must give
 * a TorchCheckpointError naming the file (never a crash, a hang or gigabytes), and valid ones must still load.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Tensor } from "@diva/tensor";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readTorchCheckpoint, TorchCheckpointError } from "./index.js";
import { OP } from "./pickle/opcodes.js";
import { buildCheckpoint, dictOf, pickleCheckpoint, tensorOf, type StorageSpec } from "../../test/support/torch-pickle/torch-checkpoint-writer.js";
import { CENTRAL, entryNamed, LOCAL, zipLayout } from "../../test/support/torch-pickle/zip-layout.js";
import { writeZip } from "../../test/support/torch-pickle/zip-writer.js";

const f32: StorageSpec = { key: "0", dtype: "float32", values: [1, 2, 3, 4, 5, 6] };
const i32: StorageSpec = { key: "1", dtype: "int32", values: [7, 8] };
const spec = dictOf([
  ["w", tensorOf(f32, [2, 3])],
  ["b", tensorOf(i32, [2])],
]);
const valid = buildCheckpoint(spec);

const values = async (t: Tensor | undefined) => Array.from((await t!.data()) as ArrayLike<number>);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "torch-hardening-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error reading `bytes` gives, from bytes (name "m.pt") and from a path; both must be the same kind of error. */
async function rejection(bytes: Uint8Array): Promise<string> {
  const path = join(dir, `case-${Math.random().toString(36).slice(2)}.pt`);
  await writeFile(path, bytes);
  const messages: string[] = [];
  for (const source of [bytes, path]) {
    try {
      await readTorchCheckpoint(source, { name: "m.pt" });
    } catch (e) {
      expect(e).toBeInstanceOf(TorchCheckpointError);
      expect((e as Error).message).toMatch(/^m\.pt: /);
      messages.push((e as Error).message);
      continue;
    }
    throw new Error(`expected ${typeof source === "string" ? "the path" : "the bytes"} to be rejected`);
  }
  expect(messages[1]).toBe(messages[0]);
  return messages[0]!;
}

function u32le(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, value, true);
}
function u32At(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
}

describe("end of central directory and zip64 records", () => {
  test("a zip64 locator pointing past 2^53 is a rejected promise naming the file, from a path and from bytes", async () => {
    const bytes = valid.slice();
    const { zip64 } = zipLayout(bytes);
    bytes[zip64!.locator + 8 + 6] = 0x20; // the end-record offset becomes 2^53 + ...
    expect(await rejection(bytes)).toMatch(/^m\.pt: not a readable zip archive \(zip64 locator: end record offset .* is past 2\^53/);
  });

  test("every one-byte change to the end records is a clean error or a load", async () => {
    const { zip64 } = zipLayout(valid);
    for (let at = zip64!.record; at < valid.length; at++) {
      for (const b of [0x00, 0x20, 0xff]) {
        if (valid[at] === b) continue;
        const bytes = valid.slice();
        bytes[at] = b;
        const path = join(dir, "tail.pt");
        await writeFile(path, bytes);
        await readTorchCheckpoint(path, { name: "m.pt" }).then(
          (r) => Object.values(r.tensors).forEach((t) => t.dispose()),
          (e: unknown) => {
            expect(e).toBeInstanceOf(TorchCheckpointError);
            expect((e as Error).message).toMatch(/^m\.pt: /);
          },
        );
      }
    }
  });
});

describe("entry sizes, overlaps and CRC", () => {
  test("a local header whose size disagrees with the central directory is refused", async () => {
    const bytes = valid.slice();
    const e = entryNamed(zipLayout(bytes), "archive/data/0");
    u32le(bytes, e.local + LOCAL.uncompressed, 4);
    u32le(bytes, e.local + LOCAL.compressed, 4);
    expect(await rejection(bytes)).toMatch(/corrupted zip central directory \(entry "archive\/data\/0": the local header .* disagrees with the central directory/);
  });

  test("a storage file holding more bytes than its elements need is refused", async () => {
    const { pickle } = pickleCheckpoint(dictOf([["w", tensorOf(f32, [6])]]));
    const zip = writeZip([
      { name: "archive/data.pkl", data: pickle },
      { name: "archive/data/0", data: new Uint8Array(6 * 4 + 8) },
    ]);
    expect(await rejection(zip)).toBe('m.pt: tensor "w": storage "archive/data/0" has 32 bytes, more than its 6 float32 elements need (24)');
  });

  test("an entry whose declared sizes make its data overlap the next entry is refused", async () => {
    const bytes = valid.slice();
    const layout = zipLayout(bytes);
    const e = entryNamed(layout, "archive/data/0");
    const grown = e.compressedSize + 64;
    for (const [base, fields] of [[e.local, LOCAL], [e.central, CENTRAL]] as const) {
      u32le(bytes, base + fields.compressed, grown);
      u32le(bytes, base + fields.uncompressed, grown);
    }
    expect(await rejection(bytes)).toMatch(/corrupted zip central directory \(entries "archive\/data\/0" \(bytes \d+ to \d+\) and "archive\/data\/1" .* overlap\)/);
  });

  test("many central entries sharing one entry's data (an overlapping-entry bomb) are refused", async () => {
    // Every central record points at the same local header: the names disagree, and the data overlaps.
    const bytes = valid.slice();
    const layout = zipLayout(bytes);
    const target = entryNamed(layout, "archive/data/0").local;
    for (const e of layout.entries) if (e.name !== "archive/data.pkl") u32le(bytes, e.central + CENTRAL.localOffset, target);
    expect(await rejection(bytes)).toMatch(/corrupted zip central directory \(entry "archive\/.*": the local header names a different file\)/);
  });

  test("a flipped byte in tensor data is a CRC-32 error naming the entry", async () => {
    const bytes = valid.slice();
    const e = entryNamed(zipLayout(bytes), "archive/data/1");
    bytes[e.dataStart + 2] ^= 0x01;
    expect(await rejection(bytes)).toMatch(/^m\.pt: cannot read archive entry "archive\/data\/1" \(CRC-32 mismatch \(the archive says [0-9a-f]{8}, the data has [0-9a-f]{8}\): the entry is corrupted\)$/);
  });

  test("a deflated storage that inflates past its declared size is refused", async () => {
    // Claim 16 bytes (4 floats) in both headers and in the pickle's numel: the data inflates to 24.
    const { pickle } = pickleCheckpoint(dictOf([["w", tensorOf({ ...f32, values: [1, 2, 3, 4] }, [4])], ["b", tensorOf(i32, [2])]]));
    const withPickle = buildCheckpoint(spec, { deflate: ["data/0"], pickle });
    const layout = zipLayout(withPickle);
    const d0 = entryNamed(layout, "archive/data/0");
    expect(d0.method).toBe(8);
    u32le(withPickle, d0.local + LOCAL.uncompressed, 16);
    u32le(withPickle, d0.central + CENTRAL.uncompressed, 16);
    expect(u32At(withPickle, d0.central + CENTRAL.uncompressed)).toBe(16);
    expect(await rejection(withPickle)).toMatch(/cannot read archive entry "archive\/data\/0" \(inflates past its declared size of 16 bytes\)/);
  });
});

/** A checkpoint whose pickle is `pickle` (the storages of `spec` present). */
const withPickle = (pickle: Uint8Array) => buildCheckpoint(spec, { pickle });

/** Raw pickle pieces. */
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
const put = (i: number) => [OP.LONG_BINPUT, ...u32(i)];
const get = (i: number) => [OP.LONG_BINGET, ...u32(i)];
const str = (s: string) => [OP.SHORT_BINUNICODE, s.length, ...new TextEncoder().encode(s)];

describe("pickle work and memory bounds", () => {
  test("a billion-laughs pickle (dicts shared through the memo) fails fast with a clear error", async () => {
    // The valid state dict, then 48 levels of {"a": previous, "b": previous}: 2^48 paths to every tensor.
    const base = pickleCheckpoint(spec).pickle;
    const ops: number[] = [...base.subarray(0, base.length - 1), ...put(100_000), OP.POP];
    for (let level = 1; level <= 48; level++) {
      ops.push(OP.EMPTY_DICT, OP.MARK, ...str("a"), ...get(100_000 + level - 1), ...str("b"), ...get(100_000 + level - 1), OP.SETITEMS, ...put(100_000 + level), OP.POP);
    }
    ops.push(...get(100_048), OP.STOP);
    const pickle = Uint8Array.from(ops);
    expect(pickle.length).toBeLessThan(2048);
    expect(await rejection(withPickle(pickle))).toMatch(/^m\.pt: archive\/data\.pkl: flattening the nested dicts into names takes more than \d+ steps, the most a pickle of \d+ bytes may take .* \(a memo bomb\)\?$/);
  });

  test("one dict shared under two names loads under both (each dict is flattened once)", async () => {
    const base = pickleCheckpoint(spec).pickle;
    const pickle = Uint8Array.from([...base.subarray(0, base.length - 1), ...put(100_000), OP.POP, OP.EMPTY_DICT, OP.MARK, ...str("model"), ...get(100_000), ...str("ema"), ...get(100_000), OP.SETITEMS, OP.STOP]);
    const { tensors } = await readTorchCheckpoint(withPickle(pickle));
    expect(Object.keys(tensors)).toEqual(["model.w", "model.b", "ema.w", "ema.b"]);
    expect(await values(tensors["ema.w"])).toEqual(f32.values);
    expect(await values(tensors["model.b"])).toEqual(i32.values);
  });

  test("one list of pairs passed to thousands of OrderedDict calls is refused (quadratic work)", async () => {
    const n = 2_000;
    const ops: number[] = [OP.PROTO, 2, OP.GLOBAL, ...new TextEncoder().encode("collections\nOrderedDict\n"), ...put(0), OP.POP, OP.EMPTY_LIST, ...put(1), OP.MARK];
    for (let i = 0; i < n; i++) ops.push(OP.BININT1, i & 0xff, OP.NONE, OP.TUPLE2);
    ops.push(OP.APPENDS, OP.POP, OP.EMPTY_LIST, OP.MARK);
    for (let i = 0; i < n; i++) ops.push(...get(0), ...get(1), OP.TUPLE1, OP.REDUCE, OP.POP);
    ops.push(OP.APPENDS, OP.STOP);
    expect(await rejection(withPickle(Uint8Array.from(ops)))).toMatch(/collections\.OrderedDict takes more than \d+ steps, the most a pickle of \d+ bytes may take/);
  });

  test("a pickle that builds hundreds of MB of dicts from one byte each is refused", async () => {
    const pickle = new Uint8Array(1_200_000).fill(OP.EMPTY_DICT);
    pickle[0] = OP.PROTO;
    pickle[1] = 2;
    pickle[pickle.length - 1] = OP.STOP;
    // From bytes only: this one builds about 250 MB before it stops, so once is enough.
    await expect(readTorchCheckpoint(withPickle(pickle), { name: "m.pt" })).rejects.toThrow(/^m\.pt: archive\/data\.pkl: opcode EMPTY_DICT .*: the pickle builds more than 268435456 bytes of objects; refusing$/);
  });

  test("a megabyte-long integer (LONG4) decodes in linear time and is skipped", async () => {
    const base = pickleCheckpoint(spec).pickle;
    // The root OrderedDict is on the stack: SETITEM "big" = LONG4 of 1 MiB.
    const long = new Uint8Array(1 << 20).fill(0x5a);
    const pickle = Uint8Array.from([...base.subarray(0, base.length - 1), ...str("big"), OP.LONG4, ...u32(long.length), ...long, OP.SETITEM, OP.STOP]);
    const { tensors, skipped } = await readTorchCheckpoint(withPickle(pickle));
    expect(Object.keys(tensors)).toEqual(["w", "b"]);
    expect(skipped).toEqual(["big"]);
  });
});

describe("names from the file never reach prototypes", () => {
  for (const name of ["__proto__", "a.constructor.b", "layer.prototype"]) {
    test(`the tensor name "${name}" is refused, naming the file and key`, async () => {
      const bytes = buildCheckpoint(dictOf([[name, tensorOf(f32, [6])]]));
      expect(await rejection(bytes)).toMatch(new RegExp(`^m\\.pt: tensor name "${name.replace(/\./g, "\\.")}" has the segment "(__proto__|constructor|prototype)", which is refused`));
    });
  }

  test("the tensors record has no prototype: an absent name reads as undefined", async () => {
    const { tensors } = await readTorchCheckpoint(valid);
    expect(Object.getPrototypeOf(tensors)).toBe(null);
    expect(tensors["toString"]).toBeUndefined();
    expect(Object.keys(tensors)).toEqual(["w", "b"]);
  });

  test("a storage location named like an Object.prototype member does not pick a device from the prototype", async () => {
    const located = dictOf([["w", tensorOf({ ...f32, location: "constructor" }, [6])]]);
    const { tensors } = await readTorchCheckpoint(buildCheckpoint(located), { mapLocation: { cuda: "cpu" } });
    expect(await values(tensors.w)).toEqual(f32.values);
  });

  test("two tensors viewing one storage as different dtypes are refused", async () => {
    const asInt: StorageSpec = { key: "0", dtype: "int32", values: [1, 2, 3, 4, 5, 6] };
    const bytes = buildCheckpoint(dictOf([["w", tensorOf(f32, [6])], ["v", tensorOf(asInt, [6])]]));
    expect(await rejection(bytes)).toMatch(/tensors "w" and "v" view storage "archive\/data\/0" as float32 and int32/);
  });
});

describe("valid checkpoints still load", () => {
  test("the same values from a path and from bytes, zip64 and classic, stored and deflated", async () => {
    for (const bytes of [valid, buildCheckpoint(spec, { zip64: false }), buildCheckpoint(spec, { deflate: ["data.pkl", "data/0", "data/1"] })]) {
      const path = join(dir, "ok.pt");
      await writeFile(path, bytes);
      for (const source of [bytes, path]) {
        const { tensors, skipped } = await readTorchCheckpoint(source);
        expect(Object.keys(tensors)).toEqual(["w", "b"]);
        expect(skipped).toEqual([]);
        expect(tensors.w!.shape).toEqual([2, 3]);
        expect(await values(tensors.w)).toEqual(f32.values);
        expect(await values(tensors.b)).toEqual(i32.values);
      }
    }
  });
});
