/** The typed arrays a SortedIdIndex is made of: plain data, so they cross a thread by transfer. */
export interface SortedIdTable {
  /** Every id's UTF-8 bytes, in byte order of the ids. */
  bytes: Uint8Array;
  /** Where the k-th id in byte order starts in `bytes`; one entry more than there are ids. */
  offsets: Int32Array;
  /** The position in the original list of the k-th id in byte order. */
  positions: Int32Array;
}

/** Any UTF-16 surrogate: only then does JavaScript's string order differ from UTF-8 byte order. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Builds the table of `ids` (distinct strings) in a worker: ~20 bytes per short id, against ~80
 * for a Map<string, number> and the strings it keys.
 */
export function sortedIdTable(ids: string[]): SortedIdTable {
  const positions = Int32Array.from(ids.keys());
  if (ids.some((id) => SURROGATE.test(id))) {
    const encoded = ids.map((id) => Buffer.from(id, 'utf8'));
    positions.sort((a, b) => Buffer.compare(encoded[a], encoded[b]));
  } else {
    positions.sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
  }
  const offsets = new Int32Array(ids.length + 1);
  for (let k = 0; k < ids.length; k++) offsets[k + 1] = offsets[k] + Buffer.byteLength(ids[positions[k]], 'utf8');
  const bytes = Buffer.alloc(offsets[ids.length]);
  for (let k = 0; k < ids.length; k++) bytes.write(ids[positions[k]], offsets[k], 'utf8');
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), offsets, positions };
}

/**
 * A read-only id → position dictionary over a SortedIdTable: a binary search over the ids'
 * bytes, ~20 comparisons for a million ids, in place of a Map that would hold each id as a
 * JavaScript string.
 */
export class SortedIdIndex {
  private readonly bytes: Buffer;
  private readonly offsets: Int32Array;
  private readonly positions: Int32Array;

  constructor(table: SortedIdTable) {
    this.bytes = Buffer.from(table.bytes.buffer, table.bytes.byteOffset, table.bytes.byteLength);
    this.offsets = table.offsets;
    this.positions = table.positions;
  }

  get size(): number {
    return this.positions.length;
  }

  get(id: string): number | undefined {
    const key = Buffer.from(id, 'utf8');
    let low = 0;
    let high = this.positions.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = this.bytes.compare(key, 0, key.length, this.offsets[middle], this.offsets[middle + 1]);
      if (order === 0) return this.positions[middle];
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }
}
