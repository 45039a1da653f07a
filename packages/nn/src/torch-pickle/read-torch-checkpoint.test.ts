import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Tensor } from "@diva/tensor";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readTorchCheckpoint } from "./index.js";
import { buildCheckpoint, dictOf, tensorOf, type StorageSpec, type ValueSpec } from "../../test/support/torch-pickle/torch-checkpoint-writer.js";

const values = async (t: Tensor | undefined) => Array.from((await t!.data()) as ArrayLike<number>);

const f32: StorageSpec = { key: "0", dtype: "float32", values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "torch-ckpt-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readTorchCheckpoint: dtypes", () => {
  const cases: [StorageSpec, string, number[]][] = [
    [{ key: "a", dtype: "float32", values: [1.5, -2, 3e-7] }, "float32", [1.5, -2, Math.fround(3e-7)]],
    [{ key: "b", dtype: "float64", values: [0.1, -1e300] }, "float64", [0.1, -1e300]],
    [{ key: "c", dtype: "float16", values: [0.5, -65504, 2 ** -24, 0, Infinity] }, "float32", [0.5, -65504, 2 ** -24, 0, Infinity]],
    [{ key: "d", dtype: "bfloat16", values: [1, -3.5, 2 ** 100] }, "float32", [1, -3.5, 2 ** 100]],
    [{ key: "e", dtype: "int64", values: [-(2n ** 31n), 2n ** 31n - 1n, 0n, -1n] }, "int32", [-(2 ** 31), 2 ** 31 - 1, 0, -1]],
    [{ key: "f", dtype: "int32", values: [-5, 7] }, "int32", [-5, 7]],
    [{ key: "g", dtype: "int16", values: [-300, 300] }, "int32", [-300, 300]],
    [{ key: "h", dtype: "int8", values: [-128, 127] }, "int32", [-128, 127]],
    [{ key: "i", dtype: "uint8", values: [0, 255] }, "int32", [0, 255]],
    [{ key: "j", dtype: "bool", values: [true, false, true] }, "bool", [1, 0, 1]],
  ];
  for (const [storage, dtype, expected] of cases) {
    test(`${storage.dtype} loads as ${dtype}`, async () => {
      const { tensors } = await readTorchCheckpoint(buildCheckpoint(dictOf([["t", tensorOf(storage, [storage.values.length])]])));
      expect(tensors.t!.dtype).toBe(dtype);
      expect(await values(tensors.t)).toEqual(expected);
    });
  }

  test("an int64 outside int32 is an error naming the tensor and value", async () => {
    const big: StorageSpec = { key: "0", dtype: "int64", values: [1n, 2n ** 40n] };
    await expect(readTorchCheckpoint(buildCheckpoint(dictOf([["step", tensorOf(big, [2])]])))).rejects.toThrow(/tensor "step": int64 value 1099511627776 at flat index 1 does not fit int32/);
  });

  test("big-endian storages are byte-swapped", async () => {
    const ckpt = dictOf([
      ["x", tensorOf({ key: "0", dtype: "float32", values: [1.5, -2] }, [2])],
      ["i", tensorOf({ key: "1", dtype: "int64", values: [-3n, 4n] }, [2])],
    ]);
    const { tensors } = await readTorchCheckpoint(buildCheckpoint(ckpt, { byteorder: "big" }));
    expect(await values(tensors.x)).toEqual([1.5, -2]);
    expect(await values(tensors.i)).toEqual([-3, 4]);
  });
});

describe("readTorchCheckpoint: views", () => {
  test("contiguous, transposed, offset, broadcast (stride 0), 0-d and empty views of one storage", async () => {
    const ckpt = dictOf([
      ["grid", tensorOf(f32, [3, 4])],
      ["transposed", tensorOf(f32, [4, 3], { stride: [1, 4] })],
      ["block", tensorOf(f32, [2, 2], { offset: 5, stride: [4, 1] })],
      ["every_other", tensorOf(f32, [3, 2], { stride: [4, 2] })],
      ["expanded", tensorOf(f32, [2, 3], { offset: 1, stride: [0, 1] })],
      ["scalar", tensorOf(f32, [], { offset: 7 })],
      ["empty", tensorOf(f32, [0, 3])],
    ]);
    const { tensors, skipped } = await readTorchCheckpoint(buildCheckpoint(ckpt));
    expect(skipped).toEqual([]);
    expect(Object.keys(tensors)).toEqual(["grid", "transposed", "block", "every_other", "expanded", "scalar", "empty"]);
    expect(await values(tensors.grid)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(tensors.transposed!.shape).toEqual([4, 3]);
    expect(await values(tensors.transposed)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(await values(tensors.block)).toEqual([5, 6, 9, 10]);
    expect(await values(tensors.every_other)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(await values(tensors.expanded)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(tensors.scalar!.shape).toEqual([]);
    expect(await values(tensors.scalar)).toEqual([7]);
    expect(tensors.empty!.shape).toEqual([0, 3]);
    // Tensors are independent copies: the loaded views do not alias each other.
    expect(tensors.grid!.ref).not.toBe(tensors.block!.ref);
  });

  test("a view past the end of its storage is an error naming the tensor", async () => {
    const ckpt = dictOf([["w", tensorOf(f32, [4, 4])]]);
    await expect(readTorchCheckpoint(buildCheckpoint(ckpt))).rejects.toThrow(/tensor "w": view .* reaches element 15 of a storage of 12/);
  });
});

describe("readTorchCheckpoint: structure", () => {
  test("nested state dicts are flattened; non-tensors and optimizer state are skipped by name", async () => {
    const sd = dictOf([
      ["fc.weight", tensorOf(f32, [2, 3])],
      ["fc.bias", tensorOf({ key: "1", dtype: "float32", values: [1, 2] }, [2])],
    ]);
    const optimizer = dictOf([["state", dictOf([[0, dictOf([["momentum_buffer", tensorOf(f32, [12])]])]])], ["param_groups", { kind: "list", items: [] }]], false);
    const ckpt: ValueSpec = dictOf(
      [
        ["state_dict", sd],
        ["epoch", 5],
        ["optimizer", optimizer],
        ["name", "run-1"],
        ["losses", { kind: "list", items: [1.5, 0.5] }],
        ["meta", dictOf([["lr", 0.1], ["ema", dictOf([["fc.weight", tensorOf(f32, [3, 2])]])]], false)],
        ["nothing", null],
      ],
      false,
    );
    const { tensors, skipped } = await readTorchCheckpoint(buildCheckpoint(ckpt));
    expect(Object.keys(tensors)).toEqual(["state_dict.fc.weight", "state_dict.fc.bias", "meta.ema.fc.weight"]);
    expect(skipped).toEqual(["epoch", "optimizer", "name", "losses", "meta.lr", "nothing"]);
    expect(await values(tensors["state_dict.fc.bias"])).toEqual([1, 2]);
  });

  test("nn.Parameter (_rebuild_parameter) and tensors with Python state (_rebuild_from_type_v2)", async () => {
    const ckpt = dictOf([
      ["p", tensorOf(f32, [12], { parameter: true })],
      ["s", tensorOf(f32, [2, 2], { fromType: true })],
    ]);
    const { tensors } = await readTorchCheckpoint(buildCheckpoint(ckpt));
    expect(await values(tensors.p)).toEqual(f32.values);
    expect(await values(tensors.s)).toEqual([0, 1, 2, 3]);
  });

  test('a key named "__proto__" is refused with an error naming the file and key', async () => {
    const bytes = buildCheckpoint(dictOf([["__proto__", tensorOf(f32, [12])]]));
    await expect(readTorchCheckpoint(bytes, { name: "m.pt" })).rejects.toThrow('m.pt: tensor name "__proto__" has the segment "__proto__", which is refused in names read from files');
    expect(Object.prototype).not.toHaveProperty("shape");
  });

  test("a bare tensor is returned under the empty name", async () => {
    const { tensors } = await readTorchCheckpoint(buildCheckpoint(tensorOf(f32, [12])));
    expect(Object.keys(tensors)).toEqual([""]);
  });

  test("a checkpoint that is neither a dict nor a tensor is an error", async () => {
    await expect(readTorchCheckpoint(buildCheckpoint({ kind: "list", items: [1] }))).rejects.toThrow(/holds a list, not a state dict/);
  });

  test("two names that collide after flattening are an error", async () => {
    const ckpt = dictOf([["a.b", tensorOf(f32, [1])], ["a", dictOf([["b", tensorOf(f32, [1])]])]]);
    await expect(readTorchCheckpoint(buildCheckpoint(ckpt))).rejects.toThrow(/"a.b" occurs twice/);
  });
});

describe("readTorchCheckpoint: archives and sources", () => {
  const ckpt = dictOf([
    ["w", tensorOf(f32, [3, 4])],
    ["b", tensorOf({ key: "1", dtype: "float16", values: [0.25, 8] }, [2])],
  ]);

  test("from a path (ranges read through a FileHandle) equals from bytes", async () => {
    const path = join(dir, "model.pt");
    const bytes = buildCheckpoint(ckpt, { archive: "model" });
    await writeFile(path, bytes);
    const a = await readTorchCheckpoint(path);
    const b = await readTorchCheckpoint(bytes);
    expect(Object.keys(a.tensors)).toEqual(["w", "b"]);
    expect(await values(a.tensors.w)).toEqual(await values(b.tensors.w));
    expect(await values(a.tensors.b)).toEqual([0.25, 8]);
  });

  test("bytes at an odd offset inside a larger buffer", async () => {
    const bytes = buildCheckpoint(ckpt);
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const { tensors } = await readTorchCheckpoint(big.subarray(3));
    expect(await values(tensors.w)).toEqual(f32.values);
  });

  test("no byteorder entry (PyTorch < 2.1) and deflated entries (a re-zipped archive)", async () => {
    const path = join(dir, "deflated.pt");
    await writeFile(path, buildCheckpoint(ckpt, { byteorder: null, deflate: ["data.pkl", "data/0"] }));
    for (const source of [path, buildCheckpoint(ckpt, { byteorder: null, deflate: ["data.pkl", "data/0"] })]) {
      const { tensors } = await readTorchCheckpoint(source);
      expect(await values(tensors.w)).toEqual(f32.values);
    }
  });

  test("a classic (non-zip64) end of central directory", async () => {
    const { tensors } = await readTorchCheckpoint(buildCheckpoint(ckpt, { zip64: false }));
    expect(await values(tensors.w)).toEqual(f32.values);
  });

  test("mapLocation picks the device per storage location", async () => {
    const located = dictOf([["w", tensorOf({ ...f32, location: "cuda:0" }, [12])]]);
    const seen: string[] = [];
    const { tensors } = await readTorchCheckpoint(buildCheckpoint(located), { mapLocation: (loc) => (seen.push(loc), "cpu") });
    expect(seen).toEqual(["cuda:0"]);
    expect(tensors.w!.device).toBe("cpu");
    const viaRecord = await readTorchCheckpoint(buildCheckpoint(located), { mapLocation: { cuda: "cpu" } });
    expect(viaRecord.tensors.w!.device).toBe("cpu");
  });
});
