;; Training-mode batch norm over NHWC float32 tensors with WebAssembly SIMD (issue #14 item 4:
;; supernet training on a CPU). Source of the bytes in bn-simd-bytes.ts (regenerate: node
;; scripts/build-wasm.cjs; a test checks that they match). The module imports TF.js WASM's own
;; memory, so it reads and writes TF.js tensors in place (wasm-batch-norm.ts passes their byte
;; offsets). The arithmetic is the TF.js composition's in fast-ops.ts (batchNormTrainTf), op for
;; op and in the same order, 4 channels at a time: P pixels (N·H·W) of C channels, C a multiple
;; of 4. Each lane sums its channel in float32 from the first pixel to the last, as TF.js WASM's
;; Sum and Mean kernels do, so every result has the same float32 bits (the test checks it).
;;   forward:  mean = Σx/P; var = Σ(x−mean)²/P; inv = 1/√(var+ε); x̂ = (x−mean)·inv; y = x̂·γ+β
;;             (outputs y, mean and inv; x̂ is not stored)
;;   backward: x̂ = (x−mean)·inv again; dβ = Σdy; dγ = Σdy·x̂; dx = (dy − dβ/P − x̂·(dγ/P))·(γ·inv)
(module
  (import "env" "memory" (memory 1))


  (func (export "forward")
    (param $x i32) (param $y i32) (param $meanOut i32) (param $gamma i32) (param $beta i32) (param $inv i32)
    (param $P i32) (param $C i32) (param $eps f32)
    (local $cg i32) (local $row i32) (local $end i32) (local $p i32)
    (local $lo v128) (local $v v128) (local $mean v128) (local $istd v128)
    (local $g v128) (local $b v128) (local $n v128) (local $xh v128)
    (local.set $row (i32.shl (local.get $C) (i32.const 2)))
    (local.set $end (i32.mul (local.get $P) (local.get $row)))
    (local.set $n (f32x4.splat (f32.convert_i32_u (local.get $P))))
    (block $groups_done
      (loop $group
        (br_if $groups_done (i32.ge_u (local.get $cg) (local.get $row)))
        ;; Σx
        (local.set $lo (f32x4.splat (f32.const 0)))
        (local.set $p (local.get $cg))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $lo (f32x4.add (local.get $lo) (v128.load (i32.add (local.get $x) (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $row)))
          (br $l1)))
        (local.set $mean (f32x4.div (local.get $lo) (local.get $n)))
        ;; Σ(x − mean)²
        (local.set $lo (f32x4.splat (f32.const 0)))
        (local.set $p (local.get $cg))
        (block $d2 (loop $l2
          (br_if $d2 (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $v (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $p))) (local.get $mean)))
          (local.set $v (f32x4.mul (local.get $v) (local.get $v)))
          (local.set $lo (f32x4.add (local.get $lo) (local.get $v)))
          (local.set $p (i32.add (local.get $p) (local.get $row)))
          (br $l2)))
        (local.set $istd
          (f32x4.div (f32x4.splat (f32.const 1))
            (f32x4.sqrt (f32x4.add (f32x4.splat (local.get $eps))
              (f32x4.div (local.get $lo) (local.get $n))))))
        (v128.store (i32.add (local.get $inv) (local.get $cg)) (local.get $istd))
        (v128.store (i32.add (local.get $meanOut) (local.get $cg)) (local.get $mean))
        (local.set $g (v128.load (i32.add (local.get $gamma) (local.get $cg))))
        (local.set $b (v128.load (i32.add (local.get $beta) (local.get $cg))))
        ;; y (x̂ is not stored: the backward pass computes it again from x, mean and inv, the same bits)
        (local.set $p (local.get $cg))
        (block $d3 (loop $l3
          (br_if $d3 (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $xh (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $p))) (local.get $mean)) (local.get $istd)))
          (v128.store (i32.add (local.get $y) (local.get $p)) (f32x4.add (f32x4.mul (local.get $xh) (local.get $g)) (local.get $b)))
          (local.set $p (i32.add (local.get $p) (local.get $row)))
          (br $l3)))
        (local.set $cg (i32.add (local.get $cg) (i32.const 16)))
        (br $group))))

  (func (export "backward")
    (param $dy i32) (param $x i32) (param $meanIn i32) (param $gamma i32) (param $inv i32)
    (param $dx i32) (param $dgamma i32) (param $dbeta i32) (param $P i32) (param $C i32)
    (local $cg i32) (local $row i32) (local $end i32) (local $p i32)
    (local $blo v128) (local $glo v128)
    (local $d v128) (local $xh v128) (local $t v128) (local $n v128)
    (local $db v128) (local $dg v128) (local $mb v128) (local $mg v128) (local $scale v128) (local $mean v128) (local $istd v128)
    (local.set $row (i32.shl (local.get $C) (i32.const 2)))
    (local.set $end (i32.mul (local.get $P) (local.get $row)))
    (local.set $n (f32x4.splat (f32.convert_i32_u (local.get $P))))
    (block $groups_done
      (loop $group
        (br_if $groups_done (i32.ge_u (local.get $cg) (local.get $row)))
        ;; Σdy and Σdy·x̂, x̂ = (x − mean)·inv as in the forward pass
        (local.set $mean (v128.load (i32.add (local.get $meanIn) (local.get $cg))))
        (local.set $istd (v128.load (i32.add (local.get $inv) (local.get $cg))))
        (local.set $blo (f32x4.splat (f32.const 0)))
        (local.set $glo (f32x4.splat (f32.const 0)))
        (local.set $p (local.get $cg))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $d (v128.load (i32.add (local.get $dy) (local.get $p))))
          (local.set $t (f32x4.mul (local.get $d) (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $p))) (local.get $mean)) (local.get $istd))))
          (local.set $blo (f32x4.add (local.get $blo) (local.get $d)))
          (local.set $glo (f32x4.add (local.get $glo) (local.get $t)))
          (local.set $p (i32.add (local.get $p) (local.get $row)))
          (br $l1)))
        (local.set $db (local.get $blo))
        (local.set $dg (local.get $glo))
        (v128.store (i32.add (local.get $dbeta) (local.get $cg)) (local.get $db))
        (v128.store (i32.add (local.get $dgamma) (local.get $cg)) (local.get $dg))
        (local.set $mb (f32x4.div (local.get $db) (local.get $n)))
        (local.set $mg (f32x4.div (local.get $dg) (local.get $n)))
        (local.set $scale (f32x4.mul (v128.load (i32.add (local.get $gamma) (local.get $cg))) (local.get $istd)))
        (local.set $p (local.get $cg))
        (block $d2 (loop $l2
          (br_if $d2 (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $xh (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $p))) (local.get $mean)) (local.get $istd)))
          (v128.store (i32.add (local.get $dx) (local.get $p))
            (f32x4.mul
              (f32x4.sub
                (f32x4.sub (v128.load (i32.add (local.get $dy) (local.get $p))) (local.get $mb))
                (f32x4.mul (local.get $xh) (local.get $mg)))
              (local.get $scale)))
          (local.set $p (i32.add (local.get $p) (local.get $row)))
          (br $l2)))
        (local.set $cg (i32.add (local.get $cg) (i32.const 16)))
        (br $group))))
)
