import { createHash } from 'node:crypto';
import { NumericArray } from './types';

/**
 * A model bundle on the wire and in the database: a JSON header followed by the raw bytes of
 * each typed array, 8-byte aligned so decoding makes views, not copies.
 *
 *   "MLSB" | u32 version | u32 header length | header JSON | padding | array bytes …
 */
export interface Bundle {
  header: Record<string, unknown>;
  arrays: Record<string, NumericArray>;
}

const MAGIC = 0x42534c4d; // "MLSB" little-endian
const FORMAT_VERSION = 1;

const ARRAY_TYPES = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
} as const;
type ArrayTypeName = keyof typeof ARRAY_TYPES;

interface ArrayDescriptor {
  name: string;
  type: ArrayTypeName;
  offset: number;
  length: number;
}

export class CorruptArtifactError extends Error {}

const align8 = (n: number) => (n + 7) & ~7;

export function encodeBundle(bundle: Bundle): Buffer {
  const descriptors: ArrayDescriptor[] = [];
  let offset = 0;
  for (const [name, array] of Object.entries(bundle.arrays)) {
    descriptors.push({ name, type: array.constructor.name as ArrayTypeName, offset, length: array.length });
    offset = align8(offset + array.byteLength);
  }
  const headerBytes = Buffer.from(JSON.stringify({ ...bundle.header, arrays: descriptors }), 'utf8');
  const dataStart = align8(12 + headerBytes.length);
  const out = Buffer.alloc(dataStart + offset);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(FORMAT_VERSION, 4);
  out.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(out, 12);
  for (const d of descriptors) {
    const array = bundle.arrays[d.name];
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(out, dataStart + d.offset);
  }
  return out;
}

export function decodeBundle(bytes: Uint8Array): Bundle {
  // Copy once into a fresh, 8-byte aligned ArrayBuffer; typed arrays are then views into it.
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  const view = new DataView(buffer);
  if (bytes.byteLength < 12 || view.getUint32(0, true) !== MAGIC)
    throw new CorruptArtifactError('not a model artifact');
  if (view.getUint32(4, true) !== FORMAT_VERSION) throw new CorruptArtifactError('unsupported artifact format version');
  const headerLength = view.getUint32(8, true);
  const header = JSON.parse(Buffer.from(buffer, 12, headerLength).toString('utf8')) as Record<string, unknown> & {
    arrays: ArrayDescriptor[];
  };
  const dataStart = align8(12 + headerLength);
  const arrays: Record<string, NumericArray> = {};
  for (const d of header.arrays) {
    const Type = ARRAY_TYPES[d.type];
    const start = dataStart + d.offset;
    if (!Type || start + d.length * Type.BYTES_PER_ELEMENT > buffer.byteLength) {
      throw new CorruptArtifactError(`array ${d.name} lies outside the artifact`);
    }
    arrays[d.name] = new Type(buffer, start, d.length);
  }
  const { arrays: _descriptors, ...rest } = header;
  return { header: rest, arrays };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
