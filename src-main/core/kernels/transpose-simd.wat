;; The two layout changes of the composed Conv2DBackpropFilter (wasm-conv-gradients.ts) over
;; float32, in place on TF.js WASM's memory (issue #14 item 4). Source of the bytes in
;; transpose-simd-bytes.ts (regenerate: node scripts/build-wasm.cjs; a test checks that they match).
;; Pure copies: the same values as TF.js's Transpose kernel, in fewer instructions.
(module
  (import "env" "memory" (memory 1))

  ;; [A, P, C] → [P, A, C]: out[p, a, :] = in[a, p, :] (perm [1,2,0,3] of [A,H,W,C] with
  ;; P = H·W; also the correlation's [Ci,kh,kw,Co] output to [kh,kw,Ci,Co]); C a multiple of 4,
  ;; copied 4 floats at a time.
  (func (export "blocks") (param $in i32) (param $out i32) (param $A i32) (param $P i32) (param $C i32)
    (local $a i32) (local $p i32) (local $row i32) (local $src i32) (local $dst i32) (local $end i32) (local $astride i32)
    (local.set $row (i32.shl (local.get $C) (i32.const 2)))
    (local.set $astride (i32.mul (local.get $P) (local.get $row)))
    (local.set $dst (local.get $out))
    (block $dp (loop $lp
      (br_if $dp (i32.ge_u (local.get $p) (local.get $P)))
      (local.set $src (i32.add (local.get $in) (i32.mul (local.get $p) (local.get $row))))
      (local.set $a (i32.const 0))
      (block $da (loop $la
        (br_if $da (i32.ge_u (local.get $a) (local.get $A)))
        (local.set $end (i32.add (local.get $dst) (local.get $row)))
        (block $dc (loop $lc
          (br_if $dc (i32.ge_u (local.get $dst) (local.get $end)))
          (v128.store (local.get $dst) (v128.load (local.get $src)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (br $lc)))
        (local.set $src (i32.add (local.get $src) (i32.sub (local.get $astride) (local.get $row))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $la)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $lp))))

  ;; [A, P, C] → [C, P, A]: out[c, p, a] = in[a, p, c] (perm [3,1,2,0] of [A,H,W,C], P = H·W);
  ;; any C. Writes in order; reads A values a stride of P·C apart.
  (func (export "swapOuter") (param $in i32) (param $out i32) (param $A i32) (param $P i32) (param $C i32)
    (local $a i32) (local $p i32) (local $c i32) (local $src i32) (local $dst i32) (local $astride i32) (local $end i32)
    (local.set $astride (i32.shl (i32.mul (local.get $P) (local.get $C)) (i32.const 2)))
    (local.set $dst (local.get $out))
    (block $dc (loop $lc
      (br_if $dc (i32.ge_u (local.get $c) (local.get $C)))
      (local.set $p (i32.const 0))
      (block $dp (loop $lp
        (br_if $dp (i32.ge_u (local.get $p) (local.get $P)))
        (local.set $src (i32.add (local.get $in) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $C)) (local.get $c)) (i32.const 2))))
        (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $A) (i32.const 2))))
        (block $da (loop $la
          (br_if $da (i32.ge_u (local.get $dst) (local.get $end)))
          (f32.store (local.get $dst) (f32.load (local.get $src)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (local.set $src (i32.add (local.get $src) (local.get $astride)))
          (br $la)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $lp)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $lc))))
;; out[n, 2m+a, 2l+b, :] = p_ab[n, m, l, :]: four [N, H2, W2, C] phases interleaved into
  ;; [N, 2·H2, 2·W2, C] (the stride-2 input gradient computed per phase, fast-ops.ts); C a
  ;; multiple of 4. Writes in order.
  (func (export "interleave2x2") (param $p00 i32) (param $p01 i32) (param $p10 i32) (param $p11 i32) (param $out i32)
    (param $N i32) (param $H2 i32) (param $W2 i32) (param $C i32)
    (local $row i32) (local $m i32) (local $l i32) (local $a i32) (local $e i32) (local $off i32) (local $dst i32) (local $end i32)
    (local $s0 i32) (local $s1 i32)
    (local.set $row (i32.shl (local.get $C) (i32.const 2)))
    (local.set $dst (local.get $out))
    ;; m runs over N·H2 rows of the phases (n and m together).
    (block $dm (loop $lm
      (br_if $dm (i32.ge_u (local.get $m) (i32.mul (local.get $N) (local.get $H2))))
      (local.set $a (i32.const 0))
      (block $da (loop $la
        (br_if $da (i32.ge_u (local.get $a) (i32.const 2)))
        (local.set $l (i32.const 0))
        (block $dl (loop $ll
          (br_if $dl (i32.ge_u (local.get $l) (local.get $W2)))
          (local.set $off (i32.mul (i32.add (i32.mul (local.get $m) (local.get $W2)) (local.get $l)) (local.get $row)))
          (local.set $s0 (i32.add (select (local.get $p10) (local.get $p00) (local.get $a)) (local.get $off)))
          (local.set $s1 (i32.add (select (local.get $p11) (local.get $p01) (local.get $a)) (local.get $off)))
          (local.set $e (i32.const 0))
          (block $dc (loop $lc
            (br_if $dc (i32.ge_u (local.get $e) (local.get $row)))
            (v128.store (i32.add (local.get $dst) (local.get $e)) (v128.load (i32.add (local.get $s0) (local.get $e))))
            (v128.store (i32.add (i32.add (local.get $dst) (local.get $row)) (local.get $e)) (v128.load (i32.add (local.get $s1) (local.get $e))))
            (local.set $e (i32.add (local.get $e) (i32.const 16)))
            (br $lc)))
          (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $row) (i32.const 1))))
          (local.set $l (i32.add (local.get $l) (i32.const 1)))
          (br $ll)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $la)))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $lm))))
)
