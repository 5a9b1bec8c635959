;; The ReLU gradient over float32 with WebAssembly SIMD, in place on TF.js WASM's memory (issue
;; #14 item 4). Source of the bytes in relu-simd-bytes.ts (regenerate: node scripts/build-wasm.cjs;
;; a test checks that they match). TF.js's own gradient is three kernels, dy · cast(step(x)):
;; this is the same arithmetic in one pass, out = dy · s with s = 1 where x > 0, NaN where x is
;; NaN, else 0 (TF.js WASM's Step), so the same float32 values, signs of zero included.
;; relu: max(x, 0) compared as signed 32-bit integers, as XNNPACK's WASM SIMD ReLU that TF.js
;; WASM's Relu runs: the same bits (−0 and NaNs with the sign bit set give +0, other NaNs stay).
(module
  (import "env" "memory" (memory 1))
  (func (export "relu") (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $end i32) (local $v i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $i) (local.get $end4)))
      (v128.store (i32.add (local.get $out) (local.get $i)) (i32x4.max_s (v128.load (i32.add (local.get $x) (local.get $i))) (v128.const i32x4 0 0 0 0)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l4)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $v (i32.load (i32.add (local.get $x) (local.get $i))))
      (i32.store (i32.add (local.get $out) (local.get $i)) (select (local.get $v) (i32.const 0) (i32.gt_s (local.get $v) (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l1))))
  (func (export "reluGrad") (param $x i32) (param $dy i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $end i32) (local $v v128) (local $s v128) (local $xs f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
      (local.set $s (v128.and (f32x4.gt (local.get $v) (f32x4.splat (f32.const 0))) (f32x4.splat (f32.const 1))))
      (local.set $s (v128.bitselect (local.get $v) (local.get $s) (f32x4.ne (local.get $v) (local.get $v))))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i))) (local.get $s)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l4)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $xs (f32.load (i32.add (local.get $x) (local.get $i))))
      (f32.store (i32.add (local.get $out) (local.get $i))
        (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i)))
          (select (local.get $xs) (select (f32.const 1) (f32.const 0) (f32.gt (local.get $xs) (f32.const 0))) (f32.ne (local.get $xs) (local.get $xs)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l1))))
)
