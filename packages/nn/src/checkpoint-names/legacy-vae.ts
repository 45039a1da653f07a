/** The VAE attention names of diffusers < 0.14 (as the SD-2.x hub files store them), mapped to the current ones on load. */

const LEGACY_VAE_ATTENTION: Record<string, string> = { query: "to_q", key: "to_k", value: "to_v", proj_attn: "to_out.0" };

/** Maps the VAE attention names of diffusers < 0.14 (query/key/value/proj_attn) to the current ones. */
export function renameLegacyVAE(name: string): string | null {
  const m = /^(encoder|decoder)\.mid_block\.attentions\.(\d+)\.(query|key|value|proj_attn)\.(weight|bias)$/.exec(name);
  return m ? `${m[1]}.mid_block.attentions.${m[2]}.${LEGACY_VAE_ATTENTION[m[3]!]}.${m[4]}` : null;
}
