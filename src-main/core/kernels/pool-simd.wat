;; NAS-Bench-201's 3×3 average pool (stride 1, padding 1, valid cells only) over NHWC float32
;; with WebAssembly SIMD (issue #14 item 4). Source of the bytes in pool-simd-bytes.ts
;; (regenerate: node scripts/build-wasm.cjs; a test checks that they match). Imports TF.js
;; WASM's memory and works on TF.js tensors in place (wasm-avg-pool.ts passes byte offsets).
;; It is fast-ops.ts's composition in one pass, with its float32 arithmetic:
;;   forward  y = (avgPool3x3_valid(pad₀(x)) · 9) / count    (count: valid cells of the window)
;;   backward dx = avgPool3x3_valid(pad₀(dy / count)) · 9
;; where avgPool3x3 is TF.js WASM's (XNNPACK's 9-tap kernel): the taps in column-major order
;; t0..t8 summed as ((t2+t3)+(t4+t5)) + (((t0+t1)+t8)+(t6+t7)), times f32(1/9).
(module
  (import "env" "memory" (memory 1))

  ;; Tap (dy, dx) of the window at pixel (i, j) of image n: x there, divided by its count in
  ;; backward mode; zero outside the image.
  (func $tap (param $x i32) (param $counts i32) (param $backward i32) (param $n i32) (param $i i32) (param $j i32)
    (param $H i32) (param $W i32) (param $row i32) (param $cg i32) (result v128)
    (local $p i32)
    (if (i32.or (i32.or (i32.lt_s (local.get $i) (i32.const 0)) (i32.ge_s (local.get $i) (local.get $H)))
                (i32.or (i32.lt_s (local.get $j) (i32.const 0)) (i32.ge_s (local.get $j) (local.get $W))))
      (then (return (v128.const f32x4 0 0 0 0))))
    (local.set $p (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $i)) (local.get $W)) (local.get $j)))
    (if (result v128) (local.get $backward)
      (then
        (f32x4.div (v128.load (i32.add (local.get $x) (i32.add (i32.mul (local.get $p) (local.get $row)) (local.get $cg))))
          (f32x4.splat (f32.load (i32.add (local.get $counts) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $W)) (local.get $j)) (i32.const 2)))))))
      (else (v128.load (i32.add (local.get $x) (i32.add (i32.mul (local.get $p) (local.get $row)) (local.get $cg)))))))

  (func (export "box")
    (param $x i32) (param $out i32) (param $counts i32) (param $backward i32)
    (param $N i32) (param $H i32) (param $W i32) (param $C i32)
    (local $n i32) (local $i i32) (local $j i32) (local $cg i32) (local $row i32) (local $o i32)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $t4 v128)
    (local $t5 v128) (local $t6 v128) (local $t7 v128) (local $t8 v128) (local $s v128)
    (local.set $row (i32.shl (local.get $C) (i32.const 2)))
    (block $dn (loop $ln
      (br_if $dn (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $i (i32.const 0))
      (block $di (loop $li
        (br_if $di (i32.ge_u (local.get $i) (local.get $H)))
        (local.set $j (i32.const 0))
        (block $dj (loop $lj
          (br_if $dj (i32.ge_u (local.get $j) (local.get $W)))
          (local.set $cg (i32.const 0))
          (block $dc (loop $lc
            (br_if $dc (i32.ge_u (local.get $cg) (local.get $row)))
            ;; column-major taps: t0..t2 the left column top to bottom, then the middle, the right
            (local.set $t0 (call $tap (local.get $x) (local.get $counts) (local.get $backward) (local.get $n) (i32.sub (local.get $i) (i32.const 1)) (i32.sub (local.get $j) (i32.const 1)) (local.get $H) (local.get $W) (local.get $row) (local.get $cg)))
            (local.set $t1 (call $tap (local.get $x) (local.get $counts) (local.get $backward) (local.get $n) (local.get $i) (i32.sub (local.get $j) (i32.const 1)) (local.get $H) (local.get $W) (local.get $row) (local.get $cg)))
            (local.set $t2 (call $tap (local.get $x) (local.get $counts) (local.get $backward) (local.get $n) (i32.add (local.get $i) (i32.const 1)) (i32.sub (local.get $j) (i32.const 1)) (local.get $H) (local.get $W) (local.get $row) (local.get $cg)))
            (local.set $t3 (call $tap (local.get $x) (local.get $counts) (local.get $backward) (local.get $n) (i32.sub (local.get $i) (i32.const 1)) (local.get $j) (local.get $H) (local.get $W) (local.get $row) (local.get $cg)))
            (local.set $t4 (call $tap (local.get $x) (local.get $counts) (local.get $backward) (local.get $n) (local.get $i) (local.get $j) (local.get $H) (local.get $W) (local.get $row) (local.get $cg)))
            (local.set $t5 (call $tap (local.get $x) (local.get $counts) (local.get $backward) (local.get $n) (i32.add (local.get $i) (i32.const 1)) (local.get $j) (local.get $H) (local.get $W) (local.get $row) (local.get $cg)))
            (local.set $t6 (call $tap (local.get $x) (local.get $counts) (local.get $backward) (local.get $n) (i32.sub (local.get $i) (i32.const 1)) (i32.add (local.get $j) (i32.const 1)) (local.get $H) (local.get $W) (local.get $row) (local.get $cg)))
            (local.set $t7 (call $tap (local.get $x) (local.get $counts) (local.get $backward) (local.get $n) (local.get $i) (i32.add (local.get $j) (i32.const 1)) (local.get $H) (local.get $W) (local.get $row) (local.get $cg)))
            (local.set $t8 (call $tap (local.get $x) (local.get $counts) (local.get $backward) (local.get $n) (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $j) (i32.const 1)) (local.get $H) (local.get $W) (local.get $row) (local.get $cg)))
            (local.set $s
              (f32x4.add
                (f32x4.add (f32x4.add (local.get $t2) (local.get $t3)) (f32x4.add (local.get $t4) (local.get $t5)))
                (f32x4.add (f32x4.add (f32x4.add (local.get $t0) (local.get $t1)) (local.get $t8)) (f32x4.add (local.get $t6) (local.get $t7)))))
            (local.set $s (f32x4.mul (f32x4.mul (local.get $s) (f32x4.splat (f32.const 0x1.c71c72p-4))) (f32x4.splat (f32.const 9))))
            (local.set $o (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $i)) (local.get $W)) (local.get $j)) (local.get $row)) (local.get $cg)))
            (if (i32.eqz (local.get $backward))
              (then (local.set $s (f32x4.div (local.get $s)
                (f32x4.splat (f32.load (i32.add (local.get $counts) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $W)) (local.get $j)) (i32.const 2)))))))))
            (v128.store (i32.add (local.get $out) (local.get $o)) (local.get $s))
            (local.set $cg (i32.add (local.get $cg) (i32.const 16)))
            (br $lc)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $lj)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $li)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $ln)))
  )
)
