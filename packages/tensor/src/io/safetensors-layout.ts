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
  let previous: [string, Placed] | undefined;
  for (const [name, t] of order) {
    const [begin, stop] = t.dataOffsets;
    if (previous && begin < end) {
      const here = `data_offsets ${fmtList(t.dataOffsets)}`;
      throw headerError(source, name, `${here} overlap ${tensorLabel(previous[0])} at ${fmtList(previous[1].dataOffsets)}`);
    }
    if (begin > end) {
      const before = previous ? `the previous ${tensorLabel(previous[0])} ends at ${end}` : "the data section begins at 0";
      const here = `data_offsets ${fmtList(t.dataOffsets)}`;
      throw headerError(source, name, `${here} begin at ${begin} but ${before}: a hole of ${bytesText(begin - end)}`);
    }
    end = stop;
    previous = [name, t];
  }
  if (end === dataLength) return;
  const extra = dataLength - end;
  const trailing = `${extra} trailing byte${extra === 1 ? "" : "s"} (a wrong header length or bytes appended to the file?)`;
  if (!previous) {
    throw headerError(source, undefined, `the header holds no tensors but the data section holds ${bytesText(dataLength)}: ${trailing}`);
  }
  throw headerError(
    source,
    previous[0],
    `data_offsets ${fmtList(previous[1].dataOffsets)} end the tensors at byte ${end} but the data section holds ` +
      `${bytesText(dataLength)}: ${trailing}`,
  );
}
