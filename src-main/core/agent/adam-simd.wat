;; One Adam step over float32 vectors with WebAssembly SIMD (issue #14: the agent's speed).
;; Source of the bytes in adam-simd-bytes.ts (regenerate: node scripts/build-wasm.cjs; a test
;; checks that they match). The arithmetic is flat-adam.ts's tensor form, op for op and in the
;; same order, so each lane gives the same float32 bits:
;;   m ← m·β₁ + g·(1−β₁);  v ← v·β₂ + (g·g)·(1−β₂);  θ ← θ − (m·s) / (√v + ε̂)
;; All pointers are byte offsets into the imported memory (flat-adam.ts's own, or the MLP
;; kernels' in simd-networks.ts, so that θ and the gradient need no copy), 16-byte aligned;
;; `bytes` is the length of each vector in bytes, a multiple of 16 (the caller pads with zeros).
(module
  (import "env" "memory" (memory 1))
  (func (export "adam")
    (param $m i32) (param $v i32) (param $th i32) (param $g i32) (param $bytes i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $s f32) (param $e f32)
    (local $i i32)
    (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128) (local $vs v128) (local $ve v128)
    (local $gv v128) (local $m1 v128) (local $v1 v128)
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $vs (f32x4.splat (local.get $s)))
    (local.set $ve (f32x4.splat (local.get $e)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
        (local.set $m1
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $vb1))
            (f32x4.mul (local.get $gv) (local.get $vc1))))
        (local.set $v1
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $vb2))
            (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vc2))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $m1))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $v1))
        (v128.store (i32.add (local.get $th) (local.get $i))
          (f32x4.sub
            (v128.load (i32.add (local.get $th) (local.get $i)))
            (f32x4.div
              (f32x4.mul (local.get $m1) (local.get $vs))
              (f32x4.add (f32x4.sqrt (local.get $v1)) (local.get $ve)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))
)
