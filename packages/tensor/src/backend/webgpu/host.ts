import type { DType, TypedArray } from "../../dtype.js";
import { gpuByteLength } from "./dtypes.js";
import { decodeHalf, encodeHalf } from "./f16.js";

/**
 * The bytes a WebGPU buffer holds for host data of `dtype`, padded to a multiple of 4 bytes: bool becomes one
 * u32 per element, float16 becomes half-precision bits.
 */
export function toDeviceBytes(data: TypedArray, dtype: DType): Uint8Array<ArrayBuffer> {
  const n = data.length;
  const bytes = new Uint8Array(gpuByteLength(dtype, n));
  switch (dtype) {
    case "float32":
      new Float32Array(bytes.buffer, 0, n).set(data);
      break;
    case "int32":
      new Int32Array(bytes.buffer, 0, n).set(data);
      break;
    case "bool": {
      const u = new Uint32Array(bytes.buffer, 0, n);
      for (let i = 0; i < n; i++) u[i] = data[i] ? 1 : 0;
      break;
    }
    case "float16":
      new Uint16Array(bytes.buffer, 0, n).set(encodeHalf(data));
      break;
    default:
      throw new Error(`webgpu: cannot upload dtype ${dtype}`);
  }
  return bytes;
}

/** Host array of `size` elements of `dtype` from device bytes starting at byte `byteOffset` of `bytes`. */
export function fromDeviceBytes(bytes: ArrayBuffer, byteOffset: number, dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(bytes.slice(byteOffset, byteOffset + size * 4));
    case "int32":
      return new Int32Array(bytes.slice(byteOffset, byteOffset + size * 4));
    case "bool": {
      const u = new Uint32Array(bytes, byteOffset, size);
      const out = new Uint8Array(size);
      for (let i = 0; i < size; i++) out[i] = u[i] ? 1 : 0;
      return out;
    }
    case "float16":
      return decodeHalf(new Uint16Array(bytes.slice(byteOffset, byteOffset + size * 2)));
    default:
      throw new Error(`webgpu: cannot read dtype ${dtype}`);
  }
}
