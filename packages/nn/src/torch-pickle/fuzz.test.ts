import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readTorchCheckpoint, TorchCheckpointError } from "./index.js";
import { OP } from "./pickle/opcodes.js";
import { buildCheckpoint, dictOf, pickleCheckpoint, tensorOf } from "../../test/support/torch-pickle/torch-checkpoint-writer.js";

const validSpec = dictOf([
    ["a.weight", tensorOf({ key: "0", dtype: "float32", values: [1, 2, 3, 4, 5, 6] }, [2, 3])],
    ["a.bias", tensorOf({ key: "1", dtype: "float16", values: [1, 2] }, [2])],
    ["steps", tensorOf({ key: "2", dtype: "int64", values: [7n] }, [])],
    ["meta", dictOf([["epoch", 3]])],
    ["p", tensorOf({ key: "3", dtype: "bfloat16", values: [1, 2, 3, 4] }, [2, 2], { parameter: true, stride: [1, 2] })],
]);
const valid = buildCheckpoint(validSpec);
const deflated = buildCheckpoint(validSpec, { deflate: ["data.pkl", "data/0", "data/3"] });
const validPickle = pickleCheckpoint(validSpec).pickle;

/** Resolves to "ok" or the error; fails the property on anything but a TorchCheckpointError from our own checks. */
async function outcome(source: Uint8Array | string): Promise<"ok" | TorchCheckpointError> {
  try {
    await readTorchCheckpoint(source, { name: "fuzz.pt" });
    return "ok";
  } catch (e) {
    expect(e).toBeInstanceOf(TorchCheckpointError);
    // "unreadable checkpoint" wraps an unexpected exception (a bug), which must not happen.
    expect((e as Error).message).not.toMatch(/unreadable checkpoint/);
    return e as TorchCheckpointError;
  }
}

// Opcode bytes weighted in, so that random pickles get past the first byte.
const opcodeByte = fc.oneof(fc.constantFrom(...Object.values(OP)), fc.integer({ min: 0, max: 255 }));

describe("fuzz", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "torch-fuzz-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("corrupted and truncated files read from a path load or fail cleanly", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: valid.length }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), async (length, edits) => {
        const bytes = valid.slice(0, length);
        for (const [at, b] of edits) if (bytes.length > 0) bytes[at % bytes.length] = b;
        const path = join(dir, `f${n++}.pt`);
        await writeFile(path, bytes);
        await outcome(path);
      }),
      { numRuns: 150 },
    );
  });

  test("random bytes are rejected with an error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        expect(await outcome(bytes)).toBeInstanceOf(TorchCheckpointError);
      }),
      { numRuns: 300 },
    );
  });

  test("every truncation of a valid checkpoint is rejected with an error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: valid.length - 1 }), async (n) => {
        expect(await outcome(valid.subarray(0, n))).toBeInstanceOf(TorchCheckpointError);
      }),
      { numRuns: 300 },
    );
  });

  for (const [what, base] of [["stored", valid], ["deflated", deflated]] as const) {
    test(`corrupted bytes anywhere in a checkpoint (${what} entries) load or fail cleanly`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (edits) => {
          const bytes = base.slice();
          for (const [at, b] of edits) bytes[at] = b;
          await outcome(bytes);
        }),
        { numRuns: 500 },
      );
    });
  }

  test("corrupted bytes in data.pkl load or fail cleanly", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: validPickle.length - 1 }), opcodeByte), { minLength: 1, maxLength: 6 }), async (edits) => {
        const pickle = validPickle.slice();
        for (const [at, b] of edits) pickle[at] = b;
        await outcome(buildCheckpoint(validSpec, { pickle }));
      }),
      { numRuns: 500 },
    );
  });

  test("random pickles inside a valid archive load or fail cleanly", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opcodeByte, { maxLength: 300 }), async (ops) => {
        await outcome(buildCheckpoint(dictOf([]), { pickle: Uint8Array.from([OP.PROTO, 2, ...ops]) }));
      }),
      { numRuns: 1000 },
    );
  });
});
