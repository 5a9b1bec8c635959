;; NAS-Bench-201's 3×3 average pool (stride 1, padding 1, valid cells only) over NHWC float32
;; with WebAssembly SIMD (issue #14 item 4). Source of the bytes in pool-simd-bytes.ts
;; (regenerate: node scripts/build-wasm.cjs; a test checks that they match). Imports TF.js
;; WASM's memory and works on TF.js tensors in place (wasm-avg-pool.ts passes byte offsets).
;; It is fast-ops.ts's composition with its float32 arithmetic, in one pass each way:
;;   forward  y = (avgPool3x3_valid(pad0(x)) * 9) / count      (count: valid cells of the window)
;;   backward dx = avgPool3x3_valid(pad0(dy / count)) * 9      (divide, then box)
;; where avgPool3x3 is TF.js WASM's (XNNPACK's 9-tap kernel): the taps in column-major order
;; t0..t8 summed as ((t2+t3)+(t4+t5)) + (((t0+t1)+t8)+(t6+t7)), times f32(1/9). Taps outside the
;; image are the padding's zeros. C is a multiple of 4; counts holds H·W floats.
(module
  (import "env" "memory" (memory 1))

  ;; out[n,i,j,:] = x[n,i,j,:] / counts[i,j]
  (func (export "divide") (param $x i32) (param $out i32) (param $counts i32) (param $N i32) (param $H i32) (param $W i32) (param $C i32)
    (local $p i32) (local $hw i32) (local $pixels i32) (local $cg i32) (local $pix i32) (local $q i32) (local $cnt v128)
    (local.set $pix (i32.shl (local.get $C) (i32.const 2)))
    (local.set $hw (i32.mul (local.get $H) (local.get $W)))
    (local.set $pixels (i32.mul (local.get $N) (local.get $hw)))
    (block $dp (loop $lp
      (br_if $dp (i32.ge_u (local.get $p) (local.get $pixels)))
      (local.set $cnt (v128.load32_splat (i32.add (local.get $counts) (i32.shl (i32.rem_u (local.get $p) (local.get $hw)) (i32.const 2)))))
      (local.set $q (i32.mul (local.get $p) (local.get $pix)))
      (local.set $cg (i32.const 0))
      (block $dc (loop $lc
        (br_if $dc (i32.ge_u (local.get $cg) (local.get $pix)))
        (v128.store (i32.add (local.get $out) (i32.add (local.get $q) (local.get $cg)))
          (f32x4.div (v128.load (i32.add (local.get $x) (i32.add (local.get $q) (local.get $cg)))) (local.get $cnt)))
        (local.set $cg (i32.add (local.get $cg) (i32.const 16)))
        (br $lc)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $lp))))

  ;; out = box average of x as above; divides by counts when $divide is not 0 (forward).
  (func (export "box")
    (param $x i32) (param $out i32) (param $counts i32) (param $divide i32)
    (param $N i32) (param $H i32) (param $W i32) (param $C i32)
    (local $n i32) (local $i i32) (local $j i32) (local $cg i32) (local $pix i32) (local $rowb i32)
    (local $base i32) (local $q i32) (local $o i32)
    (local $up i32) (local $down i32) (local $left i32) (local $right i32) (local $cnt v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $t4 v128)
    (local $t5 v128) (local $t6 v128) (local $t7 v128) (local $t8 v128) (local $s v128)
    (local.set $pix (i32.shl (local.get $C) (i32.const 2)))
    (local.set $rowb (i32.mul (local.get $W) (local.get $pix)))
    (block $dn (loop $ln
      (br_if $dn (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $i (i32.const 0))
      (block $di (loop $li
        (br_if $di (i32.ge_u (local.get $i) (local.get $H)))
        (local.set $up (i32.gt_u (local.get $i) (i32.const 0)))
        (local.set $down (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $H)))
        (local.set $j (i32.const 0))
        (block $dj (loop $lj
          (br_if $dj (i32.ge_u (local.get $j) (local.get $W)))
          (local.set $left (i32.gt_u (local.get $j) (i32.const 0)))
          (local.set $right (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $W)))
          (local.set $base (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $i)) (local.get $W)) (local.get $j)) (local.get $pix)))
          (local.set $cnt (v128.load32_splat (i32.add (local.get $counts) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $W)) (local.get $j)) (i32.const 2)))))
          (local.set $cg (i32.const 0))
          (block $dc (loop $lc
            (br_if $dc (i32.ge_u (local.get $cg) (local.get $pix)))
            (local.set $q (i32.add (local.get $x) (i32.add (local.get $base) (local.get $cg))))
            (local.set $t0 (if (result v128) (i32.and (local.get $up) (local.get $left)) (then (v128.load (i32.sub (i32.sub (local.get $q) (local.get $rowb)) (local.get $pix)))) (else (v128.const f32x4 0 0 0 0))))
            (local.set $t1 (if (result v128) (local.get $left) (then (v128.load (i32.sub (local.get $q) (local.get $pix)))) (else (v128.const f32x4 0 0 0 0))))
            (local.set $t2 (if (result v128) (i32.and (local.get $down) (local.get $left)) (then (v128.load (i32.sub (i32.add (local.get $q) (local.get $rowb)) (local.get $pix)))) (else (v128.const f32x4 0 0 0 0))))
            (local.set $t3 (if (result v128) (local.get $up) (then (v128.load (i32.sub (local.get $q) (local.get $rowb)))) (else (v128.const f32x4 0 0 0 0))))
            (local.set $t4 (v128.load (local.get $q)))
            (local.set $t5 (if (result v128) (local.get $down) (then (v128.load (i32.add (local.get $q) (local.get $rowb)))) (else (v128.const f32x4 0 0 0 0))))
            (local.set $t6 (if (result v128) (i32.and (local.get $up) (local.get $right)) (then (v128.load (i32.add (i32.sub (local.get $q) (local.get $rowb)) (local.get $pix)))) (else (v128.const f32x4 0 0 0 0))))
            (local.set $t7 (if (result v128) (local.get $right) (then (v128.load (i32.add (local.get $q) (local.get $pix)))) (else (v128.const f32x4 0 0 0 0))))
            (local.set $t8 (if (result v128) (i32.and (local.get $down) (local.get $right)) (then (v128.load (i32.add (i32.add (local.get $q) (local.get $rowb)) (local.get $pix)))) (else (v128.const f32x4 0 0 0 0))))
            (local.set $s
              (f32x4.add
                (f32x4.add (f32x4.add (local.get $t2) (local.get $t3)) (f32x4.add (local.get $t4) (local.get $t5)))
                (f32x4.add (f32x4.add (f32x4.add (local.get $t0) (local.get $t1)) (local.get $t8)) (f32x4.add (local.get $t6) (local.get $t7)))))
            (local.set $s (f32x4.mul (f32x4.mul (local.get $s) (f32x4.splat (f32.const 0x1.c71c72p-4))) (f32x4.splat (f32.const 9))))
            (if (local.get $divide) (then (local.set $s (f32x4.div (local.get $s) (local.get $cnt)))))
            (v128.store (i32.add (local.get $out) (i32.add (local.get $base) (local.get $cg))) (local.get $s))
            (local.set $cg (i32.add (local.get $cg) (i32.const 16)))
            (br $lc)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $lj)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $li)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $ln))))
)
