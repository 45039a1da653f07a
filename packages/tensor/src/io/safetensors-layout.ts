import { bytesText, fmtList, headerError, tensorLabel } from "./safetensors-errors.js";

/** What the layout check needs of a tensor. */
interface Placed {
  readonly dataOffsets: readonly [number, number];
}

/**
 * Checks that the tensors tile the data section exactly, as the format requires: sorted by `[begin, end)`,
 * the first begins at 0, each begins where the previous one ends and the last ends at `dataLength`. A hole,
 * an overlap (an empty tensor inside another included) or trailing bytes is an error naming the tensor. Such a
 * file is never written by a correct writer; a header length off by a few bytes produces one, and reading it
 * anyway would shift every tensor.
 */
export function checkTiling(tensors: ReadonlyMap<string, Placed>, dataLength: number, source: string): void {
  const order = [...tensors].sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let end = 0;
  let previous = -1; // index in `order` of the tensor that ends at `end`
  for (let i = 0; i < order.length; i++) {
    const [name, t] = order[i]!;
    const begin = t.dataOffsets[0];
    if (begin === end) {
      end = t.dataOffsets[1];
      previous = i;
      continue;
    }
    const here = `data_offsets ${fmtList(t.dataOffsets)}`;
    const [prevName, prev] = previous >= 0 ? order[previous]! : [undefined, undefined];
    if (begin < end) {
      throw headerError(source, name, `${here} overlap ${tensorLabel(prevName!)} at ${fmtList(prev!.dataOffsets)}`);
    }
    const before = prevName === undefined ? "the data section begins at 0" : `the previous ${tensorLabel(prevName)} ends at ${end}`;
    throw headerError(source, name, `${here} begin at ${begin} but ${before}: a hole of ${bytesText(begin - end)}`);
  }
  if (end === dataLength) return;
  const extra = dataLength - end;
  const trailing = `${extra} trailing byte${extra === 1 ? "" : "s"} (a wrong header length or bytes appended to the file?)`;
  if (previous < 0) {
    throw headerError(source, undefined, `the header holds no tensors but the data section holds ${bytesText(dataLength)}: ${trailing}`);
  }
  const [lastName, last] = order[previous]!;
  throw headerError(
    source,
    lastName,
    `data_offsets ${fmtList(last.dataOffsets)} end the tensors at byte ${end} but the data section holds ` +
      `${bytesText(dataLength)}: ${trailing}`,
  );
}
