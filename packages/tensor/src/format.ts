/**
 * Text form of tensors, following PyTorch's printing conventions (torch/_tensor_str.py): one width for every
 * element, `1.` for integral floats, fixed or scientific notation chosen from the range of the values,
 * summarisation of large tensors with `...`, and `dtype=`, `shape=`, `device=` suffixes wrapped at the line
 * width.
 */
import type { DType } from "./dtype.js";
import { isFloat } from "./dtype.js";
import type { Shape } from "./shape.js";
import { sizeOf } from "./shape.js";

/** How tensors print (the fields of PyTorch's `set_printoptions`). */
export interface PrintOptions {
  /** Digits after the decimal point (default 4). */
  precision: number;
  /** Tensors with more elements than this are summarised (default 1000). */
  threshold: number;
  /** Items shown at each end of a summarised dimension (default 3). */
  edgeitems: number;
  /** Characters per line before wrapping (default 80). */
  linewidth: number;
  /** Force (true) or forbid (false) scientific notation; undefined chooses from the values (default). */
  sciMode: boolean | undefined;
}

const DEFAULTS: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: undefined };
let options: PrintOptions = { ...DEFAULTS };

/**
 * Changes how tensors print; fields left out keep their value, `setPrintOptions()` with no argument restores
 * the defaults (precision 4, threshold 1000, edgeitems 3, linewidth 80).
 *
 * @example
 * ```ts
 * setPrintOptions({ precision: 2 });
 * console.log(String(tensor([1.234, 5]))); // tensor([1.23, 5.00], dtype=float32, shape=[2], device=cpu)
 * ```
 */
export function setPrintOptions(opts?: Partial<PrintOptions>): void {
  if (!opts) {
    options = { ...DEFAULTS };
    return;
  }
  const next = { ...options, ...opts };
  for (const key of ["precision", "threshold", "edgeitems", "linewidth"] as const) {
    const v = next[key];
    if (!Number.isInteger(v) || v < 0) throw new Error(`setPrintOptions: ${key} must be a non-negative integer, got ${String(v)}`);
  }
  if (next.precision > 20) throw new Error(`setPrintOptions: precision must be at most 20, got ${next.precision}`);
  options = next;
}

/** The current print options. */
export function getPrintOptions(): PrintOptions {
  return { ...options };
}

/** Whether a tensor of `size` elements prints summarised. */
function isSummarised(size: number): boolean {
  return size > options.threshold;
}

/**
 * The indices of each dimension that printing shows: all of them, or the first and last `edgeitems` of a
 * dimension longer than twice that when the tensor is summarised.
 */
function shownIndices(shape: Shape): number[][] {
  const summarise = isSummarised(sizeOf(shape));
  const e = options.edgeitems;
  return shape.map((d) => {
    if (summarise && d > 2 * e) return [...range(0, e), ...range(d - e, d)];
    return range(0, d);
  });
}

/** Shape of the values printing needs (each dimension cut to its shown indices). */
function shownShape(shape: Shape): number[] {
  return shownIndices(shape).map((ix) => ix.length);
}

/**
 * Calls `visit` with the row-major element index (in the full tensor) of every shown element, in order.
 */
export function forEachShown(shape: Shape, strides: readonly number[], visit: (flatIndex: number) => void): void {
  const ix = shownIndices(shape);
  if (ix.some((l) => l.length === 0)) return;
  const pos = new Array<number>(shape.length).fill(0);
  for (;;) {
    let flat = 0;
    for (let d = 0; d < shape.length; d++) flat += ix[d]![pos[d]!]! * strides[d]!;
    visit(flat);
    let d = shape.length - 1;
    while (d >= 0 && ++pos[d]! === ix[d]!.length) pos[d--] = 0;
    if (d < 0) return;
  }
}

/**
 * The text of a tensor whose shown values (`values`, row-major over `shownShape(shape)`) are at hand.
 * `suffixes` follow the values, as PyTorch's `dtype=...`.
 */
export function formatValues(values: ArrayLike<number>, shape: Shape, dtype: DType, suffixes: readonly string[]): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  let body: string;
  if (sizeOf(shape) === 0) body = "[]";
  else {
    const formatter = new Formatter(values, dtype);
    const summarise = isSummarised(sizeOf(shape));
    body = renderBlock({ values, shape, formatter, summarise }, 0, 0, indent);
  }
  return addSuffixes(prefix + body, suffixes, indent);
}

/** Text of one number as Python's `format(x, ".{p}f")`: the exact binary value rounded half to even. */
function formatFixed(x: number, precision: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const a = Math.abs(x);
  let digits: string;
  if (a === 0) digits = "0";
  else {
    const { mantissa, exp } = exactDigits(a);
    // keep the integer digits (exp + 1 of them) and `precision` more
    digits = roundHalfEven(mantissa, exp + 1 + precision);
  }
  digits = digits.padStart(precision + 1, "0");
  const int = digits.slice(0, digits.length - precision);
  return sign + (precision > 0 ? `${int}.${digits.slice(digits.length - precision)}` : int);
}

/** Text of one number as Python's `format(x, ".{p}e")`: `1.2346e+03`, exponent of at least two digits. */
function formatExp(x: number, precision: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const a = Math.abs(x);
  let digits = "0".repeat(precision + 1);
  let exp = 0;
  if (a !== 0) {
    const d = exactDigits(a);
    exp = d.exp;
    digits = roundHalfEven(d.mantissa, precision + 1).padStart(precision + 1, "0");
    if (digits.length > precision + 1) {
      // 9.99995 rounded up to 10.0000: one more power of ten
      digits = digits.slice(0, precision + 1);
      exp++;
    }
  }
  const mant = precision > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return `${sign}${mant}e${e}`;
}

/** Decimal digits of a positive finite number: `a = 0.d1 d2 ... x 10^(exp + 1)` (d1 nonzero), 100 digits. */
function exactDigits(a: number): { mantissa: string; exp: number } {
  // 100 significant digits hold every float32 value exactly, enough to tell a tie from a near-tie
  const s = a.toExponential(99);
  const e = s.indexOf("e");
  return { mantissa: s[0]! + s.slice(2, e), exp: Number(s.slice(e + 1)) };
}

/** The first `keep` digits of `digits`, rounded half to even on the rest (may gain a digit on carry). */
function roundHalfEven(digits: string, keep: number): string {
  if (keep < 0) return "0";
  const head = digits.slice(0, keep).padEnd(keep, "0");
  const rest = digits.slice(keep);
  const first = rest.charCodeAt(0) - 48;
  const beyond = /[1-9]/.test(rest.slice(1));
  const last = keep > 0 ? head.charCodeAt(keep - 1) - 48 : 0;
  const up = first > 5 || (first === 5 && (beyond || last % 2 === 1));
  if (!up) return head === "" ? "0" : head;
  return head === "" ? "1" : increment(head);
}

/** Adds one to a string of decimal digits ("199" -> "200", "99" -> "100"). */
function increment(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== "9") {
      out[i] = String(Number(out[i]) + 1);
      return out.join("");
    }
    out[i] = "0";
  }
  return `1${out.join("")}`;
}

/** Chooses the notation and width of every element, as PyTorch's `_Formatter`. */
class Formatter {
  private readonly kind: "float" | "int" | "bool";
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;
  private readonly precision = options.precision;

  constructor(values: ArrayLike<number>, dtype: DType) {
    this.kind = isFloat(dtype) ? "float" : dtype === "bool" ? "bool" : "int";
    if (this.kind !== "float") {
      for (let i = 0; i < values.length; i++) this.maxWidth = Math.max(this.maxWidth, this.text(values[i]!).length);
      return;
    }
    const finite: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v) && v !== 0) finite.push(v);
    }
    if (finite.length > 0) this.measure(finite);
    if (options.sciMode !== undefined) this.sciMode = options.sciMode;
  }

  private measure(finite: readonly number[]): void {
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
      if (v !== Math.ceil(v)) this.intMode = false;
    }
    const wide = max / min > 1000 || max > 1e8;
    this.sciMode = this.intMode ? wide : wide || min < 1e-4;
    for (const v of finite) {
      const width = this.sciMode
        ? formatExp(v, this.precision).length
        : this.intMode
          ? formatFixed(v, 0).length + 1
          : formatFixed(v, this.precision).length;
      this.maxWidth = Math.max(this.maxWidth, width);
    }
  }

  /** Width every element is padded to. */
  get width(): number {
    return this.maxWidth;
  }

  /** One element, padded on the left to the common width. */
  format(v: number): string {
    return this.text(v).padStart(this.maxWidth, " ");
  }

  private text(v: number): string {
    if (this.kind === "bool") return v ? "True" : "False";
    if (this.kind === "int") return String(v);
    if (this.sciMode) return formatExp(v, this.precision);
    if (this.intMode) return formatFixed(v, 0) + (Number.isFinite(v) ? "." : "");
    return formatFixed(v, this.precision);
  }
}

interface RenderInput {
  readonly values: ArrayLike<number>;
  readonly shape: Shape;
  readonly formatter: Formatter;
  readonly summarise: boolean;
}

/** Renders dimension `dim` onwards of the block starting at shown value `start`. */
function renderBlock(input: RenderInput, dim: number, start: number, indent: number): string {
  const { shape, formatter } = input;
  const rank = shape.length;
  if (rank === 0) return formatter.format(input.values[0]!);
  const d = shape[dim]!;
  const e = options.edgeitems;
  const cut = input.summarise && d > 2 * e;
  const shown = cut ? 2 * e : d;
  if (dim === rank - 1) {
    const items: string[] = [];
    for (let i = 0; i < shown; i++) {
      if (cut && i === e) items.push(e === 0 ? "..." : " ...");
      items.push(formatter.format(input.values[start + i]!));
    }
    if (cut && e === 0) items.push("...");
    const perLine = Math.max(1, Math.floor((options.linewidth - indent) / (formatter.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
    return `[${lines.join(`,\n${" ".repeat(indent + 1)}`)}]`;
  }
  const inner = sizeOf(shownShape(shape).slice(dim + 1));
  const slices: string[] = [];
  for (let i = 0; i < shown; i++) {
    if (cut && i === e) slices.push("...");
    slices.push(renderBlock(input, dim + 1, start + i * inner, indent + 1));
  }
  if (cut && e === 0) slices.push("...");
  const sep = `,${"\n".repeat(rank - dim - 1)}${" ".repeat(indent + 1)}`;
  return `[${slices.join(sep)}]`;
}

/** Appends `, suffix` items, starting a new line when the current one would pass the line width. */
function addSuffixes(text: string, suffixes: readonly string[], indent: number): string {
  const parts = [text];
  // PyTorch counts the last line two characters long (len - rfind("\n") + 1); kept for identical wrapping
  let lastLen = text.length - text.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLen + suffix.length + 2 > options.linewidth) {
      parts.push(`,\n${" ".repeat(indent)}${suffix}`);
      lastLen = indent + suffix.length;
    } else {
      parts.push(`, ${suffix}`);
      lastLen += suffix.length + 2;
    }
  }
  parts.push(")");
  return parts.join("");
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
