/**
 * Shape outlines as signed distance functions in an object's canonical frame: unit radius, centred at the
 * origin, y down, pointing up (towards -y). Negative inside.
 */
import type { ShapeKind } from "./vocabulary.js";

type Polygon = readonly (readonly [number, number])[];

/** A polygon as flat vertex coordinates [x0, y0, x1, y1, ...]. */
type FlatPolygon = Float64Array;

function flatten(poly: Polygon): FlatPolygon {
  return Float64Array.from(poly.flat());
}

function starPolygon(points: number, outer: number, inner: number): Polygon {
  const out: [number, number][] = [];
  for (let i = 0; i < 2 * points; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / points;
    const r = i % 2 === 0 ? outer : inner;
    out.push([r * Math.cos(a), r * Math.sin(a)]);
  }
  return out;
}

function heartPolygon(points: number): Polygon {
  const raw: [number, number][] = [];
  for (let i = 0; i < points; i++) {
    const t = (2 * Math.PI * i) / points;
    const x = 16 * Math.sin(t) ** 3;
    const y = -(13 * Math.cos(t) - 5 * Math.cos(2 * t) - 2 * Math.cos(3 * t) - Math.cos(4 * t));
    raw.push([x, y]);
  }
  const ys = raw.map(([, y]) => y);
  const mid = (Math.max(...ys) + Math.min(...ys)) / 2;
  const scale = Math.max(...raw.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y - mid))));
  return raw.map(([x, y]) => [x / scale, (y - mid) / scale]);
}

const POLYGONS: Partial<Record<ShapeKind, Polygon>> = {
  square: [[-0.85, -0.85], [0.85, -0.85], [0.85, 0.85], [-0.85, 0.85]],
  triangle: [[0, -1], [0.92, 0.72], [-0.92, 0.72]],
  arrow: [[0, -1], [0.78, -0.12], [0.3, -0.12], [0.3, 1], [-0.3, 1], [-0.3, -0.12], [-0.78, -0.12]],
  star: starPolygon(5, 1, 0.47),
  cross: [
    [-0.32, -1], [0.32, -1], [0.32, -0.32], [1, -0.32], [1, 0.32], [0.32, 0.32],
    [0.32, 1], [-0.32, 1], [-0.32, 0.32], [-1, 0.32], [-1, -0.32], [-0.32, -0.32],
  ],
  house: [[0, -1], [0.85, -0.2], [0.85, 0.9], [-0.85, 0.9], [-0.85, -0.2]],
  heart: heartPolygon(40),
};

const FLAT: Partial<Record<ShapeKind, FlatPolygon>> = Object.fromEntries(
  Object.entries(POLYGONS).map(([k, v]) => [k, flatten(v)]),
);

/** Exact signed distance to a simple polygon (after Inigo Quilez). */
function polygonDistance(poly: FlatPolygon, px: number, py: number): number {
  let d = Infinity;
  let s = 1;
  const n = poly.length >> 1;
  for (let i = 0, j = n - 1; i < n; j = i, i++) {
    const xi = poly[2 * i];
    const yi = poly[2 * i + 1];
    const xj = poly[2 * j];
    const yj = poly[2 * j + 1];
    const ex = xj - xi;
    const ey = yj - yi;
    const wx = px - xi;
    const wy = py - yi;
    const t = Math.min(1, Math.max(0, (wx * ex + wy * ey) / (ex * ex + ey * ey)));
    const bx = wx - ex * t;
    const by = wy - ey * t;
    d = Math.min(d, bx * bx + by * by);
    const c1 = py >= yi;
    const c2 = py < yj;
    const c3 = ex * wy > ey * wx;
    if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) s = -s;
  }
  return s * Math.sqrt(d);
}


/** Signed distance from (x, y) to the kind's outline in the canonical frame. */
export function shapeDistance(kind: ShapeKind, x: number, y: number): number {
  if (kind === "circle") return Math.sqrt(x * x + y * y) - 1;
  const poly = FLAT[kind];
  if (!poly) throw new Error(`no outline for ${kind}`);
  return polygonDistance(poly, x, y);
}

const DOT_CENTRES: Readonly<Record<ShapeKind, readonly [number, number]>> = {
  circle: [0, 0], square: [0, 0], triangle: [0, 0.2], arrow: [0, 0.5], star: [0, 0.05],
  cross: [0, 0], heart: [0, -0.05], house: [0, 0.35],
};

/** Where the kind's dot sits, in the canonical frame. */
export function dotCentre(kind: ShapeKind): readonly [number, number] {
  return DOT_CENTRES[kind];
}
