/**
 * The probe's targets: one head per MMVP pattern, read from the scene description. A head applies only where
 * the attribute is visible and not fixed by the kind (an arrow has no dot, a small object shows no stripes), so
 * no head is answered by recognising the kind alone. Object heads apply to single-object scenes.
 */
import type { ProbeLabels } from "./ridge-probe.js";
import { isOriented, supportsDot, supportsGlyph, supportsHollow, supportsStripes, type Scene } from "../world/index.js";

/** The probe labels of a scene (null: the head does not apply). */
export function probeLabels(scene: Scene): ProbeLabels {
  const count = String(scene.objects.length);
  const o = scene.objects.length === 1 ? scene.objects[0]! : null;
  const detailed = o !== null && o.scale !== "small";
  return {
    count,
    direction: o && isOriented(o.kind) ? o.direction : null,
    dot: o && detailed && supportsDot(o.kind) ? String(o.dot) : null,
    fill: o && supportsHollow(o.kind) ? o.fill : null,
    position: o ? o.position : null,
    colour: o ? o.colour : null,
    pattern: o && detailed && supportsStripes(o.kind) ? o.pattern : null,
    glyph: o && detailed && supportsGlyph(o.kind) ? (o.glyph ?? "none") : null,
    view: o ? scene.view : null,
  };
}
