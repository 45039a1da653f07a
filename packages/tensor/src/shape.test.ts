import { describe, expect, it } from "vitest";
import { collapseDims, contiguousStrides } from "./shape.js";

describe("collapseDims", () => {
  it("turns a contiguous tensor of any rank into rank 1", () => {
    expect(collapseDims([2, 3, 4], [contiguousStrides([2, 3, 4])])).toEqual({ shape: [24], strides: [[1]] });
  });

  it("drops size-1 dims and keeps a transposed pair apart", () => {
    // x is [2,1,3] contiguous, y is its [3,2] transpose read as [2,1,3]
    expect(collapseDims([2, 1, 3], [[3, 3, 1], [1, 99, 2]])).toEqual({ shape: [2, 3], strides: [[3, 1], [1, 2]] });
  });

  it("merges only where every operand is contiguous across the pair", () => {
    // a broadcast operand (stride 0 on dim 0) stops the merge of dims 0 and 1, not of 1 and 2
    expect(collapseDims([2, 3, 4], [[12, 4, 1], [0, 4, 1]])).toEqual({ shape: [2, 12], strides: [[12, 1], [0, 1]] });
  });

  it("gives rank 0 for a single element", () => {
    expect(collapseDims([1, 1], [[5, 7]])).toEqual({ shape: [], strides: [[]] });
  });
});
