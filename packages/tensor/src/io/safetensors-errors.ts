import { truncate } from "./safetensors-dtypes.js";

/** The error every validation failure throws: `source: tensor "name": problem`. */
export function headerError(source: string, tensor: string | undefined, problem: string): Error {
  return new Error(tensor === undefined ? `${source}: ${problem}` : `${source}: ${tensorLabel(tensor)}: ${problem}`);
}

/** `tensor "name"` with the name escaped and cut short if huge. */
export function tensorLabel(name: string): string {
  return `tensor ${JSON.stringify(truncate(name, 200))}`;
}

/** `[a,b,c]` as in the error messages. */
export function fmtList(xs: readonly number[]): string {
  return `[${xs.join(",")}]`;
}

/** `1 byte`, `4 bytes`. */
export function bytesText(n: number): string {
  return n === 1 ? "1 byte" : `${n} bytes`;
}
