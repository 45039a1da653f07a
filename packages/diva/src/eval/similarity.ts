import { div, matmul, norm, tidy, transpose, type Tensor } from "@diva/tensor";

/** Rows scaled to unit L2 norm. */
export function l2Normalize(x: Tensor): Tensor {
  return tidy(() => div(x, norm(x, 2, -1, { keepdim: true })));
}

/** Cosine similarity matrix [A, B] of row sets [A, E] and [B, E]. */
export function cosineSimilarity(a: Tensor, b: Tensor): Tensor {
  return tidy(() => matmul(l2Normalize(a), transpose(l2Normalize(b))));
}
