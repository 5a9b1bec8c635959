;; The agent's MLP kernels with WebAssembly SIMD (issue #14: the agent's speed; used by
;; wasm-mlp.ts). Source of the bytes in mlp-simd-bytes.ts (regenerate: node scripts/build-wasm.cjs;
;; a test checks that they match).
;;
;; Why these loops: on TF.js WASM an agent update was ~130 kernel calls whose dispatch cost more
;; than the arithmetic. Each kernel below accumulates in the order TF.js WASM's XNNPACK matMul
;; does (bias first, then k = 0, 1, … one product at a time; no fused multiply-add), so the
;; results are the same float32 bits (test/unit/wasm-mlp.test.ts compares them).
;;
;; Matrices are row-major float32, every row a multiple of 4 floats (the caller pads with zeros);
;; pointers are byte offsets into the module's memory, 16-byte aligned; sizes are in floats.
(module
  (memory (export "memory") 1)

;; y[M×N] = b + x[M×K]·W[K×N], then max(·, 0) if relu ≠ 0. Columns in blocks of 16 (four
  ;; accumulators held across k), then single vectors for the rest.
  (func (export "fwd")
    (param $x i32) (param $w i32) (param $b i32) (param $y i32)
    (param $M i32) (param $K i32) (param $N i32) (param $relu i32)
    (local $nb i32) (local $i i32) (local $k i32) (local $j i32)
    (local $yrow i32) (local $xrow i32) (local $wp i32) (local $a v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local.set $nb (i32.shl (local.get $N) (i32.const 2)))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $M)))
      (local.set $yrow (i32.add (local.get $y) (i32.mul (local.get $i) (local.get $nb))))
      (local.set $xrow (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $K)) (i32.const 2))))
      (local.set $j (i32.const 0))
      (block $b16_done (loop $b16
        (br_if $b16_done (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $nb)))
        (local.set $c0 (v128.load offset=0 (i32.add (local.get $b) (local.get $j))))
        (local.set $c1 (v128.load offset=16 (i32.add (local.get $b) (local.get $j))))
        (local.set $c2 (v128.load offset=32 (i32.add (local.get $b) (local.get $j))))
        (local.set $c3 (v128.load offset=48 (i32.add (local.get $b) (local.get $j))))
        (local.set $wp (i32.add (local.get $w) (local.get $j)))
        (local.set $k (i32.const 0))
        (block $k_done (loop $kl
          (br_if $k_done (i32.ge_u (local.get $k) (local.get $K)))
          (local.set $a (f32x4.splat (f32.load (i32.add (local.get $xrow) (i32.shl (local.get $k) (i32.const 2))))))
          (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $a) (v128.load offset=0 (local.get $wp)))))
          (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $a) (v128.load offset=16 (local.get $wp)))))
          (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $a) (v128.load offset=32 (local.get $wp)))))
          (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $a) (v128.load offset=48 (local.get $wp)))))
          (local.set $wp (i32.add (local.get $wp) (local.get $nb)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $kl)))
        (if (local.get $relu) (then
          (local.set $c0 (f32x4.max (local.get $c0) (v128.const f32x4 0 0 0 0)))
          (local.set $c1 (f32x4.max (local.get $c1) (v128.const f32x4 0 0 0 0)))
          (local.set $c2 (f32x4.max (local.get $c2) (v128.const f32x4 0 0 0 0)))
          (local.set $c3 (f32x4.max (local.get $c3) (v128.const f32x4 0 0 0 0)))))
        (v128.store offset=0 (i32.add (local.get $yrow) (local.get $j)) (local.get $c0))
        (v128.store offset=16 (i32.add (local.get $yrow) (local.get $j)) (local.get $c1))
        (v128.store offset=32 (i32.add (local.get $yrow) (local.get $j)) (local.get $c2))
        (v128.store offset=48 (i32.add (local.get $yrow) (local.get $j)) (local.get $c3))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $b16)))
      (block $b4_done (loop $b4
        (br_if $b4_done (i32.ge_u (local.get $j) (local.get $nb)))
        (local.set $c0 (v128.load (i32.add (local.get $b) (local.get $j))))
        (local.set $wp (i32.add (local.get $w) (local.get $j)))
        (local.set $k (i32.const 0))
        (block $k4_done (loop $k4
          (br_if $k4_done (i32.ge_u (local.get $k) (local.get $K)))
          (local.set $a (f32x4.splat (f32.load (i32.add (local.get $xrow) (i32.shl (local.get $k) (i32.const 2))))))
          (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $a) (v128.load (local.get $wp)))))
          (local.set $wp (i32.add (local.get $wp) (local.get $nb)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $k4)))
        (if (local.get $relu) (then (local.set $c0 (f32x4.max (local.get $c0) (v128.const f32x4 0 0 0 0)))))
        (v128.store (i32.add (local.get $yrow) (local.get $j)) (local.get $c0))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $b4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )

  ;; dW[K×N] = x[M×K]ᵀ·dz[M×N] (0 + x_0k·dz_0 + x_1k·dz_1 + …, XNNPACK's order and its sign of a
  ;; zero sum) and db[N] = Σ_i dz_i (TF.js Sum: 0 + dz_0 + …); M ≥ 1. One vector at a time over
  ;; columns, the accumulator held across i.
  (func (export "wgrad")
    (param $x i32) (param $dz i32) (param $dw i32) (param $db i32)
    (param $M i32) (param $K i32) (param $N i32)
    (local $nb i32) (local $kb i32) (local $i i32) (local $k i32) (local $j i32)
    (local $xp i32) (local $dp i32) (local $acc v128)
    (local.set $nb (i32.shl (local.get $N) (i32.const 2)))
    (local.set $kb (i32.shl (local.get $K) (i32.const 2)))
    (block $k_done (loop $kl
      (br_if $k_done (i32.ge_u (local.get $k) (local.get $K)))
      (local.set $j (i32.const 0))
      (block $j_done (loop $jl
        (br_if $j_done (i32.ge_u (local.get $j) (local.get $nb)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $dp (i32.add (local.get $dz) (local.get $j)))
        (local.set $i (i32.const 0))
        (block $i_done (loop $il
          (br_if $i_done (i32.ge_u (local.get $i) (local.get $M)))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (f32x4.splat (f32.load (local.get $xp))) (v128.load (local.get $dp)))))
          (local.set $xp (i32.add (local.get $xp) (local.get $kb)))
          (local.set $dp (i32.add (local.get $dp) (local.get $nb)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $il)))
        (v128.store (i32.add (i32.add (local.get $dw) (i32.mul (local.get $k) (local.get $nb))) (local.get $j)) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $jl)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $kl)))
    (local.set $j (i32.const 0))
    (block $d_done (loop $dl
      (br_if $d_done (i32.ge_u (local.get $j) (local.get $nb)))
      (local.set $acc (v128.const f32x4 0 0 0 0))
      (local.set $dp (i32.add (local.get $dz) (local.get $j)))
      (local.set $i (i32.const 0))
      (block $s_done (loop $sl
        (br_if $s_done (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $dp))))
        (local.set $dp (i32.add (local.get $dp) (local.get $nb)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $sl)))
      (v128.store (i32.add (local.get $db) (local.get $j)) (local.get $acc))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $dl)))
  )

  ;; d ← d · [h > 0] over `n` floats (n a multiple of 4): TF.js's mul(d, step(h)), signed zeros included.
  (func (export "relumask") (param $d i32) (param $h i32) (param $n i32)
    (local $o i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (v128.store (i32.add (local.get $d) (local.get $o))
        (f32x4.mul
          (v128.load (i32.add (local.get $d) (local.get $o)))
          (v128.and
            (f32x4.gt (v128.load (i32.add (local.get $h) (local.get $o))) (v128.const f32x4 0 0 0 0))
            (v128.const f32x4 1 1 1 1))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
  )

  ;; dst[C×R] = src[R×C]ᵀ, R and C multiples of 4: 4×4 blocks transposed in registers.
  (func (export "transpose") (param $src i32) (param $dst i32) (param $R i32) (param $C i32)
    (local $r i32) (local $c i32) (local $rb i32) (local $cb i32) (local $sp i32) (local $dp i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rb (i32.shl (local.get $R) (i32.const 2)))
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (block $r_done (loop $rl
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $c (i32.const 0))
      (block $c_done (loop $cl
        (br_if $c_done (i32.ge_u (local.get $c) (local.get $C)))
        ;; rows r … r+3, columns c … c+3 of src
        (local.set $sp (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $C)) (local.get $c)) (i32.const 2))))
        (local.set $r0 (v128.load (local.get $sp)))
        (local.set $r1 (v128.load (i32.add (local.get $sp) (local.get $cb))))
        (local.set $r2 (v128.load (i32.add (local.get $sp) (i32.shl (local.get $cb) (i32.const 1)))))
        (local.set $r3 (v128.load (i32.add (local.get $sp) (i32.mul (local.get $cb) (i32.const 3)))))
        ;; t0 = (r0₀ r1₀ r0₁ r1₁), t1 = (r0₂ r1₂ r0₃ r1₃), t2/t3 the same of r2, r3
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
        ;; column c+q of src = row c+q of dst, entries r … r+3
        (local.set $dp (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $R)) (local.get $r)) (i32.const 2))))
        (v128.store (local.get $dp) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $dp) (local.get $rb)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $dp) (i32.shl (local.get $rb) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (i32.add (local.get $dp) (i32.mul (local.get $rb) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $cl)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $rl)))
  )
)
