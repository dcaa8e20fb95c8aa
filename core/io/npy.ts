import { GradlensError } from '../errors/errors.ts';

/** The typed arrays gradlens reads from and writes to `.npy` files. */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface NpyArray {
  /** Row-major (C order) values. */
  data: NpyData;
  shape: number[];
  /** The numpy dtype string, e.g. `<f4`. */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Ctor = { new (buffer: ArrayBuffer, offset: number, length: number): NpyData; BYTES_PER_ELEMENT: number };
const DTYPES: Record<string, Ctor> = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  u1: Uint8Array,
  b1: Uint8Array,
  i2: Int16Array,
  u2: Uint16Array,
  i4: Int32Array,
  u4: Uint32Array,
  i8: BigInt64Array,
  u8: BigUint64Array,
};

/** What a `.npy` header says: dtype, shape and where the data starts. */
export interface NpyHeader {
  dtype: string;
  shape: number[];
  /** Byte offset of the first value. */
  dataOffset: number;
  /** Bytes per value. */
  itemBytes: number;
}

/** The largest header read (numpy writes under 100 bytes; version 2 allows 4 GiB). */
export const MAX_NPY_HEADER_BYTES = 1 << 20;
/** The largest array, in bytes, read into memory whole or in rows. */
export const MAX_NPY_DATA_BYTES = 2 ** 34;

/**
 * Parses the header of a `.npy` file (format versions 1 to 3, little-endian or single-byte
 * dtypes, C order). `bytes` needs to hold at least the header. `source` names the file in errors.
 * Every shape entry must be a non-negative integer and the data no larger than
 * MAX_NPY_DATA_BYTES; the header must lie inside `bytes`.
 */
export function parseNpyHeader(bytes: Uint8Array, source = 'array'): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new GradlensError('not a .npy file (missing the \\x93NUMPY magic bytes)', { where: source });
  }
  const major = bytes[6];
  if (major < 1 || major > 3) {
    throw new GradlensError(`unknown .npy format version ${major}; numpy writes versions 1 to 3`, { where: source });
  }
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw new GradlensError('truncated .npy header', { where: source });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_NPY_HEADER_BYTES || headerStart + headerLength > bytes.length) {
    throw new GradlensError(
      `the header claims ${headerLength} bytes, ${
        headerLength > MAX_NPY_HEADER_BYTES ? `over the ${MAX_NPY_HEADER_BYTES} allowed` : 'past the end of the file'
      }; the file is truncated or not a .npy file`,
      { where: source },
    );
  }
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    throw new GradlensError(
      `malformed .npy header: expected a dict with 'descr', 'fortran_order' and 'shape', got ${
        JSON.stringify(header.trim().slice(0, 80))
      }`,
      { where: source },
    );
  }
  if (fortran === 'True') {
    throw new GradlensError('Fortran-ordered arrays are not supported; save with np.ascontiguousarray', {
      where: source,
    });
  }
  const Type = DTYPES[descr.slice(1)];
  if (!Type || descr[0] === '>' || (descr[0] === '|' && Type.BYTES_PER_ELEMENT > 1)) {
    throw new GradlensError(
      `unsupported dtype '${descr}'; expected little-endian float32/64, int8/16/32/64, uint8/16/32/64 or bool`,
      { where: source },
    );
  }
  const entries = shapeText.split(',').map((s) => s.trim());
  if (entries.length > 1 && entries[entries.length - 1] === '') entries.pop();
  if (entries.length === 1 && entries[0] === '') entries.pop();
  const bad = entries.find((s) => !/^\d{1,15}$/.test(s));
  if (bad !== undefined) {
    throw new GradlensError(
      `invalid shape (${shapeText.slice(0, 60)}): every dimension must be a non-negative integer, got '${
        bad.slice(0, 20)
      }'`,
      { where: source },
    );
  }
  const shape = entries.map(Number);
  const bytesNeeded = shape.reduce((a, b) => a * b, 1) * Type.BYTES_PER_ELEMENT;
  if (bytesNeeded > MAX_NPY_DATA_BYTES) {
    throw new GradlensError(
      `shape (${shape.join(', ')}) would hold ${bytesNeeded} bytes, over the ${MAX_NPY_DATA_BYTES} gradlens reads`,
      { where: source },
    );
  }
  return { dtype: descr, shape, dataOffset: headerStart + headerLength, itemBytes: Type.BYTES_PER_ELEMENT };
}

/**
 * The file's data must be exactly the header's shape times its item size: less is truncated,
 * more is not what the header says (another array appended, or a wrong shape).
 */
export function checkDataBytes(header: NpyHeader, fileBytes: number, source: string): void {
  const need = header.shape.reduce((a, b) => a * b, 1) * header.itemBytes;
  const have = fileBytes - header.dataOffset;
  if (have !== need) {
    throw new GradlensError(
      `${have < need ? 'truncated' : 'data longer than its header says'}: shape (${
        header.shape.join(', ')
      }) needs ${need} data bytes, the file has ${have}`,
      { where: source },
    );
  }
}

/** Decodes `count` values of `dtype` from raw little-endian bytes (copied, so aligned). */
export function decodeNpyValues(dtype: string, bytes: Uint8Array, count: number): NpyData {
  const Type = DTYPES[dtype.slice(1)];
  // `new Uint8Array(view)` copies into a fresh buffer; a Node Buffer's `slice` would not (it is a
  // view into Node's shared pool, so `.buffer` at offset 0 would read unrelated bytes).
  const copy = new Uint8Array(bytes.subarray(0, count * Type.BYTES_PER_ELEMENT));
  return new Type(copy.buffer, 0, count);
}

/** Parses a whole `.npy` file held in memory. */
export function parseNpy(bytes: Uint8Array, source = 'array'): NpyArray {
  const header = parseNpyHeader(bytes, source);
  const count = header.shape.reduce((a, b) => a * b, 1);
  checkDataBytes(header, bytes.length, source);
  const data = decodeNpyValues(header.dtype, bytes.subarray(header.dataOffset), count);
  return { data, shape: header.shape, dtype: header.dtype };
}

const WRITE_DTYPES: [new (...args: never[]) => NpyData, string][] = [
  [Float32Array, '<f4'],
  [Float64Array, '<f8'],
  [Int32Array, '<i4'],
  [Uint8Array, '|u1'],
  [Int8Array, '|i1'],
  [Int16Array, '<i2'],
  [Uint16Array, '<u2'],
  [Uint32Array, '<u4'],
  [BigInt64Array, '<i8'],
  [BigUint64Array, '<u8'],
];

/** The header of a version 1.0 `.npy` file (magic, version, padded dict), as numpy writes it. */
export function encodeNpyHeader(dtype: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Magic, version, header length and header are padded to a multiple of 64 bytes.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

/** Serialises a typed array as a version 1.0 `.npy` file that `numpy.load` opens. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(`encodeNpy: shape [${shape.join(', ')}] holds ${count} values, data has ${data.length}`);
  }
  const dtype = WRITE_DTYPES.find(([Type]) => data instanceof Type)?.[1];
  if (!dtype) throw new Error('encodeNpy: unsupported typed array');
  const header = encodeNpyHeader(dtype, shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  return out;
}

/** Converts any numeric npy data to float32 (int64 via Number). */
export function toFloat32(data: NpyData): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}
