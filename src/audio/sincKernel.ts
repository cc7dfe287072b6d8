/**
 * The resampler's inner loop (resample.ts) as a WebAssembly SIMD kernel: each output sample is the dot product of
 * one polyphase branch's taps with the input under it, four float32 lanes at a time in two accumulators. In plain
 * JavaScript the same loop cost 3.2-3.9 ms of CPU per audio second for 32 -> 48 kHz (a quarter of a speaking
 * stream's transcoding); here about a tenth of that (docs/performance-fidelity.md). WebAssembly SIMD is part of
 * every Node this project runs on (22+), so there is no JavaScript fallback to drift from it; the tests compare the
 * kernel with a float64 reference of the same sums.
 *
 * One instance per thread serves every resampler in it: each call copies the input under the taps into the
 * instance's scratch memory, runs, and copies the output out, so no resampler owns WASM memory that would need
 * freeing. The taps of each (phases, taps) table are copied in once and kept (a handful of rate pairs exist).
 */

/** Taps per branch are padded with zeros to a multiple of this (two accumulators of four lanes). */
export const KERNEL_TAP_MULTIPLE = 8;

/**
 * The module, assembled here so its source is readable (WAT-like comments) and no build step is needed.
 * `run(coef, src, out, n, taps, phases, step, pos)`: byte addresses coef (phases * taps float32), src, out;
 * for k in 0..n: out[k] = sum_j coef[(pos % phases) * taps + j] * src[pos / phases + j], pos += step.
 * taps is a multiple of 8; the four lanes of each accumulator are added in a fixed order, so an output depends
 * only on its own inputs, never on where a chunk started (the resampler's chunk-size independence).
 */
function moduleBytes(): Uint8Array {
  const I32 = 0x7f, V128 = 0x7b;
  const get = (i: number): number[] => [0x20, i], set = (i: number): number[] => [0x21, i], tee = (i: number): number[] => [0x22, i];
  const i32 = (v: number): number[] => [0x41, ...sleb(v)];
  const simd = (op: number): number[] => [0xfd, ...uleb(op)];
  const f32x4Add = simd(0xe4), f32x4Mul = simd(0xe6);
  const lane = (l: number): number[] => [...simd(0x1f), l]; // f32x4.extract_lane
  const [COEF, SRC, OUT, N, TAPS, PHASES, STEP, POS] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [C, S, END, ACC0, ACC1] = [8, 9, 10, 11, 12];
  const load = (address: number, offset: number): number[] => [...get(address), ...simd(0x00), 2, offset]; // v128.load align=4
  const fma = (acc: number, offset: number): number[] => [
    ...get(acc), ...load(C, offset), ...load(S, offset), ...f32x4Mul, ...f32x4Add, ...set(acc),
  ];
  const body = [
    0x02, 0x40, // block
    ...get(N), 0x45, 0x0d, 0, // n == 0: done
    0x03, 0x40, // loop (outputs)
    // c = coef + (pos % phases) * taps * 4; s = src + (pos / phases) * 4; end = c + taps * 4
    ...get(COEF), ...get(POS), ...get(PHASES), 0x70, ...get(TAPS), 0x6c, ...i32(2), 0x74, 0x6a, ...tee(C),
    ...get(TAPS), ...i32(2), 0x74, 0x6a, ...set(END),
    ...get(SRC), ...get(POS), ...get(PHASES), 0x6e, ...i32(2), 0x74, 0x6a, ...set(S),
    ...simd(0x0c), ...new Array<number>(16).fill(0), ...set(ACC0), // v128.const 0
    ...simd(0x0c), ...new Array<number>(16).fill(0), ...set(ACC1),
    0x03, 0x40, // loop (taps, eight at a time)
    ...fma(ACC0, 0), ...fma(ACC1, 16),
    ...get(S), ...i32(32), 0x6a, ...set(S),
    ...get(C), ...i32(32), 0x6a, ...tee(C), ...get(END), 0x49, 0x0d, 0, // c < end: again
    0x0b,
    // out[k] = ((a0 + a1) + (a2 + a3)) with a = acc0 + acc1
    ...get(ACC0), ...get(ACC1), ...f32x4Add, ...set(ACC0),
    ...get(OUT),
    ...get(ACC0), ...lane(0), ...get(ACC0), ...lane(1), 0x92, ...get(ACC0), ...lane(2), ...get(ACC0), ...lane(3), 0x92, 0x92,
    0x38, 2, 0, // f32.store
    ...get(OUT), ...i32(4), 0x6a, ...set(OUT),
    ...get(POS), ...get(STEP), 0x6a, ...set(POS),
    ...get(N), ...i32(1), 0x6b, ...tee(N), 0x0d, 0, // --n: again
    0x0b, 0x0b, 0x0b, // end loop, end block, end function
  ];
  const code = [...uleb(2), 3, I32, 2, V128, ...body]; // locals: 3 i32 (c, s, end), 2 v128
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const name = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 8, ...new Array<number>(8).fill(I32), 0]), // type: (i32 x 8) -> ()
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]), // import env.memory, min 1 page
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, ...name('run'), 0x00, 0]), // export it as "run"
    ...section(10, [1, ...uleb(code.length), ...code]),
  ]);
}

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

type Run = (coef: number, src: number, out: number, n: number, taps: number, phases: number, step: number, pos: number) => void;

/** A table of taps copied into the kernel's memory: `phases` branches of `taps` (padded) float32 each. */
export interface KernelTaps {
  readonly address: number;
  readonly phases: number;
  readonly taps: number;
}

const PAGE = 65_536;

/** The part of the WebAssembly global used here (the project compiles without the DOM's types, where it is declared). */
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The per-thread kernel instance (see the file comment). */
export class SincKernel {
  readonly #memory = new wasm.Memory({ initial: 1 });
  readonly #run: Run;
  readonly #tables = new Map<Float64Array, KernelTaps>();
  #tablesEnd = 0; // bytes used by the tables; scratch space starts after them
  #f32 = new Float32Array(this.#memory.buffer);

  constructor() {
    const instance = new wasm.Instance(new wasm.Module(moduleBytes()), { env: { memory: this.#memory } });
    this.#run = instance.exports.run as Run;
  }

  /**
   * The kernel's copy of `coefficients` (`phases` branches of `taps`), padded to KERNEL_TAP_MULTIPLE taps with
   * zeros; made once per array (resample.ts shares one array per rate pair).
   */
  taps(coefficients: Float64Array, phases: number, taps: number): KernelTaps {
    const known = this.#tables.get(coefficients);
    if (known) return known;
    const padded = Math.ceil(taps / KERNEL_TAP_MULTIPLE) * KERNEL_TAP_MULTIPLE;
    const table = { address: this.#tablesEnd, phases, taps: padded };
    this.#tablesEnd += phases * padded * 4;
    this.#reserve(this.#tablesEnd);
    const f32 = this.#f32, base = table.address >> 2;
    f32.fill(0, base, base + phases * padded);
    for (let p = 0; p < phases; p++) {
      for (let j = 0; j < taps; j++) f32[base + p * padded + j] = coefficients[p * taps + j]!;
    }
    this.#tables.set(coefficients, table);
    return table;
  }

  /**
   * out[k] for k < n: branch (pos + k * step) % phases of `table` over src from (pos + k * step) / phases on.
   * `src` holds `length` samples; the caller makes sure every output's taps lie within them (the zero padding of
   * the taps may read past them: those samples are zeros here).
   */
  run(table: KernelTaps, src: Float32Array, length: number, out: Float32Array, n: number, step: number, pos: number): void {
    const srcAt = this.#tablesEnd, srcFloats = length + KERNEL_TAP_MULTIPLE;
    const outAt = srcAt + srcFloats * 4;
    this.#reserve(outAt + n * 4);
    const f32 = this.#f32;
    f32.set(src.subarray(0, length), srcAt >> 2);
    f32.fill(0, (srcAt >> 2) + length, (srcAt >> 2) + srcFloats);
    this.#run(table.address, srcAt, outAt, n, table.taps, table.phases, step, pos);
    out.set(f32.subarray(outAt >> 2, (outAt >> 2) + n));
  }

  #reserve(bytes: number): void {
    const have = this.#memory.buffer.byteLength;
    if (bytes <= have) return;
    this.#memory.grow(Math.ceil((bytes - have) / PAGE));
    this.#f32 = new Float32Array(this.#memory.buffer);
  }
}

let shared: SincKernel | undefined;

/** The kernel of this thread (instantiated on first use, a fraction of a millisecond). */
export function sincKernel(): SincKernel {
  shared ??= new SincKernel();
  return shared;
}
