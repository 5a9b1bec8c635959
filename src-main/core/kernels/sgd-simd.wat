;; One SGD-with-momentum step (PyTorch's form) over float32 vectors with WebAssembly SIMD (issue
;; #14 item 4). Source of the bytes in sgd-simd-bytes.ts (regenerate: node scripts/build-wasm.cjs;
;; a test checks that they match). Imports TF.js WASM's memory and reads and writes TF.js tensors
;; there (wasm-sgd.ts passes their byte offsets). The arithmetic is core/supernet/sgd-momentum.ts's
;; tensor form, op for op and in the same order, so each element gets the same float32 bits:
;;   d ← g + w·wd (d ← g when wd = 0);  b' ← b·μ + d;  w' ← w − b'·lr
;; n elements; SIMD for the first 4·floor(n/4), scalar for the rest (TF.js buffers are not padded).
(module
  (import "env" "memory" (memory 1))
  (func (export "sgd")
    (param $w i32) (param $b i32) (param $g i32) (param $wOut i32) (param $bOut i32) (param $n i32)
    (param $wd f32) (param $mu f32) (param $lr f32)
    (local $i i32) (local $vend i32) (local $end i32)
    (local $vwd v128) (local $vmu v128) (local $vlr v128) (local $vw v128) (local $d v128) (local $nb v128)
    (local $sw f32) (local $sd f32) (local $sb f32)
    (local.set $vwd (f32x4.splat (local.get $wd)))
    (local.set $vmu (f32x4.splat (local.get $mu)))
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.and (local.get $end) (i32.const -16)))
    (block $vdone
      (loop $vnext
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $vend)))
        (local.set $vw (v128.load (i32.add (local.get $w) (local.get $i))))
        (local.set $d (v128.load (i32.add (local.get $g) (local.get $i))))
        (if (f32.ne (local.get $wd) (f32.const 0))
          (then (local.set $d (f32x4.add (local.get $d) (f32x4.mul (local.get $vw) (local.get $vwd))))))
        (local.set $nb (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $b) (local.get $i))) (local.get $vmu)) (local.get $d)))
        (v128.store (i32.add (local.get $bOut) (local.get $i)) (local.get $nb))
        (v128.store (i32.add (local.get $wOut) (local.get $i)) (f32x4.sub (local.get $vw) (f32x4.mul (local.get $nb) (local.get $vlr))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vnext)))
    (block $sdone
      (loop $snext
        (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $sw (f32.load (i32.add (local.get $w) (local.get $i))))
        (local.set $sd (f32.load (i32.add (local.get $g) (local.get $i))))
        (if (f32.ne (local.get $wd) (f32.const 0))
          (then (local.set $sd (f32.add (local.get $sd) (f32.mul (local.get $sw) (local.get $wd))))))
        (local.set $sb (f32.add (f32.mul (f32.load (i32.add (local.get $b) (local.get $i))) (local.get $mu)) (local.get $sd)))
        (f32.store (i32.add (local.get $bOut) (local.get $i)) (local.get $sb))
        (f32.store (i32.add (local.get $wOut) (local.get $i)) (f32.sub (local.get $sw) (f32.mul (local.get $sb) (local.get $lr))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $snext))))
)
