/**
 * The VAE attention names of diffusers < 0.14 (as the SD-2.x hub files store them): mapped to the current ones
 * on load, and back when a file is written in the hub's layout. One table serves both directions.
 */

/** Legacy attention name -> current name. */
const LEGACY_VAE_ATTENTION: Readonly<Record<string, string>> = { query: "to_q", key: "to_k", value: "to_v", proj_attn: "to_out.0" };
const CURRENT_VAE_ATTENTION: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(LEGACY_VAE_ATTENTION).map(([a, b]) => [b, a]));

/** A mid-block attention parameter name with its layer name replaced through `table`; null for any other name. */
function renameAttention(name: string, table: Readonly<Record<string, string>>): string | null {
  const m = /^(encoder|decoder)\.mid_block\.attentions\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
  if (!m || !Object.hasOwn(table, m[3]!)) return null;
  return `${m[1]}.mid_block.attentions.${m[2]}.${table[m[3]!]}.${m[4]}`;
}

/** Maps the VAE attention names of diffusers < 0.14 (query/key/value/proj_attn) to the current ones; null for any other name. */
export function renameLegacyVAE(name: string): string | null {
  return renameAttention(name, LEGACY_VAE_ATTENTION);
}

/**
 * The name a VAE parameter has in a diffusers < 0.14 file (the inverse of the mapping applied on load): the
 * mid-block attention's to_q/to_k/to_v/to_out.0 become query/key/value/proj_attn; every other name is kept.
 */
export function legacyVAEName(name: string): string {
  return renameAttention(name, CURRENT_VAE_ATTENTION) ?? name;
}
