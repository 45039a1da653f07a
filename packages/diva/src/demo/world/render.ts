/**
 * The rasteriser: a scene becomes a float CHW image by evaluating each object's signed distance at
 * `samples x samples` stratified points per pixel (antialiasing) and quantising to 8-bit levels.
 * Filled objects keep a rim of their own colour under stripes, so the silhouette survives any background.
 */
import { glyphInk, GLYPH_CELLS } from "./glyphs.js";
import type { WorldImage } from "./image.js";
import { objectCentre, objectRadius, sceneCamera } from "./layout.js";
import { BACKGROUND_RGB, markRgb, OBJECT_RGB, type Rgb } from "./palette.js";
import type { Scene, WorldObject } from "./scene.js";
import { dotCentre, shapeDistance } from "./shapes.js";
import type { DirectionName } from "./vocabulary.js";

/** Rendering options. */
interface RenderOptions {
  /** Image side in pixels (default 32). */
  readonly size?: number;
  /** Supersamples per pixel side (default 4; 1 turns antialiasing off). */
  readonly samples?: number;
}

/** Default image side of the demo (the tiny CLIP is a ViT at 32x32, patch 4). */
export const DEFAULT_IMAGE_SIZE = 32;

const DOT_RADIUS = 0.22;
const GLYPH_HALF = 0.55;
const STRIPE_WIDTH = 0.3;

interface Prepared {
  readonly object: WorldObject;
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
  readonly thickness: number;
  readonly rgb: Rgb;
  readonly mark: Rgb;
  readonly dot: readonly [number, number];
  readonly rot: readonly [number, number, number, number];
}

/** Rotation taking a local offset to the canonical frame (pointing up): [xx, xy, yx, yy]. */
const CANONICAL: Readonly<Record<DirectionName, readonly [number, number, number, number]>> = {
  up: [1, 0, 0, 1],
  down: [-1, 0, 0, -1],
  right: [0, 1, -1, 0],
  left: [0, -1, 1, 0],
};

function prepare(object: WorldObject, pixelsPerUnit: number): Prepared {
  const [cx, cy] = objectCentre(object);
  const r = objectRadius(object);
  const thickness = Math.min(0.5, Math.max(0.22, 1.1 / (r * pixelsPerUnit)));
  return { object, cx, cy, r, thickness, rgb: OBJECT_RGB[object.colour], mark: markRgb(object.colour), dot: dotCentre(object.kind),
    rot: CANONICAL[object.direction] };
}

/** The colour an object paints at scene point (x, y), or null where it leaves the point uncovered. */
function paint(p: Prepared, x: number, y: number): Rgb | null {
  const lx = (x - p.cx) / p.r;
  const ly = (y - p.cy) / p.r;
  if (lx < -1.05 || lx > 1.05 || ly < -1.05 || ly > 1.05) return null;
  const o = p.object;
  const qx = p.rot[0] * lx + p.rot[1] * ly;
  const qy = p.rot[2] * lx + p.rot[3] * ly;
  const filled = o.fill === "filled";
  if (o.dot && (qx - p.dot[0]) ** 2 + (qy - p.dot[1]) ** 2 <= DOT_RADIUS * DOT_RADIUS) {
    return filled ? p.mark : p.rgb;
  }
  const d = shapeDistance(o.kind, qx, qy);
  if (d > 0) return null;
  if (o.glyph !== null) {
    const col = Math.floor(((lx + GLYPH_HALF) / (2 * GLYPH_HALF)) * GLYPH_CELLS);
    const row = Math.floor(((ly + GLYPH_HALF) / (2 * GLYPH_HALF)) * GLYPH_CELLS);
    if (glyphInk(o.glyph, col, row)) return filled ? p.mark : p.rgb;
  }
  const band = o.pattern === "striped" && Math.floor((ly + 8) / STRIPE_WIDTH) % 2 === 1;
  if (filled) return band && d < -0.5 * p.thickness ? p.mark : p.rgb;
  if (d >= -p.thickness) return p.rgb;
  return band ? p.rgb : null;
}

/** Renders a scene to a float CHW image in [0, 1] (values are multiples of 1/255). */
export function renderScene(scene: Scene, options: RenderOptions = {}): WorldImage {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  const n = Math.max(1, Math.floor(options.samples ?? 4));
  const camera = sceneCamera(scene);
  const prepared = scene.objects.map((o) => prepare(o, size * camera.zoom));
  const background = BACKGROUND_RGB[scene.background];
  const plane = size * size;
  const data = new Float32Array(3 * plane);
  const weight = 1 / (n * n);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < n; sy++) {
        const v = (row + (sy + 0.5) / n) / size;
        const y = camera.cy + (v - 0.5) / camera.zoom;
        for (let sx = 0; sx < n; sx++) {
          const u = (col + (sx + 0.5) / n) / size;
          const x = camera.cx + (u - 0.5) / camera.zoom;
          let c: Rgb = background;
          for (let k = prepared.length - 1; k >= 0; k--) {
            const hit = paint(prepared[k], x, y);
            if (hit) {
              c = hit;
              break;
            }
          }
          r += c[0];
          g += c[1];
          b += c[2];
        }
      }
      const p = row * size + col;
      data[p] = Math.round(r * weight * 255) / 255;
      data[plane + p] = Math.round(g * weight * 255) / 255;
      data[2 * plane + p] = Math.round(b * weight * 255) / 255;
    }
  }
  return { data, shape: [3, size, size] };
}
