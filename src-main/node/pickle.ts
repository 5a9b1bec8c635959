import { Buffer } from 'node:buffer';

/*
 * A small, strict interpreter for the binary Python pickle protocols 2–5, shared by the readers
 * of pickled files (downsampled-ImageNet batches, PyTorch checkpoints). A pickle is a program: a
 * general unpickler imports and calls whatever the file names, so reading one is running it.
 * This one runs nothing: it builds containers, numbers, strings and the memo, and every GLOBAL
 * must be on the caller's list; what REDUCE, BUILD and persistent ids mean for those few names
 * is the caller's code (PickleDialect), which only ever builds plain data. Anything else is
 * refused with its byte offset.
 */

export class PyTuple {
  constructor(readonly items: unknown[]) {}
}
export class PyList {
  readonly items: unknown[] = [];
  /** Byte offset of the opcode that produced each item, for error messages. */
  readonly at: number[] = [];
}
export class PyDict {
  readonly map = new Map<string, unknown>();
  readonly at = new Map<string, number>();
}
export class PyGlobal {
  constructor(readonly qualified: string) {}
}
const MARK = Symbol('mark');

/** Raised by the interpreter and by a dialect: what is wrong, and at which byte of the pickle. */
export type PickleFail = (at: number, detail: string) => never;

/** The opcode a dialect hook runs for: its byte offset, and how to refuse it there. */
export interface OpContext {
  at: number;
  fail(detail: string): never;
}

/** What a file format's pickles may contain beyond plain data, and what those parts mean. */
export interface PickleDialect {
  /** The only `module.name` globals the pickle may refer to. */
  globals: ReadonlySet<string>;
  /** Said after a refused global, e.g. "(only numpy arrays, lists and ints)". */
  allowedHint: string;
  /** Said after an unsupported opcode, e.g. "the subset used by downsampled-ImageNet batch files". */
  subsetHint: string;
  /** The message for a dict key that is not a string. */
  keyHint: string;
  /** REDUCE of one of `globals` with these arguments (plain data only). */
  reduce(fn: PyGlobal, args: PyTuple, op: OpContext): unknown;
  /** BUILD: apply `state` to an object the dialect made (default: refused). */
  build?(obj: unknown, state: unknown, op: OpContext): void;
  /** BINPERSID: the object a persistent id stands for (default: refused). */
  persistentLoad?(pid: unknown, op: OpContext): unknown;
}

/** Python 2 `str` (and unpickled with encoding='latin1') is a byte string; a key or name may be either. */
export function pyText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
  return null;
}

/**
 * A name read from the pickle, repeated in a message only when it looks like a Python dotted
 * name or dtype code: arbitrary bytes of the file are never echoed.
 */
export function pyNameOf(q: string): string {
  return /^[A-Za-z_<>|=][\w.<>|=]{0,79}$/.test(q) ? q : '(a name that is not a plain Python identifier)';
}

/** Runs the pickle in `bytes` under `dialect` and returns its top-level object. */
export function runPickle(bytes: Uint8Array, dialect: PickleDialect, fail: PickleFail, dataOffsets?: WeakMap<Uint8Array, number>): unknown {
  return runPickleAt(bytes, 0, dialect, fail, dataOffsets).value;
}

/** Runs the pickle that starts at byte `start` (files of several pickles in a row); returns its object and where it ended. */
export function runPickleAt(bytes: Uint8Array, start: number, dialect: PickleDialect, fail: PickleFail, dataOffsets?: WeakMap<Uint8Array, number>): { value: unknown; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const stackAt: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = start;
  let op = 0;
  let opAt = 0;
  const need = (n: number): number => {
    if (pos + n > bytes.length) fail(pos, `truncated pickle: opcode 0x${op.toString(16)} at byte ${opAt} needs ${n} more bytes than the file has`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)];
  const u32 = () => view.getUint32(need(4), true);
  const u64 = (): number => {
    const at = need(8);
    const hi = view.getUint32(at + 4, true);
    if (hi > 0x1fffff) fail(at, 'length does not fit in memory');
    return hi * 2 ** 32 + view.getUint32(at, true);
  };
  const take = (n: number): Uint8Array => bytes.subarray(need(n), pos);
  const push = (v: unknown) => {
    stack.push(v);
    stackAt.push(opAt);
  };
  const pop = (): unknown => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) fail(opAt, `malformed pickle: opcode 0x${op.toString(16)} needs a value on the stack`);
    stackAt.pop();
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail(opAt, `malformed pickle: opcode 0x${op.toString(16)} on an empty stack`);
    return stack[stack.length - 1];
  };
  const popMark = (): { items: unknown[]; at: number[] } => {
    const m = stack.lastIndexOf(MARK);
    if (m < 0) fail(opAt, `malformed pickle: opcode 0x${op.toString(16)} without a MARK`);
    const items = stack.splice(m + 1);
    const at = stackAt.splice(m + 1);
    stack.pop();
    stackAt.pop();
    return { items, at };
  };
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const str = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail(opAt, 'string is not valid UTF-8');
    }
  };
  const ctx = (): OpContext => ({ at: opAt, fail: (detail) => fail(opAt, detail) });
  const setItem = (d: unknown, k: unknown, v: unknown, at: number) => {
    if (!(d instanceof PyDict)) return fail(opAt, 'malformed pickle: SETITEM(S) on something that is not a dict');
    const key = pyText(k);
    if (key === null) return fail(at, dialect.keyHint);
    d.map.set(key, v);
    d.at.set(key, at);
  };
  const global = (q: string) => {
    if (!dialect.globals.has(q)) fail(opAt, `the pickle refers to ${pyNameOf(q)}, which this reader does not load ${dialect.allowedHint}`);
    push(new PyGlobal(q));
  };

  for (;;) {
    opAt = pos;
    if (pos >= bytes.length) fail(pos, 'truncated pickle: the file ends before the STOP opcode');
    op = bytes[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v < 2 || v > 5) fail(opAt, `pickle protocol ${v} is not supported (expected 2–5)`);
        break;
      }
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: // STOP
        if (stack.length !== 1) fail(opAt, `malformed pickle: ${stack.length} values on the stack at STOP`);
        return { value: stack[0], end: pos };
      case 0x28: push(MARK); break;
      case 0x7d: push(new PyDict()); break; // EMPTY_DICT
      case 0x5d: push(new PyList()); break; // EMPTY_LIST
      case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: push(new PyTuple(popMark().items)); break; // TUPLE
      case 0x85: push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push(new PyTuple([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(new PyTuple([a, b, c])); break; }
      case 0x61: { // APPEND
        const at = stackAt[stackAt.length - 1];
        const v = pop();
        const l = top();
        if (!(l instanceof PyList)) return fail(opAt, 'malformed pickle: APPEND to something that is not a list');
        l.items.push(v);
        l.at.push(at);
        break;
      }
      case 0x65: { // APPENDS
        const { items, at } = popMark();
        const l = top();
        if (!(l instanceof PyList)) return fail(opAt, 'malformed pickle: APPENDS to something that is not a list');
        for (let i = 0; i < items.length; i++) {
          l.items.push(items[i]);
          l.at.push(at[i]);
        }
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const kAt = stackAt[stackAt.length - 1];
        const k = pop();
        setItem(top(), k, v, kAt);
        break;
      }
      case 0x75: { // SETITEMS
        const { items, at } = popMark();
        if (items.length % 2 !== 0) fail(opAt, 'malformed pickle: SETITEMS with an odd number of values');
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1], at[i]);
        break;
      }
      case 0x4a: push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(view.getUint16(need(2), true)); break; // BININT2
      case 0x8a: { // LONG1
        const n = u8();
        const b = take(n);
        if (n > 6) fail(opAt, `integer of ${n} bytes is too large`);
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
        if (n > 0 && b[n - 1] & 0x80) v -= 2 ** (8 * n);
        push(v);
        break;
      }
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x47: push(view.getFloat64(need(8), false)); break; // BINFLOAT
      case 0x55: push(take(u8())); break; // SHORT_BINSTRING (Python 2 str = bytes)
      case 0x54: push(take(u32())); break; // BINSTRING
      case 0x43: push(take(u8())); break; // SHORT_BINBYTES
      case 0x42: push(take(u32())); break; // BINBYTES
      case 0x8e: push(take(u64())); break; // BINBYTES8
      case 0x8c: push(str(take(u8()))); break; // SHORT_BINUNICODE
      case 0x58: push(str(take(u32()))); break; // BINUNICODE
      case 0x8d: push(str(take(u64()))); break; // BINUNICODE8
      case 0x63: { // GLOBAL "module\nname\n"
        const line = (): string => {
          const end = bytes.indexOf(0x0a, pos);
          if (end < 0) return fail(opAt, 'truncated pickle: GLOBAL name without a newline');
          const s = pyText(bytes.subarray(pos, end))!;
          pos = end + 1;
          return s;
        };
        const mod = line();
        global(`${mod}.${line()}`);
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pyText(pop());
        const mod = pyText(pop());
        global(`${mod}.${name}`);
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple)) return fail(opAt, 'malformed pickle: REDUCE needs a callable and an argument tuple');
        push(dialect.reduce(fn, args, ctx()));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        if (!dialect.build) return fail(opAt, 'BUILD on an object this reader does not know');
        dialect.build(top(), state, ctx());
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!dialect.persistentLoad) return fail(opAt, 'a persistent id (external object) in a pickle that should hold none');
        push(dialect.persistentLoad(pid, ctx()));
        break;
      }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(opAt, `malformed pickle: memo entry ${k} was never stored`);
        push(memo.get(k));
        break;
      }
      default:
        fail(opAt, `pickle opcode 0x${op.toString(16).padStart(2, '0')} is not supported (this reader understands only the binary protocol 2–4 subset ${dialect.subsetHint})`);
    }
    if (dataOffsets && (op === 0x55 || op === 0x54 || op === 0x43 || op === 0x42 || op === 0x8e) && stack[stack.length - 1] instanceof Uint8Array) {
      dataOffsets.set(stack[stack.length - 1] as Uint8Array, opAt);
    }
  }
}
