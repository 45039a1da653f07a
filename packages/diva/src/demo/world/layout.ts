/**
 * Scene geometry in image-normalised coordinates (x right, y down, both in [0, 1]): object radius and
 * centre from scale, slot and jitter, and the camera transform of a view.
 */
import type { Scene, WorldObject } from "./scene.js";
import { slotOffset, type ScaleName } from "./vocabulary.js";

const BASE_RADIUS: Record<ScaleName, number> = { small: 0.13, medium: 0.24, large: 0.36 };
const MARGIN = 0.03;

/** Object radius (fraction of the image side). */
export function objectRadius(object: WorldObject): number {
  return BASE_RADIUS[object.scale] * (1 + 0.08 * object.jitter[2]);
}

/** Object centre: slots spread as far as the radius allows while keeping the object inside the frame. */
export function objectCentre(object: WorldObject): readonly [number, number] {
  const r = objectRadius(object);
  const [col, row] = slotOffset(object.position);
  const reach = Math.max(0, 0.5 - r - MARGIN);
  return [0.5 + col * reach + 0.02 * object.jitter[0], 0.5 + row * reach + 0.02 * object.jitter[1]];
}

/** The camera: image point (u, v) shows scene point (cx + (u - 0.5) / zoom, cy + (v - 0.5) / zoom). */
interface Camera {
  /** Scene point at the image centre, x. */
  readonly cx: number;
  /** Scene point at the image centre, y. */
  readonly cy: number;
  /** Magnification (>1 zooms in). */
  readonly zoom: number;
}

/** The camera of a scene's view: identity, zoomed out by 2 around the centre, or zoomed in by 2 near the first object. */
export function sceneCamera(scene: Scene): Camera {
  if (scene.view === "far") return { cx: 0.5, cy: 0.5, zoom: 0.5 };
  if (scene.view === "close-up" && scene.objects.length > 0) {
    const first = scene.objects[0];
    const [x, y] = objectCentre(first);
    const r = objectRadius(first);
    return { cx: x + 0.35 * r * scene.viewJitter[0], cy: y + 0.35 * r * scene.viewJitter[1], zoom: 2 };
  }
  return { cx: 0.5, cy: 0.5, zoom: 1 };
}
