/**
 * Checks against real PyTorch: checkpoints written by torch.save load with the same names, shapes and values,
 * and checkpoints written by this folder's test writer load in torch.load(weights_only=True). Runs only when
 * a Python with PyTorch is found (see test/support/torch-pickle/python-torch.ts); otherwise it is skipped with the reason printed.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readTorchCheckpoint } from "./index.js";
import { findTorchPython, runPython } from "../../test/support/torch-pickle/python-torch.js";
import { buildCheckpoint, dictOf, tensorOf } from "../../test/support/torch-pickle/torch-checkpoint-writer.js";
import { LOADED_DTYPE, type TorchDType } from "./torch-dtypes.js";

interface Expected {
  torch: string;
  files: Record<string, { tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>; skipped: string[] }>;
}

const py = findTorchPython();
if (!py.python) console.log(`torch interop tests skipped: ${"reason" in py ? py.reason : ""}`);

describe.skipIf(!py.python)(`PyTorch interop (${py.python ? `torch ${py.version}` : "skipped"})`, () => {
  let dir: string;
  let expected: Expected;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "torch-interop-"));
    runPython(py.python!, [fileURLToPath(new URL("../../test/support/torch-pickle/make_torch_fixtures.py", import.meta.url)), dir]);
    expected = JSON.parse(await readFile(join(dir, "expected.json"), "utf8")) as Expected;
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const file of ["dtypes.pt", "views.pt", "nested.pt", "half_model.pt", "special.pt"]) {
    test(`${file} loads with torch's names, shapes, dtypes and values`, async () => {
      const want = expected.files[file]!;
      const { tensors, skipped } = await readTorchCheckpoint(join(dir, file));
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(want.tensors).sort());
      expect(skipped).toEqual(want.skipped);
      for (const [name, w] of Object.entries(want.tensors)) {
        const t = tensors[name]!;
        expect(t.shape, name).toEqual(w.shape);
        expect(t.dtype, name).toBe(LOADED_DTYPE[w.dtype as TorchDType]);
        expect(Array.from((await t.data()) as ArrayLike<number>), name).toEqual(w.values);
      }
    });
  }

  test("a legacy (non-zip) torch.save file gets a clear error", async () => {
    await expect(readTorchCheckpoint(join(dir, "legacy.pt"))).rejects.toThrow(/legacy \(pre-1.6, non-zip\)/);
  });

  test("a pickle that calls os.system is refused", async () => {
    await expect(readTorchCheckpoint(join(dir, "malicious.pt"))).rejects.toThrow(/refusing to unpickle global "(posix|nt|os)\.system" \(only tensor-rebuild globals are allowed\)/);
  });

  test("checkpoints from the test writer load in torch.load(weights_only=True)", async () => {
    const f32 = { key: "0", dtype: "float32" as const, values: [0, 1, 2, 3, 4, 5] };
    const ckpt = dictOf([
      ["w", tensorOf(f32, [2, 3])],
      ["t", tensorOf(f32, [3, 2], { stride: [1, 3] })],
      ["p", tensorOf({ key: "1", dtype: "bfloat16", values: [1.5, -2] }, [2], { parameter: true })],
      ["i", tensorOf({ key: "2", dtype: "int64", values: [-(2n ** 40n), 3n] }, [2])],
      ["nested", dictOf([["h", tensorOf({ key: "3", dtype: "float16", values: [0.5] }, [])]])],
    ]);
    const path = join(dir, "from-writer.pt");
    await writeFile(path, buildCheckpoint(ckpt));
    const code = [
      "import json, sys, torch",
      "sd = torch.load(sys.argv[1], weights_only=True)",
      "flat = {**{k: v for k, v in sd.items() if k != 'nested'}, 'nested.h': sd['nested']['h']}",
      "print(json.dumps({k: [str(v.dtype), list(v.shape), v.to(torch.float64).flatten().tolist()] for k, v in flat.items()}))",
    ].join("\n");
    const loaded = JSON.parse(runPython(py.python!, ["-c", code, path])) as Record<string, [string, number[], number[]]>;
    expect(loaded).toEqual({
      w: ["torch.float32", [2, 3], [0, 1, 2, 3, 4, 5]],
      t: ["torch.float32", [3, 2], [0, 3, 1, 4, 2, 5]],
      p: ["torch.bfloat16", [2], [1.5, -2]],
      i: ["torch.int64", [2], [-(2 ** 40), 3]],
      "nested.h": ["torch.float16", [], [0.5]],
    });
  });
});
