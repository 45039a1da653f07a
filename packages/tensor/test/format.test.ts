/**
 * Printing tensors. The expected strings are written by hand from PyTorch's conventions (torch/_tensor_str.py:
 * precision 4, threshold 1000, edgeitems 3, linewidth 80; `1.` for integral floats; scientific notation when
 * max/min > 1000, max > 1e8 or, for non-integral values, min < 1e-4; one width for all elements; suffixes
 * wrapped at the line width), with `dtype=`, `shape=` and `device=` always shown.
 */
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  arange,
  createCpuBackend,
  memory,
  reshape,
  setPrintOptions,
  tensor,
  transpose,
  zeros,
  Tensor,
  type Backend,
} from "../src/index.js";
import { StorageRef } from "../src/engine/memory.js";
import { testDevices } from "./helpers.js";

afterEach(() => setPrintOptions());

const f32 = (values: number[], shape?: number[]) => tensor(values, { dtype: "float32", ...(shape ? { shape } : {}) });

describe("Tensor.toString (CPU, PyTorch's layout)", () => {
  it("prints integral floats with a trailing point, one row per line", () => {
    expect(String(tensor([[1, 2], [3, 4]], { dtype: "float32" }))).toBe(
      "tensor([[1., 2.],\n" + "        [3., 4.]], dtype=float32, shape=[2, 2], device=cpu)",
    );
  });

  it("pads every element to one width, four decimals", () => {
    expect(String(f32([1.5, -2.25, 3]))).toBe("tensor([ 1.5000, -2.2500,  3.0000], dtype=float32, shape=[3], device=cpu)");
  });

  it("switches to scientific notation for a wide range or tiny values", () => {
    expect(String(f32([1e-5, 1]))).toBe("tensor([1.0000e-05, 1.0000e+00], dtype=float32, shape=[2], device=cpu)");
    expect(String(f32([1, 10000]))).toBe("tensor([1.0000e+00, 1.0000e+04], dtype=float32, shape=[2], device=cpu)");
    expect(String(f32([-123456789, 1]))).toBe("tensor([-1.2346e+08,  1.0000e+00], dtype=float32, shape=[2], device=cpu)");
  });

  it("rounds half to even on the exact value, as Python's format does", () => {
    // 0.03125 and 0.21875 are exact in binary: ties at the fifth decimal
    expect(String(f32([0.03125, 0.21875, 1]))).toBe("tensor([0.0312, 0.2188, 1.0000], dtype=float32, shape=[3], device=cpu)");
  });

  it("prints nan and infinities without a point, zeros as 0.", () => {
    expect(String(f32([1, NaN, Infinity, -Infinity, 0]))).toBe(
      "tensor([1., nan, inf, -inf, 0.], dtype=float32, shape=[5], device=cpu)",
    );
    expect(String(f32([0, 0]))).toBe("tensor([0., 0.], dtype=float32, shape=[2], device=cpu)");
  });

  it("prints ints as integers and bools as True/False, right-aligned", () => {
    expect(String(tensor([1, -20, 300], { dtype: "int32" }))).toBe("tensor([  1, -20, 300], dtype=int32, shape=[3], device=cpu)");
    expect(String(tensor([true, false, true]))).toBe("tensor([ True, False,  True], dtype=bool, shape=[3], device=cpu)");
  });

  it("prints a scalar and an empty tensor", () => {
    expect(String(tensor(3.5))).toBe("tensor(3.5000, dtype=float32, shape=[], device=cpu)");
    expect(String(tensor(7, { dtype: "int32" }))).toBe("tensor(7, dtype=int32, shape=[], device=cpu)");
    expect(String(zeros([0, 3]))).toBe("tensor([], dtype=float32, shape=[0, 3], device=cpu)");
  });

  it("separates the blocks of a 3-D tensor by a blank line", () => {
    expect(String(reshape(arange(8), [2, 2, 2]))).toBe(
      "tensor([[[0, 1],\n" +
        "         [2, 3]],\n" +
        "\n" +
        "        [[4, 5],\n" +
        "         [6, 7]]], dtype=int32, shape=[2, 2, 2], device=cpu)",
    );
  });

  it("prints a non-contiguous view in its logical order", () => {
    expect(String(transpose(reshape(arange(6), [2, 3])))).toBe(
      "tensor([[0, 3],\n" + "        [1, 4],\n" + "        [2, 5]], dtype=int32, shape=[3, 2], device=cpu)",
    );
  });

  it("wraps a long row at 80 characters and the suffixes after it", () => {
    const t = f32(Array.from({ length: 12 }, (_, i) => i + 0.5));
    expect(String(t)).toBe(
      "tensor([ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,  6.5000,  7.5000,\n" +
        "         8.5000,  9.5000, 10.5000, 11.5000], dtype=float32, shape=[12],\n" +
        "       device=cpu)",
    );
  });

  it("summarises more than 1000 elements with three items at each end", () => {
    expect(String(arange(1001))).toBe(
      "tensor([   0,    1,    2,  ...,  998,  999, 1000], dtype=int32, shape=[1001],\n" + "       device=cpu)",
    );
    // the formatter sees only the shown values: 0, 1, 2, 1997, 1998, 1999 (integral, max/min > 1000: scientific)
    expect(String(arange(0, 2000, 1, { dtype: "float32" }))).toBe(
      "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n" +
        "        1.9990e+03], dtype=float32, shape=[2000], device=cpu)",
    );
    expect(String(reshape(arange(1600), [40, 40]))).toBe(
      "tensor([[   0,    1,    2,  ...,   37,   38,   39],\n" +
        "        [  40,   41,   42,  ...,   77,   78,   79],\n" +
        "        [  80,   81,   82,  ...,  117,  118,  119],\n" +
        "        ...,\n" +
        "        [1480, 1481, 1482,  ..., 1517, 1518, 1519],\n" +
        "        [1520, 1521, 1522,  ..., 1557, 1558, 1559],\n" +
        "        [1560, 1561, 1562,  ..., 1597, 1598, 1599]], dtype=int32,\n" +
        "       shape=[40, 40], device=cpu)",
    );
  });

  it("follows setPrintOptions", () => {
    setPrintOptions({ precision: 2 });
    expect(String(f32([1.234, 5]))).toBe("tensor([1.23, 5.00], dtype=float32, shape=[2], device=cpu)");
    setPrintOptions({ threshold: 5, edgeitems: 1 });
    expect(String(arange(7))).toBe("tensor([0,  ..., 6], dtype=int32, shape=[7], device=cpu)");
    expect(() => setPrintOptions({ precision: -1 })).toThrow(/precision must be a non-negative integer/);
  });

  it("prints a disposed tensor as disposed instead of throwing", () => {
    const t = zeros([2, 3]);
    t.dispose();
    expect(String(t)).toBe("Tensor(shape=[2, 3], dtype=float32, device=cpu, disposed)");
    expect(inspect(t)).toBe("Tensor(shape=[2, 3], dtype=float32, device=cpu, disposed)");
  });

  it("is what util.inspect and console.log show, also inside objects, and makes no tensors", () => {
    const t = tensor([1, 2], { dtype: "float32" });
    const before = memory();
    expect(inspect(t)).toBe("tensor([1., 2.], dtype=float32, shape=[2], device=cpu)");
    expect(inspect({ w: t })).toBe("{ w: tensor([1., 2.], dtype=float32, shape=[2], device=cpu) }");
    expect(memory()).toEqual(before);
    t.dispose();
  });
});

describe("Tensor.toString on a device without synchronous reads", () => {
  /** A stand-in GPU: the CPU backend without readSync, named webgpu. */
  function fakeGpu(): Backend {
    const cpu = createCpuBackend();
    return {
      name: "webgpu",
      kernels: cpu.kernels,
      supports: cpu.supports,
      upload: (data, dtype) => cpu.upload(data, dtype),
      read: (s, dtype, offset, size) => cpu.read(s, dtype, offset, size),
      free: (s) => cpu.free(s),
    };
  }

  it("shows a placeholder until the data is read, then the values read", async () => {
    const b = fakeGpu();
    const t = new Tensor(new StorageRef(b.upload(new Float32Array([1, 2, 3, 4, 5, 6]), "float32"), b), "float32", [2, 3]);
    expect(String(t)).toBe("Tensor(shape=[2, 3], dtype=float32, device=webgpu, data not read: await t.data())");
    await t.data();
    expect(String(t)).toBe("tensor([[1., 2., 3.],\n" + "        [4., 5., 6.]], dtype=float32, shape=[2, 3], device=webgpu)");
    t.dispose();
    expect(String(t)).toBe("Tensor(shape=[2, 3], dtype=float32, device=webgpu, disposed)");
  });
});

const gpuDevices = (await testDevices()).filter((d) => d !== "cpu");
if (gpuDevices.length === 0) console.info("format.test: no GPU device here (reason printed above); the placeholder is tested on a stand-in");
for (const device of gpuDevices) {
  describe(`Tensor.toString on ${device}`, () => {
    it("shows a placeholder, then the values after await t.data()", async () => {
      const t = tensor([[1, -2.5]], { dtype: "float32", device });
      expect(String(t)).toBe(`Tensor(shape=[1, 2], dtype=float32, device=${device}, data not read: await t.data())`);
      await t.data();
      expect(String(t)).toBe(`tensor([[ 1.0000, -2.5000]], dtype=float32, shape=[1, 2], device=${device})`);
      t.dispose();
    });
  });
}
