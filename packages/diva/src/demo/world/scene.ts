/**
 * The scene description: everything an image depends on. Rendering is a pure function of a `Scene`,
 * so two images differ in exactly the attributes in which their scenes differ (see `diffScenes`).
 */
import type {
  BackgroundName, ColourName, DirectionName, FillName, GlyphName, PatternName, PositionName, ScaleName,
  ShapeKind, ViewName,
} from "./vocabulary.js";

/** One object of a scene. */
export interface WorldObject {
  /** Shape kind (coarse class). */
  readonly kind: ShapeKind;
  /** Named colour. */
  readonly colour: ColourName;
  /** Layout slot. */
  readonly position: PositionName;
  /** Size class. */
  readonly scale: ScaleName;
  /** Pointing direction (always "up" for kinds that are not oriented). */
  readonly direction: DirectionName;
  /** Filled or outline only. */
  readonly fill: FillName;
  /** Plain or striped surface. */
  readonly pattern: PatternName;
  /** A small dot inside the object. */
  readonly dot: boolean;
  /** A letter drawn on the object, or null. */
  readonly glyph: GlyphName | null;
  /** Continuous nuisance in [-1, 1]: x offset, y offset, size change (small, never crosses a slot). */
  readonly jitter: readonly [number, number, number];
}

/** A whole image's description. */
export interface Scene {
  /** Background colour. */
  readonly background: BackgroundName;
  /** Camera view. */
  readonly view: ViewName;
  /** Where a close-up looks, relative to the first object's centre, in [-1, 1]^2 (unused by other views). */
  readonly viewJitter: readonly [number, number];
  /** Objects, drawn in order (later on top). */
  readonly objects: readonly WorldObject[];
}

/**
 * The paths at which two scenes differ, for example `["objects[0].direction"]`, `["view"]` or
 * `["objects.length", "objects[2]"]` (an object present in only one of them).
 */
export function diffScenes(a: Scene, b: Scene): string[] {
  const out: string[] = [];
  diffValue(a, b, "", out);
  return out;
}

function diffValue(a: unknown, b: unknown, path: string, out: string[]): void {
  if (Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}.length`);
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const p = `${path}[${i}]`;
      if (i >= a.length || i >= b.length) out.push(p);
      else diffValue(a[i], b[i], p, out);
    }
    return;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      diffValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
    }
    return;
  }
  out.push(path);
}
