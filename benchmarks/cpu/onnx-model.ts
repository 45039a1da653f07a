/**
 * Builds the bytes of one-node ONNX models (MatMul, Conv) by writing the protobuf wire format directly,
 * so the benchmark needs no ONNX tooling.
 */

class Proto {
  private readonly bytes: number[] = [];

  private varint(v: number): void {
    let x = v;
    while (x > 0x7f) {
      this.bytes.push((x & 0x7f) | 0x80);
      x = Math.floor(x / 128);
    }
    this.bytes.push(x);
  }

  /** Field with a varint value. */
  int(field: number, v: number): this {
    this.varint((field << 3) | 0);
    this.varint(v);
    return this;
  }

  /** Field with a length-delimited value (string or nested message). */
  bytesField(field: number, v: Uint8Array | number[]): this {
    this.varint((field << 3) | 2);
    this.varint(v.length);
    for (const b of v) this.bytes.push(b);
    return this;
  }

  str(field: number, s: string): this {
    return this.bytesField(field, Array.from(new TextEncoder().encode(s)));
  }

  msg(field: number, m: Proto): this {
    return this.bytesField(field, m.bytes);
  }

  finish(): Uint8Array {
    return new Uint8Array(this.bytes);
  }
}

const FLOAT = 1;

function valueInfo(name: string, shape: readonly number[]): Proto {
  const dims = new Proto();
  for (const d of shape) dims.msg(1, new Proto().int(1, d));
  const tensorType = new Proto().int(1, FLOAT).msg(2, dims);
  return new Proto().str(1, name).msg(2, new Proto().msg(1, tensorType));
}

const INTS = 7;

/** An AttributeProto holding a list of integers. */
function intsAttribute(name: string, values: readonly number[]): Proto {
  const a = new Proto().str(1, name).int(20, INTS);
  for (const v of values) a.int(8, v);
  return a;
}

function model(graph: Proto): Uint8Array {
  return new Proto().int(1, 8).str(2, "diva-bench").msg(7, graph).msg(8, new Proto().str(1, "").int(2, 13)).finish();
}

/**
 * ONNX model bytes computing Y = Conv(X, W) for X [N, C, H, W] and W [O, C, kh, kw] with equal strides and
 * symmetric zero padding on both spatial dims, no bias (opset 13, IR version 8).
 */
export function convModel(x: readonly number[], w: readonly number[], stride: number, pad: number, y: readonly number[]): Uint8Array {
  const node = new Proto()
    .str(1, "X")
    .str(1, "W")
    .str(2, "Y")
    .str(3, "conv")
    .str(4, "Conv")
    .msg(5, intsAttribute("kernel_shape", w.slice(2)))
    .msg(5, intsAttribute("strides", [stride, stride]))
    .msg(5, intsAttribute("pads", [pad, pad, pad, pad]));
  const graph = new Proto().msg(1, node).str(2, "conv_graph").msg(11, valueInfo("X", x)).msg(11, valueInfo("W", w)).msg(12, valueInfo("Y", y));
  return model(graph);
}

/** ONNX model bytes computing C = MatMul(A, B) for A [m,k] and B [k,n] (opset 13, IR version 8). */
export function matmulModel(m: number, k: number, n: number): Uint8Array {
  const node = new Proto().str(1, "A").str(1, "B").str(2, "C").str(3, "matmul").str(4, "MatMul");
  const graph = new Proto()
    .msg(1, node)
    .str(2, "matmul_graph")
    .msg(11, valueInfo("A", [m, k]))
    .msg(11, valueInfo("B", [k, n]))
    .msg(12, valueInfo("C", [m, n]));
  return model(graph);
}
