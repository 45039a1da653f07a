/**
 * Error messages: bad shapes, dtypes and arguments give Errors that name the op and the shapes involved.
 */
import { describe, expect, it } from "vitest";
import * as T from "../src/index.js";
import type { DType, Tensor } from "../src/index.js";
import { testDevices } from "./helpers.js";

const z = (shape: number[], dtype: DType = "float32"): Tensor => T.zeros(shape, { dtype });
const i32 = (values: number[]) => T.tensor(values, { dtype: "int32" });

/** [what is called, expected message (exact string or pattern)] */
const CASES: [string, () => unknown, string | RegExp][] = [
  // linear algebra
  ["matmul inner dims", () => T.matmul(z([2, 3]), z([4, 5])), "matmul: [2,3] @ [4,5]: inner dimensions 3 and 4 differ"],
  ["matmul batch dims", () => T.matmul(z([2, 2, 3]), z([3, 3, 4])), "matmul: [2,2,3] @ [3,3,4]: batch dims [2] and [3] cannot be broadcast together"],
  ["matmul 0-d", () => T.matmul(z([]), z([3])), "matmul: both operands need at least one dim, got [] @ [3]"],
  ["matmul bool", () => T.matmul(z([2, 2], "bool"), z([2, 2], "bool")), /^matmul: not defined for bool tensors/],
  ["linear features", () => T.linear(z([2, 3]), z([4, 5])), "linear: input [2,3] has 3 features but weight [4,5] expects 5"],
  ["linear weight rank", () => T.linear(z([2, 3]), z([3])), "linear: weight must be [out, in], got [3]"],
  // broadcasting and elementwise
  ["add broadcast", () => T.add(z([2, 3]), z([4])), "add: shapes [2,3] and [4] cannot be broadcast together (dimension 1: 3 vs 4)"],
  ["where broadcast", () => T.where(z([2], "bool"), z([3]), z([2])), /^where: shapes \[2\] and \[3\] and \[2\] cannot be broadcast together/],
  ["neg of bool", () => T.neg(z([2], "bool")), "neg: not defined for bool tensors"],
  ["clamp of bool", () => T.clamp(z([2], "bool"), 0), "clamp: not defined for bool tensors"],
  ["clamp without bounds", () => T.clamp(z([2])), "clamp: at least one of min and max must be given"],
  ["two numbers", () => T.add(1 as unknown as Tensor, 2), "add: at least one operand must be a tensor"],
  // shape ops
  ["reshape size", () => T.reshape(z([2, 3]), [4, 2]), "reshape: cannot reshape 6 elements to [4,2]"],
  ["reshape -1", () => T.reshape(z([2, 3]), [-1, 4]), "reshape: cannot infer -1 in [-1,4] for 6 elements"],
  ["reshape two -1", () => T.reshape(z([2, 3]), [-1, -1]), "reshape: only one dimension can be -1 in [-1,-1]"],
  ["permute", () => T.permute(z([2, 3]), [0, 0]), "permute: [0,0] is not a permutation of the 2 dims of [2,3]"],
  ["expand", () => T.expand(z([2, 3]), [4, 3, 3]), "expand: cannot expand [2,3] to [4,3,3] (dim 0: 2)"],
  ["expand to fewer dims", () => T.expand(z([2, 3]), [3]), "expand: cannot expand [2,3] to fewer dims [3]"],
  ["broadcastTo", () => T.broadcastTo(z([2, 3]), [3, 3]), /^broadcastTo: shapes \[2,3\] and \[3,3\] cannot be broadcast together/],
  ["concat shapes", () => T.concat([z([2, 3]), z([2, 4])], 0), "concat: [2,3] float32, [2,4] float32: inputs must share the dtype and every dim but axis 0"],
  ["concat dtypes", () => T.concat([z([2, 3]), z([2, 3], "int32")], 0), /^concat: \[2,3\] float32, \[2,3\] int32: inputs must share the dtype/],
  ["stack shapes", () => T.stack([z([2, 3]), z([2, 4])]), "stack: tensors must share shape and dtype, got [2,3] float32, [2,4] float32"],
  ["split sizes", () => T.split(z([5]), [2, 2]), "split: sizes [2,2] do not add up to 5 (dim 0 of [5])"],
  ["chunk count", () => T.chunk(z([2]), 0), "chunk: chunks must be a positive integer, got 0"],
  ["slice index", () => T.slice(z([3]), [5]), "slice: index 5 is out of range for dim 0 of size 3"],
  ["slice step", () => T.slice(z([3]), [[0, 3, 0]]), "slice: step must be a non-zero integer, got 0 (dim 0)"],
  ["slice rank", () => T.slice(z([3]), [null, null]), "slice: 2 specs for a tensor of rank 1"],
  ["narrow", () => T.narrow(z([3]), 0, 2, 2), "narrow: [2, 4) is outside dim 0 of size 3"],
  ["pad rank", () => T.pad(z([3]), [[1, 1], [1, 1]]), "pad: 2 pairs for a tensor of rank 1"],
  ["flatten", () => T.flatten(z([2, 3]), 1, 0), "flatten: start 1 is after end 0"],
  ["repeat", () => T.repeat(z([2, 3]), [2]), "repeat: 1 repeats for a tensor of rank 2"],
  ["transpose axis", () => T.transpose(z([3, 2]), 0, 5), "transpose: axis 5 is out of range for a tensor of rank 2"],
  ["squeeze axis", () => T.squeeze(z([3]), 2), "squeeze: axis 2 is out of range for a tensor of rank 1"],
  // reductions
  ["sum axis", () => T.sum(z([3, 2]), 2), "sum: axis 2 is out of range for a tensor of rank 2"],
  ["sum repeated axis", () => T.sum(z([3, 2]), [0, -2]), "sum: repeated axis in [0,-2]"],
  ["max of empty", () => T.max(z([0])), "max: cannot reduce over an empty dimension of shape [0]"],
  ["argmax of empty", () => T.argmax(z([2, 0]), 1), "argmax: cannot reduce over an empty dimension of shape [2,0]"],
  // indexing
  ["gather index dtype", () => T.gather(z([3]), 0, z([2])), "gather: index must be int32, got float32"],
  ["gather index rank", () => T.gather(z([3, 2]), 0, z([2], "int32")), "gather: index [2] must have the rank of the input [3,2]"],
  ["gather index size", () => T.gather(z([3, 2]), 0, z([2, 3], "int32")), "gather: index [2,3] is larger than input [3,2] at dim 1"],
  ["gather out of range", () => T.gather(z([3]), 0, i32([5])), "gather: index 5 is out of range for a dimension of size 3"],
  ["indexSelect rank", () => T.indexSelect(z([3]), 0, z([1, 1], "int32")), "indexSelect: index must be 1-D, got [1,1]"],
  ["indexSelect out of range", () => T.indexSelect(z([3]), 0, i32([-1])), "indexSelect: index -1 is out of range for a dimension of size 3"],
  ["scatterAdd src shape", () => T.scatterAdd(z([3]), 0, z([2], "int32"), z([3])), "scatterAdd: src [3] must have the shape of index [2]"],
  ["scatterAdd dtypes", () => T.scatterAdd(z([3]), 0, z([2], "int32"), z([2], "int32")), "scatterAdd: src dtype int32 differs from base dtype float32"],
  ["embedding weight", () => T.embedding(z([3]), z([2], "int32")), "embedding: weight must be [vocab, dim], got [3]"],
  ["oneHot classes", () => T.oneHot(z([3], "int32"), 0), "oneHot: numClasses must be a positive integer, got 0"],
  ["oneHot dtype", () => T.oneHot(z([3]), 2), "oneHot: index must be int32, got float32"],
  // convolution and pooling
  ["conv2d input rank", () => T.conv2d(z([1, 3, 4]), z([2, 3, 3, 3])), "conv2d: input must be [N, C, H, W], got [1,3,4]"],
  ["conv2d channels", () => T.conv2d(z([1, 3, 4, 4]), z([2, 2, 3, 3])), "conv2d: weight [2,2,3,3] expects 2 input channels, input [1,3,4,4] has 3"],
  ["conv2d groups", () => T.conv2d(z([1, 4, 4, 4]), z([3, 2, 3, 3]), null, { groups: 2 }), "conv2d: groups 2 must divide input channels 4 and output channels 3"],
  ["conv2d bias", () => T.conv2d(z([1, 3, 4, 4]), z([2, 3, 3, 3]), z([3])), "conv2d: bias must be [2], got [3]"],
  ["conv2d too small", () => T.conv2d(z([1, 3, 2, 2]), z([2, 3, 3, 3])), "conv2d: input [1,3,2,2] is smaller than the (dilated) kernel [3,3] after padding"],
  ["conv2d stride", () => T.conv2d(z([1, 3, 4, 4]), z([2, 3, 3, 3]), null, { stride: 0 }), "conv2d: stride must be integers >= 1, got [0,0]"],
  ["conv2d same with stride", () => T.conv2d(z([1, 3, 4, 4]), z([2, 3, 3, 3]), null, { padding: "same", stride: 2 }), "conv2d: padding 'same' requires stride 1"],
  ["unfold rank", () => T.unfold(z([3, 4, 4]), 2), "unfold: expected [N, C, H, W], got [3,4,4]"],
  ["fold geometry", () => T.fold(z([1, 4, 5]), [3, 3], 2), "fold: input [1,4,5] does not match kernel [2,2] and output size [3,3] (expected L = 4)"],
  ["avgPool2d padding", () => T.avgPool2d(z([1, 1, 4, 4]), 2, { padding: 2 }), "avgPool2d: padding [2,2] must be at most half the kernel size [2,2]"],
  ["avgPool1d rank", () => T.avgPool1d(z([1, 4, 4, 4]), 2), "avgPool1d: expected [N, C, L], got [1,4,4,4]"],
  ["interpolate dtype", () => T.interpolate(z([1, 1, 2, 2], "int32"), { size: 4 }), "interpolate: expected a float tensor, got int32"],
  ["interpolate size", () => T.interpolate(z([1, 1, 2, 2]), {}), "interpolate: give size or scaleFactor"],
  // nn
  ["softmax dtype", () => T.softmax(z([3], "int32")), "softmax: expected a float tensor, got int32"],
  ["softmax axis", () => T.softmax(z([3]), 1), "softmax: axis 1 is out of range for a tensor of rank 1"],
  ["layerNorm shape", () => T.layerNorm(z([2, 3]), [4]), "layerNorm: normalized shape [4] does not match the end of input [2,3]"],
  ["layerNorm weight", () => T.layerNorm(z([2, 3]), [3], z([2])), "layerNorm: weight [2] must have the normalized shape [3]"],
  ["groupNorm groups", () => T.groupNorm(z([2, 3, 4]), 2), "groupNorm: 2 groups do not divide 3 channels"],
  ["groupNorm weight", () => T.groupNorm(z([2, 4, 4]), 2, z([3])), "groupNorm: weight must be [4], got [3]"],
  ["attention head dims", () => T.scaledDotProductAttention(z([2, 3]), z([2, 4]), z([2, 3])), "scaledDotProductAttention: q [2,3] and k [2,4] head dims differ"],
  ["attention lengths", () => T.scaledDotProductAttention(z([2, 3]), z([2, 3]), z([4, 3])), "scaledDotProductAttention: k [2,3] and v [4,3] lengths differ"],
  ["layerNorm dtype", () => T.layerNorm(z([2, 3], "int32"), [3]), "layerNorm: expected a float tensor, got int32 [2,3]"],
  ["layerNorm weight dtype", () => T.layerNorm(z([2, 3]), [3], { weight: z([3], "float64") }), "layerNorm: weight dtype float64 differs from the input's float32 (input [2,3])"],
  ["groupNorm rank", () => T.groupNorm(z([4]), 2), "groupNorm: expected [N, C, ...], got [4]"],
  ["groupNorm bias (options)", () => T.groupNorm(z([2, 4, 4]), 2, { bias: z([2]) }), "groupNorm: bias must be [4], got [2]"],
  ["groupNorm activation", () => T.groupNorm(z([2, 4, 4]), 2, { activation: "gelu" as "silu" }), 'groupNorm: unknown activation "gelu" (expected "none" or "silu")'],
  ["attention dtypes", () => T.scaledDotProductAttention(z([2, 3]), z([2, 3], "float64"), z([2, 3])), "scaledDotProductAttention: q, k and v dtypes differ (float32, float64, float32)"],
  ["attention int q", () => T.scaledDotProductAttention(z([2, 3], "int32"), z([2, 3]), z([2, 3])), "scaledDotProductAttention: expected a float tensor, got q int32 [2,3]"],
  ["attention mask shape", () => T.scaledDotProductAttention(z([2, 3]), z([4, 3]), z([4, 3]), { mask: z([2, 3], "bool") }), "scaledDotProductAttention: mask [2,3] does not broadcast to the scores [2,4]"],
  ["biasActivation bias shape", () => T.biasActivation(z([2, 3]), z([2]), "gelu"), "biasActivation: bias [2] must be 1-D with the size of the last dim of x [2,3]"],
  ["biasActivation activation", () => T.biasActivation(z([2, 3]), z([3]), "tanh" as "gelu"), 'biasActivation: unknown activation "tanh" (expected one of none, relu, gelu, geluTanh, quickGelu, silu)'],
  ["biasActivation dtype", () => T.biasActivation(z([2, 3], "int32"), z([3], "int32"), "relu"), "biasActivation: expected a float tensor, got int32 [2,3]"],
  ["biasActivation bias dtype", () => T.biasActivation(z([2, 3]), z([3], "float64"), "relu"), "biasActivation: bias dtype float64 differs from x's float32"],
  ["linear activation bias", () => T.linear(z([2, 3]), z([4, 3]), z([3]), { activation: "silu" }), "biasActivation: bias [3] must be 1-D with the size of the last dim of x [2,4]"],
  ["mseLoss shapes", () => T.mseLoss(z([2, 3]), z([3, 2])), "mseLoss: input [2,3] and target [3,2] differ in shape"],
  ["crossEntropy target shape", () => T.crossEntropy(z([2, 3]), z([3], "int32")), "crossEntropy: target [3] must be [2] for logits [2,3]"],
  ["crossEntropy target dtype", () => T.crossEntropy(z([2, 3]), z([2], "bool")), "crossEntropy: class targets must be int32, got bool"],
  ["crossEntropy probabilities", () => T.crossEntropy(z([2, 3]), z([2, 4])), "crossEntropy: probability target [2,4] must match logits [2,3]"],
  ["crossEntropy logits dtype", () => T.crossEntropy(z([2, 3], "int32"), z([2], "int32")), "crossEntropy: expected a float tensor, got int32"],
  ["dropout p", () => T.dropout(z([2]), 1, T.randomKey(0)), "dropout: p must be in [0, 1), got 1"],
  // creation
  ["tensor ragged", () => T.tensor([[1, 2], [3]]), "tensor: ragged nested array: expected 2 elements at depth 1 of shape [2,2]"],
  ["tensor dtype", () => T.tensor([1], { dtype: "float8" as DType }), 'tensor: unknown dtype "float8"'],
  ["tensor shape", () => T.tensor([1, 2, 3], { shape: [2, 2] }), "tensor: 3 elements do not fill shape [2,2]"],
  ["fromHost size", () => T.fromHost(new Float32Array(3), "float32", [2, 2]), "fromHost: 3 elements do not fill shape [2,2] (4 elements)"],
  ["full shape", () => T.full([2, -1], 0), "full: invalid shape [2,-1]: sizes must be non-negative integers"],
  ["arange step", () => T.arange(0, 3, 0), "arange: step must be a non-zero finite number, got 0"],
  ["linspace steps", () => T.linspace(0, 1, -1), "linspace: steps must be a non-negative integer, got -1"],
  // float16 parameters serve a float32 input (mixed precision); other dtype pairs are refused
  ["norm param dtype", () => T.groupNorm(z([1, 2, 2]), 1, z([2], "float64")), "groupNorm: weight dtype float64 differs from the input's float32 (input [1,2,2])"],
  // autograd
  ["grad of a vector", () => T.grad((x: Tensor) => T.mul(x, 2))(z([2])), "grad: the function must return a one-element float tensor, got [2] float32"],
  ["grad w.r.t. int", () => T.grad((x: Tensor) => T.sum(x))(z([2], "int32")), "grad: cannot differentiate w.r.t. a int32 tensor"],
];

describe("error messages name the op and the shapes", () => {
  for (const [what, fn, message] of CASES) {
    it(what, () => {
      let error: unknown;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      expect(error, `${what} should throw`).toBeInstanceOf(Error);
      const text = (error as Error).message;
      if (typeof message === "string") expect(text).toBe(message);
      else expect(text).toMatch(message);
    });
  }

  it("item() of a tensor with several elements rejects naming the shape", async () => {
    await expect(T.tensor([1, 2]).item()).rejects.toThrow("item: tensor has 2 elements [2], expected 1");
  });

  it("an uninitialised or unknown device is named", async () => {
    await expect(T.initBackend("tpu" as T.Device)).rejects.toThrow(/unknown device "tpu"/);
  });

  it("tensors on different devices are refused with both devices named", async () => {
    const devices = await testDevices();
    if (!devices.includes("webgpu")) return;
    const a = T.zeros([2], { device: "cpu" });
    const b = T.zeros([2], { device: "webgpu" });
    expect(() => T.add(a, b)).toThrow(/^add: inputs are on different devices \(cpu and webgpu\)/);
    expect(() => T.zeros([2], { device: "webgpu", dtype: "float64" })).toThrow('fill: dtype float64 is not supported on device "webgpu"');
    T.dispose([a, b]);
  });
});
