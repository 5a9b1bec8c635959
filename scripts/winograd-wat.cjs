#!/usr/bin/env node
'use strict';
/**
 * Writes src-main/core/kernels/winograd-simd.wat, the Winograd F(2×2, 3×3) and F(4×4, 3×3)
 * transforms (issue #14 item 4), whose fully unrolled tile arithmetic is too long to keep in step
 * by hand: each 2-D transform is a 1-D one (the functions below, with the matrices of Lavin & Gray
 * 2016) along the rows of a tile and then along the columns of the result, emitted as straight
 * WebAssembly SIMD code. Run after editing this file, then node scripts/build-wasm.cjs for the
 * bytes (test/unit/flat-adam.test.ts fails while the .wat or the bytes differ from what this and
 * build-wasm.cjs produce). The order of operations in each 1-D transform is the float32
 * arithmetic of the kernels: changing it changes their results (bench/supernet-fingerprint.cjs).
 */
const fs = require('node:fs');
const path = require('node:path');

const get = (n) => `(local.get $${n})`;
const add = (a, b) => `(f32x4.add ${a} ${b})`;
const sub = (a, b) => `(f32x4.sub ${a} ${b})`;
const neg = (a) => `(f32x4.neg ${a})`;
const mul = (a, k) => `(f32x4.mul ${a} (local.get $${k}))`;
const set = (n, e) => `(local.set $${n} ${e})`;
const I = '        ';

/** The constants the 1-D transforms multiply by (v128 locals of every function). */
const CONSTANTS = { half: 0.5, k2: 2, k4: 4, k5: 5, k8: 8, kq: 0.25, km6: -1 / 6, k24: 1 / 24, k6: 1 / 6, k12: 1 / 12 };

/**
 * The 1-D transforms of one variant: each takes the names of its inputs and a prefix for
 * temporaries and returns [statements, output expressions].
 */
const F2 = {
  m: 2,
  // Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
  input: (d) => [[], [sub(get(d[0]), get(d[2])), add(get(d[1]), get(d[2])), sub(get(d[2]), get(d[1])), sub(get(d[1]), get(d[3]))]],
  // G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
  filter: (g) => [[], [get(g[0]), mul(add(add(get(g[0]), get(g[1])), get(g[2])), 'half'), mul(add(sub(get(g[0]), get(g[1])), get(g[2])), 'half'), get(g[2])]],
  // Aᵀ = [1 1 1 0; 0 1 −1 −1]
  output: (m) => [[], [add(add(get(m[0]), get(m[1])), get(m[2])), sub(sub(get(m[1]), get(m[2])), get(m[3]))]],
  // A = (Aᵀ)ᵀ
  dy: (y) => [[], [get(y[0]), add(get(y[0]), get(y[1])), sub(get(y[0]), get(y[1])), neg(get(y[1]))]],
  // Gᵀ
  filterGrad: (m) => [[], [add(get(m[0]), mul(add(get(m[1]), get(m[2])), 'half')), mul(sub(get(m[1]), get(m[2])), 'half'), add(mul(add(get(m[1]), get(m[2])), 'half'), get(m[3]))]],
  // A dY Aᵀ along the columns first, then the rows (the order this variant was first written in)
  dyColumnsFirst: true,
};

const F4 = {
  m: 4,
  // Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
  input: (d, p) => [
    [set(`${p}a`, sub(get(d[4]), mul(get(d[2]), 'k4'))), set(`${p}b`, sub(get(d[3]), mul(get(d[1]), 'k4'))), set(`${p}c`, sub(get(d[4]), get(d[2]))), set(`${p}d`, mul(sub(get(d[3]), get(d[1])), 'k2'))],
    [sub(add(get(d[4]), mul(get(d[0]), 'k4')), mul(get(d[2]), 'k5')), add(get(`${p}a`), get(`${p}b`)), sub(get(`${p}a`), get(`${p}b`)),
      add(get(`${p}c`), get(`${p}d`)), sub(get(`${p}c`), get(`${p}d`)), sub(add(get(d[5]), mul(get(d[1]), 'k4')), mul(get(d[3]), 'k5'))],
  ],
  // G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1]
  filter: (g) => [[], [mul(get(g[0]), 'kq'), mul(add(add(get(g[0]), get(g[1])), get(g[2])), 'km6'), mul(add(sub(get(g[0]), get(g[1])), get(g[2])), 'km6'),
    mul(add(add(get(g[0]), mul(get(g[1]), 'k2')), mul(get(g[2]), 'k4')), 'k24'), mul(add(sub(get(g[0]), mul(get(g[1]), 'k2')), mul(get(g[2]), 'k4')), 'k24'), get(g[2])]],
  // Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
  output: (m, p) => [
    [set(`${p}a`, add(get(m[1]), get(m[2]))), set(`${p}b`, sub(get(m[1]), get(m[2]))), set(`${p}c`, add(get(m[3]), get(m[4]))), set(`${p}d`, sub(get(m[3]), get(m[4])))],
    [add(add(get(m[0]), get(`${p}a`)), get(`${p}c`)), add(get(`${p}b`), mul(get(`${p}d`), 'k2')), add(get(`${p}a`), mul(get(`${p}c`), 'k4')), add(add(get(`${p}b`), mul(get(`${p}d`), 'k8')), get(m[5]))],
  ],
  dy: (y, p) => [
    [set(`${p}a`, add(get(y[0]), get(y[2]))), set(`${p}b`, add(get(y[1]), get(y[3]))), set(`${p}c`, add(get(y[0]), mul(get(y[2]), 'k4'))), set(`${p}d`, add(mul(get(y[1]), 'k2'), mul(get(y[3]), 'k8')))],
    [get(y[0]), add(get(`${p}a`), get(`${p}b`)), sub(get(`${p}a`), get(`${p}b`)), add(get(`${p}c`), get(`${p}d`)), sub(get(`${p}c`), get(`${p}d`)), get(y[3])],
  ],
  filterGrad: (m, p) => [
    [set(`${p}a`, add(get(m[1]), get(m[2]))), set(`${p}b`, sub(get(m[2]), get(m[1]))), set(`${p}c`, add(get(m[3]), get(m[4]))), set(`${p}d`, sub(get(m[3]), get(m[4])))],
    [add(sub(mul(get(m[0]), 'kq'), mul(get(`${p}a`), 'k6')), mul(get(`${p}c`), 'k24')), add(mul(get(`${p}b`), 'k6'), mul(get(`${p}d`), 'k12')), add(mul(sub(get(`${p}c`), get(`${p}a`)), 'k6'), get(m[5]))],
  ],
  dyColumnsFirst: false,
};

/**
 * A 2-D transform of an inR × inC tile into outR × outC: `f` along each row (inC → outC), then
 * along each column of that (inR → outR); with columnsFirst the other way round. load(r, c) is
 * an input's expression, store(r, c, e) the statement that stores output (r, c).
 */
function twoD(inR, inC, outR, outC, f, load, store, columnsFirst = false) {
  const st = [];
  // Columns first is rows first on the transposed tile: the same expressions for every output.
  if (columnsFirst) return twoD(inC, inR, outC, outR, f, (r, c) => load(c, r), (r, c, e) => store(c, r, e));
  for (let r = 0; r < inR; r++) {
    for (let c = 0; c < inC; c++) st.push(`${I}${set(`x${c}`, load(r, c))}`);
    const [s, o] = f([...Array(inC).keys()].map((c) => `x${c}`), 'q');
    st.push(...s.map((x) => I + x));
    for (let c = 0; c < outC; c++) st.push(`${I}${set(`t${r}_${c}`, o[c])}`);
  }
  for (let c = 0; c < outC; c++) {
    const [s, o] = f([...Array(inR).keys()].map((r) => `t${r}_${c}`), 'q');
    st.push(...s.map((x) => I + x));
    for (let r = 0; r < outR; r++) st.push(`${I}${store(r, c, o[r])}`);
  }
  return st;
}

const range = (n) => [...Array(n).keys()];
const i32 = (names) => names.map((n) => `(local $${n} i32)`).join(' ');
const v128 = (names) => names.map((n) => `(local $${n} v128)`).join(' ');
const constants = () => Object.entries(CONSTANTS).map(([k, v]) => { const f = Math.fround(v); return `(local.set $${k} (v128.const f32x4 ${f} ${f} ${f} ${f}))`; }).join('\n    ');

/** The five functions of one variant (suffix '' for F(2×2), '4' for F(4×4)). */
function variant(t, suffix) {
  const m = t.m, a = m + 2;
  const planes = range(a).flatMap((r) => range(a).map((c) => `o${r}_${c}`));
  const setPlanes = (plane) => planes.map((o, p) => `(local.set $${o} (i32.mul (i32.const ${p}) (local.get $${plane})))`).join(' ');
  const taps = range(9).map((k) => `g${k}`);
  const setTaps = taps.map((x, k) => `(local.set $${x} (i32.mul (i32.const ${k}) (local.get $size)))`).join(' ');
  const values = (inR, inC, outR, outC, colsFirst = false) => v128([...Object.keys(CONSTANTS), 'qa', 'qb', 'qc', 'qd', ...range(Math.max(inR, inC)).map((i) => `x${i}`),
    ...(colsFirst ? range(inC).flatMap((c) => range(outR).map((r) => `t${c}_${r}`)) : range(inR).flatMap((r) => range(outC).map((c) => `t${r}_${c}`)))]);
  const storePlane = (r, c, e) => `(v128.store (i32.add (local.get $dst) (local.get $o${r}_${c})) ${e})`;
  const loadPlane = (r, c) => `(v128.load (i32.add (local.get $src) (local.get $o${r}_${c})))`;
  const rows = range(a).map((r) => `r${r}`), cols = range(a).slice(1).map((c) => `c${c}`);
  const offs = [...range(m).map((r) => `ry${r}`), ...range(m).map((c) => `cx${c}`)];
  const setOffs = (rowBytes, colBytes) => range(m).slice(1).map((k) => `(local.set $ry${k} (i32.mul (local.get $${rowBytes}) (i32.const ${k}))) (local.set $cx${k} (i32.mul (local.get $${colBytes}) (i32.const ${k})))`).join('\n    ');
  const n = (name) => `${name}${suffix}`;
  const loop = (v, limit, body, step = '(i32.const 1)') => `(local.set $${v} (i32.const 0))
    (block $d${v} (loop $l${v} (br_if $d${v} (i32.ge_u (local.get $${v}) ${limit}))
${body}
      (local.set $${v} (i32.add (local.get $${v}) ${step}))
      (br $l${v})))`;
  return `
  ;; ${n('inTf')}: V from the padded input
  (func (export "${n('inTf')}") (param $xp i32) (param $v i32) (param $plane i32) (param $n i32) (param $hp i32) (param $wp i32) (param $ci i32) (param $th i32) (param $tw i32)
    (local $b i32) (local $i i32) (local $j i32) (local $c i32) (local $ps i32) (local $rs i32) (local $base i32) (local $dst i32)
    ${i32([...rows, ...cols, ...planes])}
    ${values(a, a, a, a)}
    ${constants()}
    (local.set $ps (i32.shl (local.get $ci) (i32.const 2)))
    (local.set $rs (i32.mul (local.get $wp) (local.get $ps)))
    ${cols.map((c, k) => `(local.set $${c} (i32.mul (local.get $ps) (i32.const ${k + 1})))`).join(' ')}
    ${setPlanes('plane')}
    (local.set $dst (local.get $v))
    ${loop('b', '(local.get $n)', `    ${loop('i', '(local.get $th)', `    (local.set $base (i32.add (local.get $xp) (i32.mul (i32.add (i32.mul (local.get $b) (local.get $hp)) (i32.mul (local.get $i) (i32.const ${m}))) (local.get $rs))))
    ${loop('j', '(local.get $tw)', `      ${loop('c', '(local.get $ps)', `        (local.set $r0 (i32.add (local.get $base) (local.get $c)))
        ${rows.slice(1).map((r, k) => `(local.set $${r} (i32.add (local.get $r${k}) (local.get $rs)))`).join(' ')}
${twoD(a, a, a, a, t.input, (r, c) => (c === 0 ? `(v128.load (local.get $r${r}))` : `(v128.load (i32.add (local.get $r${r}) (local.get $c${c})))`), storePlane).join('\n')}
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))`, '(i32.const 16)')}
      ;; the next tile's input starts ${m} columns on
      (local.set $base (i32.add (local.get $base) (i32.mul (local.get $ps) (i32.const ${m}))))`)}`)}`)}
  )

  ;; ${n('fTf')}: U from the filter (ci·co a multiple of 4); a tap of g is [ci][co] as a plane of U
  (func (export "${n('fTf')}") (param $w i32) (param $u i32) (param $uplane i32) (param $ci i32) (param $co i32)
    (local $c i32) (local $size i32) (local $src i32) (local $dst i32)
    ${i32([...taps, ...planes])}
    ${values(3, 3, a, a)}
    ${constants()}
    (local.set $size (i32.shl (i32.mul (local.get $ci) (local.get $co)) (i32.const 2)))
    ${setTaps}
    ${setPlanes('uplane')}
    ${loop('c', '(local.get $size)', `      (local.set $src (i32.add (local.get $w) (local.get $c)))
      (local.set $dst (i32.add (local.get $u) (local.get $c)))
${twoD(3, 3, a, a, t.filter, (r, c) => `(v128.load (i32.add (local.get $src) (local.get $g${3 * r + c})))`, storePlane).join('\n')}`, '(i32.const 16)')}
  )

  ;; ${n('outTf')}: the output from M (co a multiple of 4); tile rows and columns past oh, ow are not stored
  (func (export "${n('outTf')}") (param $m i32) (param $plane i32) (param $out i32) (param $n i32) (param $oh i32) (param $ow i32) (param $co i32) (param $th i32) (param $tw i32)
    (local $b i32) (local $i i32) (local $j i32) (local $o i32) (local $cs i32) (local $src i32) (local $p i32) (local $rowsLeft i32) (local $colsLeft i32) (local $rowBytes i32)
    ${i32([...offs, ...planes])}
    ${values(a, a, m, m)}
    ${constants()}
    (local.set $cs (i32.shl (local.get $co) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $ow) (local.get $cs)))
    ${setOffs('rowBytes', 'cs')}
    ${setPlanes('plane')}
    (local.set $src (local.get $m))
    ${loop('b', '(local.get $n)', `    ${loop('i', '(local.get $th)', `    (local.set $rowsLeft (i32.sub (local.get $oh) (i32.mul (local.get $i) (i32.const ${m}))))
    ${loop('j', '(local.get $tw)', `      (local.set $colsLeft (i32.sub (local.get $ow) (i32.mul (local.get $j) (i32.const ${m}))))
      ${loop('o', '(local.get $cs)', `        (local.set $p (i32.add (i32.add (local.get $out) (local.get $o))
          (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (i32.mul (local.get $i) (i32.const ${m}))) (local.get $ow)) (i32.mul (local.get $j) (i32.const ${m}))) (local.get $cs))))
${twoD(a, a, m, m, t.output, loadPlane, (r, c, e) => `(if (i32.and (i32.lt_u (i32.const ${r}) (local.get $rowsLeft)) (i32.lt_u (i32.const ${c}) (local.get $colsLeft))) (then (v128.store (i32.add (local.get $p) (i32.add (local.get $ry${r}) (local.get $cx${c}))) ${e})))`).join('\n')}
        (local.set $src (i32.add (local.get $src) (i32.const 16)))`, '(i32.const 16)')}`)}`)}`)}
  )

  ;; ${n('dyTf')}: Z from dY zero-padded to [n, ${m}·th, ${m}·tw, co] (co a multiple of 4)
  (func (export "${n('dyTf')}") (param $dy i32) (param $z i32) (param $plane i32) (param $n i32) (param $co i32) (param $th i32) (param $tw i32)
    (local $t i32) (local $o i32) (local $cs i32) (local $rs i32) (local $bt i32) (local $base i32) (local $dst i32) (local $tiles i32)
    ${i32([...offs, ...planes])}
    ${values(m, m, a, a, t.dyColumnsFirst)}
    ${constants()}
    (local.set $cs (i32.shl (local.get $co) (i32.const 2)))
    (local.set $rs (i32.mul (i32.mul (local.get $tw) (i32.const ${m})) (local.get $cs)))
    ${setOffs('rs', 'cs')}
    ${setPlanes('plane')}
    (local.set $tiles (i32.mul (local.get $n) (i32.mul (local.get $th) (local.get $tw))))
    (local.set $dst (local.get $z))
    ${loop('t', '(local.get $tiles)', `      ;; tile t starts at row ${m}·(t / tw) of the stacked images, column ${m}·(t % tw)
      (local.set $bt (i32.add (local.get $dy) (i32.add
        (i32.mul (i32.mul (i32.div_u (local.get $t) (local.get $tw)) (i32.const ${m})) (local.get $rs))
        (i32.mul (i32.mul (i32.rem_u (local.get $t) (local.get $tw)) (i32.const ${m})) (local.get $cs)))))
      ${loop('o', '(local.get $cs)', `        (local.set $base (i32.add (local.get $bt) (local.get $o)))
${twoD(m, m, a, a, t.dy, (r, c) => `(v128.load (i32.add (local.get $base) (i32.add (local.get $ry${r}) (local.get $cx${c}))))`, storePlane, t.dyColumnsFirst).join('\n')}
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))`, '(i32.const 16)')}`)}
  )

  ;; ${n('fgTf')}: the filter gradient [3, 3, ci, co] from Mg (ci·co a multiple of 4)
  (func (export "${n('fgTf')}") (param $mg i32) (param $mplane i32) (param $dw i32) (param $ci i32) (param $co i32)
    (local $c i32) (local $size i32) (local $src i32) (local $dst i32)
    ${i32([...taps, ...planes])}
    ${values(a, a, 3, 3)}
    ${constants()}
    (local.set $size (i32.shl (i32.mul (local.get $ci) (local.get $co)) (i32.const 2)))
    ${setTaps}
    ${setPlanes('mplane')}
    ${loop('c', '(local.get $size)', `      (local.set $src (i32.add (local.get $mg) (local.get $c)))
      (local.set $dst (i32.add (local.get $dw) (local.get $c)))
${twoD(a, a, 3, 3, t.filterGrad, loadPlane, (r, c, e) => `(v128.store (i32.add (local.get $dst) (local.get $g${3 * r + c})) ${e})`).join('\n')}`, '(i32.const 16)')}
  )
`;
}

const HEADER = `;; GENERATED by scripts/winograd-wat.cjs (edit that, then run it and node scripts/build-wasm.cjs).
;; Winograd F(2×2, 3×3) and F(4×4, 3×3) convolutions with WebAssembly SIMD on TF.js WASM's memory
;; (issue #14 item 4; Lavin & Gray 2016, "Fast algorithms for convolutional neural networks").
;; F(m×m, 3×3) computes each m×m block of outputs of a stride-1 3×3 conv from an (m+2)×(m+2) block
;; of the (padded) input, with (m+2)² products per input and output channel instead of 9·m²:
;;   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
;; and the filter gradient of the same computation is dg = Gᵀ [ Σ_tiles (Bᵀ d B) ⊙ (A dY Aᵀ) ] G.
;; F(2×2) (inTf, fTf, outTf, dyTf, fgTf):
;;   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
;;   Aᵀ = [1 1 1 0; 0 1 −1 −1].
;; F(4×4) (inTf4, …; the points 0, ±1, ±2, ∞):
;;   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
;;   G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
;;   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
;; The transforms are here; the (m+2)² products per tile are (m+2)² matrix products per call, which
;; run on conv-simd.wat's conv (as a 1×1 conv) and filterGrad (as a 1×1 filter gradient). Other
;; arithmetic than a direct conv (other roundings, the same math): wasm-winograd.ts says where it
;; is used and test/unit/wasm-winograd.test.ts measures the difference. Layouts, all float32, each
;; 4 channels one f32x4 (channel counts a multiple of 4), P = (m+2)² planes a caller-given number
;; of bytes apart (p = (m+2)·r + s holds element (r, s) of a tile's transform):
;;   x (padded) [n, hp, wp, ci] with hp ≥ m·th + 2, wp ≥ m·tw + 2 (th × tw tiles per image)
;;   V = Bᵀ d B  [P][T][ci] (T = n·th·tw tiles, in image, tile-row, tile-column order)
;;   U = G g Gᵀ  [P][ci][co] from the filter g [3, 3, ci, co]
;;   M = V ⊙ U   [P][T][co] (the products), Y = Aᵀ M A into the output [n, oh, ow, co]
;;   Z = A dY Aᵀ [P][T][co] from dY zero-padded to [n, m·th, m·tw, co]
;;   Mg = Σ_T V ⊙ Z [P][ci][co], dg = Gᵀ Mg G into [3, 3, ci, co]
;; Each 2-D transform is the 1-D one along the rows of the tile, then along the columns of that
;; (F(2×2)'s dY transform: columns first).
`;

function winogradWat() {
  return `${HEADER}(module
  (import "env" "memory" (memory 1))
${variant(F2, '')}${variant(F4, '4')})
`;
}

const WAT = 'src-main/core/kernels/winograd-simd.wat';
module.exports = { winogradWat, WAT };

if (require.main === module) {
  fs.writeFileSync(path.join(__dirname, '..', WAT), winogradWat());
  console.log(`${WAT} written`);
}
