/**
 * Emits the f32 GEMM kernels into a module: panel packing, register-tiled micro-kernels and the
 * cache-blocked driver (BLIS loop order: NC columns of B, KC of the inner dimension, MC rows of A, then
 * NR x MR register tiles).
 */
import type { Code, FuncRef } from "./asm/code.js";
import { F, I, V, type Ex, type Local } from "./asm/expr.js";
import type { ModuleBuilder } from "./asm/module.js";

/** Blocking parameters of the GEMM kernel (elements, not bytes). */
export interface GemmBlocking {
  /** Rows of the register tile (a multiple of 4 for the `shuffle` A load). */
  mr: number;
  /** Columns of the register tile, a multiple of 4. */
  nr: number;
  /** Inner-dimension block (packed panels are KC deep). */
  kc: number;
  /** Rows of A packed at a time (a multiple of `mr`). */
  mc: number;
  /** Columns of B packed at a time (a multiple of `nr`). */
  nc: number;
  /** Inner-loop unroll of the micro-kernel (a power of two). */
  unroll: number;
  /**
   * How an element of A reaches all lanes: `shuffle` (one v128.load of 4 rows, then a lane shuffle per
   * row; needs mr % 4 == 0) or `splat` (v128.load32_splat per row). V8 folds the shuffle form better.
   */
  aLoad: "splat" | "shuffle";
}

/**
 * The default blocking, tuned under V8 (Node 20) on a 2-core AMD EPYC: an 8x16 register tile (32
 * accumulators; TurboFan spills some, yet this reaches ~95% of the 128-bit FMA peak with relaxed SIMD).
 * MC = 32 rows (A's packed block, 32 KiB, stays in L1 next to one 16 KiB strip of B): on a 2-core Xeon
 * (48 KiB L1) this took 10-15% less CPU than MC = 128 on the DIVA step's [520, 256] @ [256, 1024]-like
 * shapes and the same on the others (tiles 8x8, 8x12, 12x8 and KC 128-512 were no better; docs/benchmarks.md).
 */
export const defaultGemmBlocking: GemmBlocking = { mr: 8, nr: 16, kc: 256, mc: 32, nc: 2048, unroll: 2, aLoad: "shuffle" };

/** Bytes of scratch each thread needs for packed panels. */
export function gemmScratchBytes(b: GemmBlocking): number {
  return (b.mc * b.kc + b.kc * b.nc) * 4 + 64;
}

const i32 = "i32" as const;

/** Emits `packA(src, rs, cs, mc, kc, dst)`: MR-row strips, k-major, zero-padded to full strips. Strides in bytes. */
function emitPackA(mod: ModuleBuilder, bl: GemmBlocking): FuncRef {
  const MR = bl.mr;
  return mod.func(undefined, [i32, i32, i32, i32, i32, i32] as const, undefined, (c, [src, rs, cs, mc, kc, dst]) => {
    const ir = c.local(i32), kk = c.local(i32), h = c.local(i32), o = c.local(i32), i = c.local(i32);
    const rows = Array.from({ length: MR }, () => c.local(i32));
    c.for(ir, 0, mc, MR, () => {
      c.set(h, I.minS(MR, I.sub(mc, ir)));
      c.set(rows[0]!, I.add(src, I.mul(ir, rs)));
      for (let r = 1; r < MR; r++) c.set(rows[r]!, I.add(rows[r - 1]!, rs));
      c.if(
        I.eq(h, MR),
        () => {
          c.set(o, 0);
          c.for(kk, 0, kc, 1, () => {
            for (let r = 0; r < MR; r++) c.storeF32(dst, F.load(I.add(rows[r]!, o)), r * 4);
            c.set(o, I.add(o, cs));
            c.set(dst, I.add(dst, MR * 4));
          });
        },
        () => {
          c.for(kk, 0, kc, 1, () => {
            c.for(i, 0, MR, 1, () => c.storeF32(I.add(dst, I.shl(i, 2)), 0));
            c.for(i, 0, h, 1, () =>
              c.storeF32(I.add(dst, I.shl(i, 2)), F.load(I.add(I.add(rows[0]!, I.mul(i, rs)), I.mul(kk, cs)))),
            );
            c.set(dst, I.add(dst, MR * 4));
          });
        },
      );
    });
  });
}

/** Emits `packB(src, rs, cs, kc, nc, dst)`: NR-column strips, k-major, zero-padded. Strides in bytes. */
function emitPackB(mod: ModuleBuilder, bl: GemmBlocking): FuncRef {
  const NR = bl.nr, NV = NR / 4;
  return mod.func(undefined, [i32, i32, i32, i32, i32, i32] as const, undefined, (c, [src, rs, cs, kc, nc, dst]) => {
    const jr = c.local(i32), kk = c.local(i32), w = c.local(i32), p = c.local(i32), j = c.local(i32);
    const col = c.local(i32);
    c.for(jr, 0, nc, NR, () => {
      c.set(w, I.minS(NR, I.sub(nc, jr)));
      c.set(col, I.add(src, I.mul(jr, cs)));
      c.if(
        I.and(I.eq(w, NR), I.eq(cs, 4)),
        () => {
          c.set(p, col);
          c.for(kk, 0, kc, 1, () => {
            for (let v = 0; v < NV; v++) c.storeV128(dst, V.load(p, v * 16), v * 16);
            c.set(p, I.add(p, rs));
            c.set(dst, I.add(dst, NR * 4));
          });
        },
        () =>
          c.if(
            I.eq(w, NR),
            () => {
              // Full strip, strided columns (B transposed): gather NR values per k.
              c.set(p, col);
              c.for(kk, 0, kc, 1, () => {
                for (let x = 0; x < NR; x++) {
                  c.storeF32(dst, F.load(I.add(p, I.mul(x, cs))), x * 4);
                }
                c.set(p, I.add(p, rs));
                c.set(dst, I.add(dst, NR * 4));
              });
            },
            () => {
              c.set(p, col);
              c.for(kk, 0, kc, 1, () => {
                for (let v = 0; v < NV; v++) c.storeV128(dst, V.zero(), v * 16);
                c.for(j, 0, w, 1, () => c.storeF32(I.add(dst, I.shl(j, 2)), F.load(I.add(p, I.mul(j, cs)))));
                c.set(p, I.add(p, rs));
                c.set(dst, I.add(dst, NR * 4));
              });
            },
          ),
      );
    });
  });
}

/** Stores (or adds) one accumulator vector to C, `lanes` of them valid (runtime `nr - 4v`). */
function storeTile(c: Code, addr: Ex<"i32">, acc: Local<"v128">, accumulate: Local<"i32">, valid: Ex<"i32">): void {
  c.if(
    I.geS(valid, 4),
    () =>
      c.if(
        accumulate,
        () => c.storeV128(addr, V.add(V.load(addr), acc)),
        () => c.storeV128(addr, acc),
      ),
    () => {
      for (let l = 0; l < 3; l++) {
        c.if(I.gtS(valid, l), () =>
          c.if(
            accumulate,
            () => c.storeF32(addr, F.add(F.load(addr, l * 4), V.lane(acc, l)), l * 4),
            () => c.storeLane(addr, acc, l, l * 4),
          ),
        );
      }
    },
  );
}

/**
 * Emits the micro-kernel for `rows` rows and `NV` vectors of columns: `micro(pa, pb, kc, c, ldc, nr,
 * accumulate)` computes a rows x 4NV tile over kc from packed panels (strips MR rows and NR columns wide)
 * and stores (or adds) its first `nr` columns to C. Edge tiles use the variant that fits them.
 */
function emitMicro(mod: ModuleBuilder, bl: GemmBlocking, rows: number, NV: number): FuncRef {
  const MR = bl.mr, NR = bl.nr, U = bl.unroll;
  return mod.func(
    undefined,
    [i32, i32, i32, i32, i32, i32, i32] as const,
    undefined,
    (c, [pa, pb, kc, cp, ldc, nr, accumulate]) => {
      const acc = Array.from({ length: rows * NV }, () => c.local("v128"));
      const b = Array.from({ length: NV }, () => c.local("v128"));
      const a = c.local("v128");
      const a4 = c.local("v128");
      const cnt = c.local(i32);
      const mode = bl.aLoad;
      for (const x of acc) c.set(x, V.zero());
      const step = (u: number): void => {
        for (let v = 0; v < NV; v++) c.set(b[v]!, V.load(pb, (u * NR + v * 4) * 4));
        for (let r = 0; r < rows; r++) {
          const off = (u * MR + r) * 4;
          if (mode === "splat") c.set(a, V.loadSplat(pa, off));
          else {
            if (r % 4 === 0) c.set(a4, V.load(pa, off));
            const l = r % 4;
            c.set(a, V.shuffle(a4, a4, Array.from({ length: 16 }, (_, i) => l * 4 + (i % 4))));
          }
          for (let v = 0; v < NV; v++) c.set(acc[r * NV + v]!, V.fma(a, b[v]!, acc[r * NV + v]!));
        }
      };
      const loopOver = (count: Ex<"i32">, unroll: number): void => {
        c.set(cnt, count);
        c.block((exit) => {
          c.brIf(exit, I.eqz(cnt));
          c.loop((top) => {
            for (let u = 0; u < unroll; u++) step(u);
            c.set(pa, I.add(pa, unroll * MR * 4));
            c.set(pb, I.add(pb, unroll * NR * 4));
            c.set(cnt, I.sub(cnt, 1));
            c.brIf(top, cnt);
          });
        });
      };
      const shift = Math.log2(U);
      if (U > 1) {
        loopOver(I.shrS(kc, shift), U);
        loopOver(I.and(kc, U - 1), 1);
      } else loopOver(kc, 1);
      // Epilogue.
      c.if(
        I.eq(nr, NV * 4),
        () => {
          for (let r = 0; r < rows; r++) {
            const row = r === 0 ? cp : I.add(cp, I.mul(ldc, r));
            for (let v = 0; v < NV; v++) {
              const x = acc[r * NV + v]!;
              c.if(
                accumulate,
                () => c.storeV128(row, V.add(V.load(row, v * 16), x), v * 16),
                () => c.storeV128(row, x, v * 16),
              );
            }
          }
        },
        () => {
          for (let r = 0; r < rows; r++) {
            const row = r === 0 ? cp : I.add(cp, I.mul(ldc, r));
            for (let v = 0; v < NV; v++) {
              c.if(I.gtS(nr, v * 4), () =>
                storeTile(c, I.add(row, v * 16), acc[r * NV + v]!, accumulate, I.sub(nr, v * 4)),
              );
            }
          }
        },
      );
    },
  );
}

/**
 * Emits the GEMM kernels and exports
 * `gemm(a, rsa, csa, b, rsb, csb, c, ldc, m, n, k, work)`: C[m,n] = A[m,k] B[k,n] with A and B at byte
 * addresses `a`, `b` and element strides (rows, columns; any sign), C row-major with row stride `ldc`
 * elements, and `work` the byte address of `gemmScratchBytes` of scratch; and
 * `gemmBatch(a, sba, rsa, csa, b, sbb, rsb, csb, c, sbc, ldc, m, n, k, count, work)`, the same over
 * `count` problems whose bases advance by the batch strides (elements; 0 broadcasts); and the threaded pair
 * `packBStrips` (B packed once) and `gemmChunks` (row or column chunks taken by each thread in turn).
 */
export function emitGemm(mod: ModuleBuilder, bl: GemmBlocking): { gemm: FuncRef; gemmBatch: FuncRef; gemmChunks: FuncRef; packBStrips: FuncRef } {
  if (bl.nr % 4 !== 0 || bl.mc % bl.mr !== 0 || bl.nc % bl.nr !== 0 || (bl.aLoad === "shuffle" && bl.mr % 4 !== 0)) {
    throw new Error(`bad GEMM blocking ${JSON.stringify(bl)}`);
  }
  const MR = bl.mr, NR = bl.nr, KC = bl.kc, MC = bl.mc, NC = bl.nc;
  const packA = emitPackA(mod, bl);
  const packB = emitPackB(mod, bl);
  const NV = NR / 4;
  // Table entry (rows - 1) * NV + (vectors - 1) holds the micro-kernel for that edge shape.
  const micros: FuncRef[] = [];
  for (let r = 1; r <= MR; r++) for (let v = 1; v <= NV; v++) micros.push(emitMicro(mod, bl, r, v));
  mod.setTable(micros);
  const p12 = [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32] as const;
  // gemmCore(a, rsa, csa, b, rsb, csb, bpre, c, ldc, m, n, k, work): as `gemm`, but when `bpre` is not 0 it
  // is the byte address of B already packed by `packBStrips` (strips of NR columns, each k deep) and `b`,
  // `rsb`, `csb` are unused: the threads' row chunks of one product then share one packing of B.
  const gemmCore = mod.func(undefined, [...p12, i32] as const, undefined, (c, [a, rsa, csa, b, rsb, csb, bpre, cp, ldc, m, n, k, work]) => {
    c.set(rsa, I.shl(rsa, 2));
    c.set(csa, I.shl(csa, 2));
    c.set(rsb, I.shl(rsb, 2));
    c.set(csb, I.shl(csb, 2));
    c.set(ldc, I.shl(ldc, 2));
    const apack = c.let(i32, work), bpack = c.let(i32, I.add(work, MC * KC * 4));
    const jc = c.local(i32), pc = c.local(i32), ic = c.local(i32), jr = c.local(i32), ir = c.local(i32);
    const nc = c.local(i32), kc = c.local(i32), mc = c.local(i32), nr = c.local(i32), mr = c.local(i32);
    const accum = c.local(i32), cRow = c.local(i32), pa = c.local(i32), pb = c.local(i32), ct = c.local(i32);
    // where the packed strips of this (jc, pc) block start and how many k rows apart consecutive strips are
    const strips = c.local(i32), stripLen = c.local(i32);
    c.for(jc, 0, n, NC, () => {
      c.set(nc, I.minS(NC, I.sub(n, jc)));
      c.for(pc, 0, k, KC, () => {
        c.set(kc, I.minS(KC, I.sub(k, pc)));
        c.set(accum, I.gtS(pc, 0));
        c.if(
          I.eqz(bpre),
          () => {
            c.call(packB, [I.add(I.add(b, I.mul(pc, rsb)), I.mul(jc, csb)), rsb, csb, kc, nc, bpack]);
            c.set(strips, bpack);
            c.set(stripLen, kc);
          },
          () => {
            c.set(strips, I.add(bpre, I.shl(I.add(I.mul(jc, k), I.mul(pc, NR)), 2)));
            c.set(stripLen, k);
          },
        );
        c.for(ic, 0, m, MC, () => {
          c.set(mc, I.minS(MC, I.sub(m, ic)));
          c.call(packA, [I.add(I.add(a, I.mul(ic, rsa)), I.mul(pc, csa)), rsa, csa, mc, kc, apack]);
          c.set(cRow, I.add(I.add(cp, I.mul(ic, ldc)), I.shl(jc, 2)));
          c.for(jr, 0, nc, NR, () => {
            c.set(nr, I.minS(NR, I.sub(nc, jr)));
            c.set(pb, I.add(strips, I.shl(I.mul(jr, stripLen), 2)));
            c.for(ir, 0, mc, MR, () => {
              c.set(mr, I.minS(MR, I.sub(mc, ir)));
              c.set(pa, I.add(apack, I.shl(I.mul(ir, kc), 2)));
              c.set(ct, I.add(I.add(cRow, I.mul(ir, ldc)), I.shl(jr, 2)));
              const args = [pa, pb, kc, ct, ldc, nr, accum];
              const entry = I.add(I.mul(I.sub(mr, 1), NV), I.shrS(I.sub(nr, 1), 2));
              c.if(
                I.and(I.eq(mr, MR), I.eq(nr, NR)),
                () => c.call(micros[micros.length - 1]!, args),
                () => c.callIndirect(micros[0]!, entry, args),
              );
            });
          });
        });
      });
    });
  });
  const gemm = mod.func("gemm", p12, undefined, (c, [a, rsa, csa, b, rsb, csb, cp, ldc, m, n, k, work]) =>
    c.call(gemmCore, [a, rsa, csa, b, rsb, csb, 0, cp, ldc, m, n, k, work]),
  );
  const p16 = [...p12, i32, i32, i32, i32] as const;
  const gemmBatch = mod.func(
    "gemmBatch",
    p16,
    undefined,
    (c, [a, sba, rsa, csa, b, sbb, rsb, csb, cp, sbc, ldc, m, n, k, count, work]) => {
      const t = c.local(i32);
      c.for(t, 0, count, 1, () => {
        c.call(gemm, [a, rsa, csa, b, rsb, csb, cp, ldc, m, n, k, work]);
        c.set(a, I.add(a, I.shl(sba, 2)));
        c.set(b, I.add(b, I.shl(sbb, 2)));
        c.set(cp, I.add(cp, I.shl(sbc, 2)));
      });
    },
  );
  const gemmChunks = emitGemmChunks(mod, gemmCore, bl.nr);
  const packBStrips = emitPackBStrips(mod, packB, bl.nr);
  return { gemm, gemmBatch, gemmChunks, packBStrips };
}

/**
 * Emits `packBStrips(b, sbb, rsb, csb, k, n, dst, s0, s1)`: packs strips s0..s1-1 of B for `gemmChunks`'
 * prepacked path. Strip s is columns NR(s mod S) .. of batch entry floor(s / S), with S = ceil(n / NR) strips
 * per entry; it goes to dst + s k NR floats, k-major, zero-padded to NR columns (the layout `packB` gives a
 * panel k deep). Strides in elements; `sbb` between batch entries.
 */
function emitPackBStrips(mod: ModuleBuilder, packB: FuncRef, NR: number): FuncRef {
  const p9: "i32"[] = new Array(9).fill(i32);
  return mod.func("packBStrips", p9, undefined, (c, [b, sbb, rsb, csb, k, n, dst, s0, s1]) => {
    const per = c.let(i32, I.divU(I.add(n, NR - 1), NR));
    const s = c.local(i32), j = c.local(i32);
    c.for(s, s0, s1, 1, () => {
      c.set(j, I.remU(s, per));
      c.call(packB, [
        I.add(b, I.shl(I.add(I.mul(I.divU(s, per), sbb), I.mul(I.mul(j, NR), csb)), 2)),
        I.shl(rsb, 2),
        I.shl(csb, 2),
        k,
        I.minS(NR, I.sub(n, I.mul(j, NR))),
        I.add(dst, I.shl(I.mul(I.mul(s, k), NR), 2)),
      ]);
    });
  });
}

/**
 * Emits `gemmChunks(a, sba, rsa, csa, b, sbb, rsb, csb, c, sbc, ldc, m, n, k, count, work, counter,
 * rows, cols, bpre, bpBatch)`: the batched problem of `gemmBatch` cut into chunks of `rows` x `cols` of C per
 * batch entry; every thread running it takes the next chunk from the shared i32 at byte address `counter`
 * (atomically) until none are left, so a slow or descheduled thread holds up nothing. With `bpre` not 0, B
 * was packed by `packBStrips` at byte address `bpre`, batch entries `bpBatch` bytes apart (0: one shared
 * B), and `cols` is a multiple of NR or n: row chunks then read that packing instead of packing B again.
 */
function emitGemmChunks(mod: ModuleBuilder, gemmCore: FuncRef, NR: number): FuncRef {
  const p21: "i32"[] = new Array(21).fill(i32);
  return mod.func(
    "gemmChunks",
    p21,
    undefined,
    (c, [a, sba, rsa, csa, b, sbb, rsb, csb, cp, sbc, ldc, m, n, k, count, work, counter, rows, cols, bpre, bpBatch]) => {
      const perRow = c.let(i32, I.divU(I.add(n, I.sub(cols, 1)), cols));
      const perBatch = c.let(i32, I.mul(I.divU(I.add(m, I.sub(rows, 1)), rows), perRow));
      const total = c.let(i32, I.mul(perBatch, count));
      const idx = c.local(i32), bi = c.local(i32), rem = c.local(i32), r0 = c.local(i32), c0 = c.local(i32);
      const bp = c.local(i32);
      c.block((done) => {
        c.loop((next) => {
          c.set(idx, I.atomicAdd(counter, 1));
          c.brIf(done, I.geS(idx, total));
          c.set(bi, I.divU(idx, perBatch));
          c.set(rem, I.remU(idx, perBatch));
          c.set(r0, I.mul(I.divU(rem, perRow), rows));
          c.set(c0, I.mul(I.remU(rem, perRow), cols));
          // strip c0 / NR of the prepacked B starts c0 / NR * k * NR = c0 * k floats in
          c.set(bp, 0);
          c.if(bpre, () => c.set(bp, I.add(I.add(bpre, I.mul(bi, bpBatch)), I.shl(I.mul(c0, k), 2))));
          c.call(gemmCore, [
            I.add(I.add(a, I.shl(I.mul(bi, sba), 2)), I.shl(I.mul(r0, rsa), 2)),
            rsa,
            csa,
            I.add(I.add(b, I.shl(I.mul(bi, sbb), 2)), I.shl(I.mul(c0, csb), 2)),
            rsb,
            csb,
            bp,
            I.add(I.add(cp, I.shl(I.mul(bi, sbc), 2)), I.shl(I.add(I.mul(r0, ldc), c0), 2)),
            ldc,
            I.minS(rows, I.sub(m, r0)),
            I.minS(cols, I.sub(n, c0)),
            k,
            work,
          ]);
          c.br(next);
        });
      });
    },
  );
}
