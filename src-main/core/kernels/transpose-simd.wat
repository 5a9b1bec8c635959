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
)
