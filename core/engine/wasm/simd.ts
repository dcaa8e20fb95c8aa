/**
 * A few lines of hand-assembled WebAssembly SIMD that run on tfjs-backend-wasm's own memory, for
 * elementwise gradient kernels tfjs would otherwise spread over several full passes.
 *
 * `mask(dx, dy, x, bytes, lo, hi, loInclusive, nanOut)`: for each float32 lane,
 * dx = dy where lo < x <= hi (lo <= x <= hi when `loInclusive`), else 0; where x is NaN, dx is NaN
 * when `nanOut`, else 0. Pointers and `bytes` (a multiple of 16) are byte offsets into the
 * backend's memory. The WAT, for reading:
 *
 *   (func (export "mask") (param $dx i32) (param $dy i32) (param $x i32) (param $n i32)
 *         (param $lo f32) (param $hi f32) (param $inc i32) (param $nan i32)
 *     (local $i i32) (local $lo4 v128) (local $hi4 v128) (local $incm v128) (local $nanm v128) (local $v v128)
 *     (block (br_if 0 (i32.eqz (local.get $n)))
 *       lo4 = f32x4.splat lo; hi4 = f32x4.splat hi; incm = i32x4.splat (0 - inc); nanm = i32x4.splat (0 - nan)
 *       (loop
 *         v = v128.load (x + i)
 *         store (dx + i) (v128.or
 *           (v128.and (v128.load (dy + i))
 *                     (v128.and (v128.bitselect (f32x4.ge v lo4) (f32x4.gt v lo4) incm) (f32x4.le v hi4)))
 *           (v128.and (v128.and (f32x4.ne v v) nanm) (i32x4.splat 0x7fc00000)))
 *         i += 16; (br_if 0 (i32.lt_u i n)))))
 *
 * Loaded only where the backend's memory is reachable and not shared (the SIMD build without
 * threads, which gradlens uses); callers fall back to a JS loop otherwise.
 */

const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const simd = (op: number) => [0xfd, op];
const memarg = [4, 0];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const OP = {
  load: simd(0x00),
  store: simd(0x0b),
  i32x4Splat: simd(0x11),
  f32x4Splat: simd(0x13),
  ne: simd(0x42),
  gt: simd(0x44),
  le: simd(0x45),
  ge: simd(0x46),
  and: simd(0x4e),
  or: simd(0x50),
  bitselect: simd(0x52),
};

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const name = (s: string) => vec([...s].map((c) => [c.charCodeAt(0)]));

function maskBody(): number[] {
  // Params 0..7: dx dy x n lo hi inc nan. Locals: 8 i, 9 lo4, 10 hi4, 11 incm, 12 nanm, 13 v.
  const [dx, dy, x, n, lo, hi, inc, nan, i, lo4, hi4, incm, nanm, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const at = (base: number) => [...get(base), ...get(i), 0x6a]; // base + i
  const i32 = (k: number) => [0x41, ...sleb(k)];
  // deno-fmt-ignore
  const code = [
    0x02, 0x40,                                             // block
    ...get(n), 0x45, 0x0d, 0x00,                            //   br_if 0 (n == 0)
    ...get(lo), ...OP.f32x4Splat, ...set(lo4),
    ...get(hi), ...OP.f32x4Splat, ...set(hi4),
    ...i32(0), ...get(inc), 0x6b, ...OP.i32x4Splat, ...set(incm),
    ...i32(0), ...get(nan), 0x6b, ...OP.i32x4Splat, ...set(nanm),
    0x03, 0x40,                                             //   loop
    ...at(x), ...OP.load, ...memarg, ...set(v),
    ...at(dx),                                              //     store address
    ...at(dy), ...OP.load, ...memarg,                       //     dy
    ...get(v), ...get(lo4), ...OP.ge,
    ...get(v), ...get(lo4), ...OP.gt,
    ...get(incm), ...OP.bitselect,                          //     x >= lo or x > lo
    ...get(v), ...get(hi4), ...OP.le, ...OP.and,            //     and x <= hi
    ...OP.and,                                              //     dy & mask
    ...get(v), ...get(v), ...OP.ne, ...get(nanm), ...OP.and,
    ...i32(0x7fc00000), ...OP.i32x4Splat, ...OP.and,        //     NaN where x is NaN and nanOut
    ...OP.or,
    ...OP.store, ...memarg,
    ...get(i), ...i32(16), 0x6a, ...set(i),                 //     i += 16
    ...get(i), ...get(n), 0x49, 0x0d, 0x00,                 //     br_if 0 (i < n, unsigned)
    0x0b,                                                   //   end loop
    0x0b,                                                   // end block
    0x0b,                                                   // end function
  ];
  const locals = vec([[1, I32], [5, V128]]);
  return [...locals, ...code];
}

function moduleBytes(): Uint8Array {
  const type = [0x60, ...vec([[I32], [I32], [I32], [I32], [F32], [F32], [I32], [I32]]), 0x00];
  const body = maskBody();
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([type])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...name('mask'), 0x00, 0x00]])),
    ...section(10, vec([[...leb(body.length), ...body]])),
  ]);
}

export type MaskFn = (
  dx: number,
  dy: number,
  x: number,
  bytes: number,
  lo: number,
  hi: number,
  loInclusive: number,
  nanOut: number,
) => void;

const cache = new WeakMap<WebAssembly.Memory, MaskFn | null>();

/** The SIMD `mask` function bound to `memory`, or null when it cannot be used there. */
export function simdMask(memory: WebAssembly.Memory | undefined): MaskFn | null {
  if (!memory) return null;
  if (cache.has(memory)) return cache.get(memory)!;
  let fn: MaskFn | null = null;
  try {
    if (typeof SharedArrayBuffer === 'undefined' || !(memory.buffer instanceof SharedArrayBuffer)) {
      const module = new WebAssembly.Module(moduleBytes() as BufferSource);
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      fn = instance.exports.mask as unknown as MaskFn;
    }
  } catch {
    fn = null;
  }
  cache.set(memory, fn);
  return fn;
}
