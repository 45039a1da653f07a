/**
 * A fixed linear probe: ridge regression to one-hot targets on standardised features, one closed-form solve for
 * all heads (deterministic, no seed, no learning rate), prediction = the head's highest-scoring class.
 */
import { dispose, matmul, tensor, transpose, type Tensor } from "@diva/tensor";

/** Labels of one image: per head, its class, or null when the head does not apply to the image. */
export type ProbeLabels = Readonly<Record<string, string | null>>;

/** Features of N images, row-major [N, dim]. */
export interface FeatureMatrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly dim: number;
}

/** One head's held-out result. */
export interface ProbeHeadResult {
  /** Held-out accuracy among images the head applies to. */
  readonly accuracy: number;
  /** Held-out images the head applies to. */
  readonly count: number;
  /** Accuracy of always answering the most frequent training class (the floor to beat). */
  readonly majority: number;
}

/** The probe's held-out result. */
export interface ProbeResult {
  /** Mean of the heads' accuracies. */
  readonly accuracy: number;
  readonly perHead: Record<string, ProbeHeadResult>;
  /** Every (held-out image, applicable head): 1 when right, else 0, in image-then-head order (for the bootstrap). */
  readonly rows: readonly { readonly image: number; readonly head: string; readonly correct: number }[];
}

const NOT_APPLICABLE = "\u0000n/a";

/** Lower Cholesky factor of a symmetric positive definite n x n matrix (row-major, in place). */
function cholesky(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!;
    if (!(d > 0)) throw new Error(`ridge probe: the regularised Gram matrix is not positive definite at row ${j} (${d})`);
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / l;
    }
  }
}

/** Solves (L L^T) X = B for X in place of B ([n, m] row-major). */
function choleskySolve(l: Float64Array, n: number, b: Float64Array, m: number): void {
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const f = l[i * n + k]!;
      if (f !== 0) for (let c = 0; c < m; c++) b[i * m + c] -= f * b[k * m + c]!;
    }
    const d = l[i * n + i]!;
    for (let c = 0; c < m; c++) b[i * m + c] /= d;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = l[k * n + i]!;
      if (f !== 0) for (let c = 0; c < m; c++) b[i * m + c] -= f * b[k * m + c]!;
    }
    const d = l[i * n + i]!;
    for (let c = 0; c < m; c++) b[i * m + c] /= d;
  }
}

/** a @ b^T of two row-major float32 matrices through the tensor library ([p, d] x [q, d] -> [p, q]). */
async function gramOf(a: Float32Array, p: number, b: Float32Array, q: number, d: number): Promise<Float64Array> {
  const ta: Tensor = tensor(a, { shape: [p, d] });
  const tb: Tensor = a === b ? ta : tensor(b, { shape: [q, d] });
  const bt = transpose(tb, 0, 1);
  const g = matmul(ta, bt);
  const out = Float64Array.from(await g.data());
  dispose([ta, tb, bt, g]);
  return out;
}

/** Standardises columns with the training rows' mean and standard deviation (constant columns become 0). */
function standardise(train: FeatureMatrix, test: FeatureMatrix): [Float32Array, Float32Array] {
  const { rows: N, dim: d } = train;
  const mu = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) mu[j] += train.data[i * d + j]!;
  for (let j = 0; j < d; j++) mu[j] /= N;
  for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) sq[j] += (train.data[i * d + j]! - mu[j]!) ** 2;
  const inv = Array.from(sq, (s) => (Math.sqrt(s / N) > 1e-6 ? 1 / Math.sqrt(s / N) : 0));
  const apply = (m: FeatureMatrix) => {
    const out = new Float32Array(m.rows * d);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < d; j++) out[i * d + j] = (m.data[i * d + j]! - mu[j]!) * inv[j]!;
    return out;
  };
  return [apply(train), apply(test)];
}

/**
 * Trains the probe on `train` features and labels and scores it on `test`.
 *
 * @param ridge the penalty relative to the mean eigenvalue of the standardised Gram matrix (lambda = ridge x
 *   sum of squared standardised features / dim): scale-free, so one value serves every feature width.
 */
export async function ridgeProbe(train: FeatureMatrix, trainLabels: readonly ProbeLabels[], test: FeatureMatrix, testLabels: readonly ProbeLabels[], ridge: number): Promise<ProbeResult> {
  if (train.dim !== test.dim) throw new Error(`ridge probe: training features have ${train.dim} columns, held-out ${test.dim}`);
  if (trainLabels.length !== train.rows || testLabels.length !== test.rows) {
    throw new Error(`ridge probe: ${train.rows}/${test.rows} feature rows but ${trainLabels.length}/${testLabels.length} label rows`);
  }
  if (train.data.length !== train.rows * train.dim || test.data.length !== test.rows * test.dim) throw new Error("ridge probe: feature data length is not rows x dim");
  if (!(ridge > 0)) throw new Error(`ridge probe: ridge must be positive, got ${ridge}`);
  const N = train.rows, M = test.rows, d = train.dim;
  // classes per head: the training values, plus "not applicable" as its own target (never predicted)
  const heads = [...new Set([...trainLabels, ...testLabels].flatMap((l) => Object.keys(l)))].sort();
  const columns: { head: string; value: string }[] = [];
  const classes = new Map<string, string[]>();
  for (const h of heads) {
    const values = [...new Set(trainLabels.map((l) => l[h] ?? NOT_APPLICABLE))].sort();
    classes.set(h, values);
    for (const v of values) columns.push({ head: h, value: v });
  }
  const C = columns.length;
  const col = new Map(columns.map((c, i) => [`${c.head}\u0000${c.value}`, i]));
  const y = new Float64Array(N * C);
  trainLabels.forEach((l, i) => heads.forEach((h) => (y[i * C + col.get(`${h}\u0000${l[h] ?? NOT_APPLICABLE}`)!] = 1)));
  const ybar = new Float64Array(C);
  for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) ybar[c] += y[i * C + c]! / N;
  for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) y[i * C + c] -= ybar[c]!;
  const [xs, xt] = standardise(train, test);
  let ss = 0;
  for (const v of xs) ss += v * v;
  const lambda = Math.max(ridge * (ss / d), 1e-6);
  const scores = new Float64Array(M * C);
  if (d <= N) {
    // primal: W = (X^T X + lambda I)^-1 X^T Y
    const xsT = new Float32Array(d * N);
    for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) xsT[j * N + i] = xs[i * d + j]!;
    const g = await gramOf(xsT, d, xsT, d, N);
    for (let j = 0; j < d; j++) g[j * d + j] += lambda;
    const w = new Float64Array(d * C);
    for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) {
      const x = xs[i * d + j]!;
      if (x !== 0) for (let c = 0; c < C; c++) w[j * C + c] += x * y[i * C + c]!;
    }
    cholesky(g, d);
    choleskySolve(g, d, w, C);
    for (let i = 0; i < M; i++) for (let j = 0; j < d; j++) {
      const x = xt[i * d + j]!;
      if (x !== 0) for (let c = 0; c < C; c++) scores[i * C + c] += x * w[j * C + c]!;
    }
  } else {
    // dual: A = (X X^T + lambda I)^-1 Y, scores = X_test X^T A
    const k = await gramOf(xs, N, xs, N, d);
    for (let i = 0; i < N; i++) k[i * N + i] += lambda;
    cholesky(k, N);
    choleskySolve(k, N, y, C);
    const kt = await gramOf(xt, M, xs, N, d);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      const v = kt[i * N + j]!;
      for (let c = 0; c < C; c++) scores[i * C + c] += v * y[j * C + c]!;
    }
  }
  const rows: { image: number; head: string; correct: number }[] = [];
  const perHead: Record<string, ProbeHeadResult> = Object.create(null) as Record<string, ProbeHeadResult>;
  for (const h of heads) {
    const values = classes.get(h)!.filter((v) => v !== NOT_APPLICABLE);
    const counts = new Map<string, number>();
    for (const l of trainLabels) if (l[h] != null) counts.set(l[h]!, (counts.get(l[h]!) ?? 0) + 1);
    const majority = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
    let right = 0, n = 0, majorityRight = 0;
    testLabels.forEach((l, i) => {
      const truth = l[h];
      if (truth == null) return;
      let best = "", bestScore = -Infinity;
      for (const v of values) {
        const s = scores[i * C + col.get(`${h}\u0000${v}`)!]! + ybar[col.get(`${h}\u0000${v}`)!]!;
        if (s > bestScore) [best, bestScore] = [v, s];
      }
      const ok = best === truth ? 1 : 0;
      rows.push({ image: i, head: h, correct: ok });
      right += ok;
      majorityRight += truth === majority ? 1 : 0;
      n++;
    });
    if (n > 0) perHead[h] = { accuracy: right / n, count: n, majority: majorityRight / n };
  }
  const scored = Object.values(perHead);
  const accuracy = scored.length ? scored.reduce((a, r) => a + r.accuracy, 0) / scored.length : 0;
  rows.sort((a, b) => a.image - b.image || (a.head < b.head ? -1 : a.head > b.head ? 1 : 0));
  return { accuracy, perHead, rows };
}
