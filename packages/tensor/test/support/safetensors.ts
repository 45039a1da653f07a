// Helpers shared by the io tests (not exported from the package).
import { createCpuBackend } from "../../src/backend/cpu/cpu-backend.js";
import { initialisedDevices, registerBackend } from "../../src/engine/backends.js";

/** Makes sure the CPU backend is registered, whether or not importing it does so. */
export function ensureCpuBackend(): void {
  if (!initialisedDevices().includes("cpu")) registerBackend(createCpuBackend());
}

/** A raw safetensors file: the length prefix (overridable), the header text or object, then `data`. */
export function rawFile(
  header: string | Uint8Array | object,
  data: Uint8Array | number = 0,
  headerLength?: bigint | number,
): Uint8Array {
  const json =
    header instanceof Uint8Array
      ? header
      : new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const body = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** The bytes of a typed array. */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The header length N, header text and data section of a safetensors file. */
export function splitFile(file: Uint8Array): { headerLength: number; header: string; data: Uint8Array } {
  const headerLength = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  const header = new TextDecoder().decode(file.subarray(8, 8 + headerLength));
  return { headerLength, header, data: file.subarray(8 + headerLength) };
}

/**
 * `file` with its header text replaced by `edit(text)` (padding trimmed first) and its data section by
 * `data(old)`; the length prefix is set to the new header's length.
 */
export function editFile(
  file: Uint8Array,
  edit: (header: string) => string,
  data: (old: Uint8Array) => Uint8Array = (old) => old,
): Uint8Array {
  const parts = splitFile(file);
  return rawFile(edit(parts.header.trimEnd()), data(parts.data));
}

/** `file` with its 8-byte length prefix set to `n` (the rest unchanged). */
export function withHeaderLength(file: Uint8Array, n: number | bigint): Uint8Array {
  const out = file.slice();
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}
