import { describe, expect, test } from "vitest";
import { readTorchCheckpoint, TorchCheckpointError } from "./index.js";
import { OP } from "./pickle/opcodes.js";
import { PickleWriter } from "../../test/support/torch-pickle/pickle-writer.js";
import { buildCheckpoint, dictOf, encodeStorage, pickleCheckpoint, tensorOf, type StorageSpec } from "../../test/support/torch-pickle/torch-checkpoint-writer.js";
import { writeZip } from "../../test/support/torch-pickle/zip-writer.js";

const f32: StorageSpec = { key: "0", dtype: "float32", values: [1, 2, 3, 4] };
const valid = dictOf([["w", tensorOf(f32, [4])]]);

/** A checkpoint whose data.pkl is `pickle` (storage 0 present). */
const withPickle = (pickle: Uint8Array) => buildCheckpoint(valid, { pickle });

async function rejection(source: string | Uint8Array): Promise<TorchCheckpointError> {
  try {
    await readTorchCheckpoint(source, typeof source === "string" ? {} : { name: "checkpoint.pt" });
  } catch (e) {
    expect(e).toBeInstanceOf(TorchCheckpointError);
    return e as TorchCheckpointError;
  }
  throw new Error("expected the checkpoint to be rejected");
}

describe("refused globals", () => {
  test("GLOBAL os.system + REDUCE is refused with a message naming it", async () => {
    const pickle = new PickleWriter().proto(2).global("os", "system").str("echo pwned").tupleOf(1).op(OP.REDUCE).stop();
    const e = await rejection(withPickle(pickle));
    expect(e.message).toBe('checkpoint.pt: refusing to unpickle global "os.system" (only tensor-rebuild globals are allowed)');
  });

  test("a malicious value after valid tensors is refused too (nothing is returned)", async () => {
    const w = new PickleWriter().proto(2).global("collections", "OrderedDict").op(OP.EMPTY_TUPLE).op(OP.REDUCE).put();
    const evil = w.str("evil").global("builtins", "eval").str("__import__('os').system('x')").tupleOf(1).op(OP.REDUCE).op(OP.SETITEM).stop();
    expect((await rejection(withPickle(evil))).message).toMatch(/refusing to unpickle global "builtins.eval"/);
  });

  test("STACK_GLOBAL (protocol 4) and INST are checked the same way", async () => {
    const enc = new TextEncoder();
    const stackGlobal = Uint8Array.from([OP.PROTO, 4, OP.SHORT_BINUNICODE, 8, ...enc.encode("builtins"), OP.SHORT_BINUNICODE, 4, ...enc.encode("exec"), OP.STACK_GLOBAL, OP.STOP]);
    expect((await rejection(withPickle(stackGlobal))).message).toMatch(/refusing to unpickle global "builtins.exec"/);
    const inst = Uint8Array.from([OP.MARK, OP.INST, ...enc.encode("subprocess\nPopen\n"), OP.STOP]);
    expect((await rejection(withPickle(inst))).message).toMatch(/refusing to unpickle global "subprocess.Popen"/);
  });

  const misuse: [string, (w: PickleWriter) => PickleWriter, RegExp][] = [
    ["calling a storage class", (w) => w.global("torch", "FloatStorage").int(3).tupleOf(1).op(OP.REDUCE), /refusing to call a storage class/],
    ["calling a dtype", (w) => w.global("torch", "float32").op(OP.EMPTY_TUPLE).op(OP.REDUCE), /refusing to call a torch.dtype/],
    ["NEWOBJ of torch.Tensor", (w) => w.global("torch", "Tensor").op(OP.EMPTY_TUPLE).op(OP.NEWOBJ), /refusing to construct a type/],
    ["BUILD on a list", (w) => w.op(OP.EMPTY_LIST).op(OP.EMPTY_DICT).op(OP.BUILD), /refusing to set the state of a list/],
    ["_rebuild_tensor_v2 without a storage", (w) => w.global("torch._utils", "_rebuild_tensor_v2").mark().int(0).int(0).tupleOf(0).tupleOf(0).bool(false).none().op(OP.TUPLE).op(OP.REDUCE), /expected a storage, got int/],
    ["_rebuild_from_type_v2 around OrderedDict", (w) => w.global("torch._tensor", "_rebuild_from_type_v2").mark().global("collections", "OrderedDict").global("torch", "Tensor").op(OP.EMPTY_TUPLE).op(OP.EMPTY_DICT).op(OP.TUPLE).op(OP.REDUCE), /expected a tensor-rebuild function/],
    ["a persistent id that is not a storage", (w) => w.str("not a pid").op(OP.BINPERSID), /unsupported persistent id str/],
    ["a storage key with a path in it", (w) => w.mark().str("storage").global("torch", "FloatStorage").str("../../etc/passwd").str("cpu").int(4).op(OP.TUPLE).op(OP.BINPERSID), /invalid storage key/],
  ];
  for (const [what, build, message] of misuse) {
    test(`refused: ${what}`, async () => {
      const pickle = build(new PickleWriter().proto(2)).stop();
      expect((await rejection(withPickle(pickle))).message).toMatch(message);
    });
  }
});

describe("resource limits", () => {
  test("a broadcast view that would load far more than is stored is refused", async () => {
    const one: StorageSpec = { key: "0", dtype: "float32", values: [1] };
    const bomb = dictOf([["w", tensorOf(one, [9000, 9000], { stride: [0, 0] })]]);
    expect((await rejection(buildCheckpoint(bomb))).message).toMatch(/would load 81000000 elements from 1 stored ones; refusing/);
  });

  test("a huge ADDITEMS is handled without exhausting the call stack", async () => {
    const items = new Array<number>(200_000).fill(OP.NONE);
    const pickle = Uint8Array.from([OP.PROTO, 4, OP.EMPTY_SET, OP.MARK, ...items, OP.ADDITEMS, OP.STOP]);
    expect((await rejection(withPickle(pickle))).message).toMatch(/holds a set, not a state dict/);
  });
});

describe("corrupted and wrong files", () => {
  test("not a zip", async () => {
    expect((await rejection(new TextEncoder().encode("hello, this is not a checkpoint"))).message).toMatch(/^checkpoint.pt: not a readable zip archive/);
  });

  test("a truncated zip", async () => {
    const bytes = buildCheckpoint(valid);
    expect((await rejection(bytes.subarray(0, bytes.length - 30))).message).toMatch(/not a readable zip archive|corrupted zip/);
  });

  test("a corrupted central directory", async () => {
    const bytes = buildCheckpoint(valid, { zip64: false }).slice();
    const cd = new DataView(bytes.buffer).getUint32(bytes.length - 6, true);
    bytes.fill(0x55, cd, cd + 8);
    expect((await rejection(bytes)).message).toMatch(/corrupted zip central directory/);
  });

  test("missing data.pkl", async () => {
    expect((await rejection(buildCheckpoint(valid, { omit: ["data.pkl"] }))).message).toMatch(/no <archive>\/data.pkl in the zip/);
  });

  test("a TorchScript archive", async () => {
    const zip = writeZip([
      { name: "m/data.pkl", data: pickleCheckpoint(valid).pickle },
      { name: "m/constants.pkl", data: new Uint8Array([OP.PROTO, 2, OP.NONE, OP.STOP]) },
    ]);
    expect((await rejection(zip)).message).toMatch(/TorchScript/);
  });

  test("a missing storage file", async () => {
    expect((await rejection(buildCheckpoint(valid, { omit: ["data/0"] }))).message).toMatch(/tensor "w": storage file "archive\/data\/0" is missing/);
  });

  test("a storage file shorter than its element count", async () => {
    const zip = writeZip([
      { name: "archive/data.pkl", data: pickleCheckpoint(valid).pickle },
      { name: "archive/data/0", data: encodeStorage(f32).subarray(0, 10) },
    ]);
    expect((await rejection(zip)).message).toMatch(/tensor "w": storage "archive\/data\/0" has 10 bytes, fewer than its 4 float32 elements need/);
  });

  test("an unknown opcode is named with its byte and position", async () => {
    const pickle = Uint8Array.from([OP.PROTO, 2, OP.EMPTY_DICT, 0xfe, OP.STOP]);
    expect((await rejection(withPickle(pickle))).message).toBe("checkpoint.pt: archive/data.pkl: unknown pickle opcode 0xfe at byte 3");
  });

  test("a truncated pickle", async () => {
    const { pickle } = pickleCheckpoint(valid);
    expect((await rejection(withPickle(pickle.subarray(0, pickle.length - 40)))).message).toMatch(/archive\/data.pkl: pickle data (truncated|ended)/);
  });

  test("an unknown byteorder", async () => {
    const zip = writeZip([
      { name: "archive/data.pkl", data: pickleCheckpoint(valid).pickle },
      { name: "archive/byteorder", data: new TextEncoder().encode("middle") },
    ]);
    expect((await rejection(zip)).message).toMatch(/unknown byteorder "middle"/);
  });

  test("a legacy (pre-1.6) torch.save file", async () => {
    const legacy = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
    expect((await rejection(legacy)).message).toMatch(/legacy \(pre-1.6, non-zip\) torch.save file/);
  });

  test("a path that does not exist", async () => {
    expect((await rejection("/nonexistent/dir/model.pt")).message).toMatch(/^\/nonexistent\/dir\/model.pt: cannot open the file/);
  });
});
