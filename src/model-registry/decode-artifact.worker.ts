import { Bundle, CorruptArtifactError, decodeBundle, sha256 } from '../algorithms/artifact-codec';
import { transferring } from '../workers/transfer';

export interface DecodeArtifactRequest {
  /** The stored chunks, in order. */
  chunks: Uint8Array[];
  checksum: string | null;
}

/** A bundle whose bytes match the checksum, or why not (as a value: an error's class does not survive the thread). */
export type DecodedArtifact = { bundle: Bundle } | { corrupt: string };

/**
 * Runs in a piscina worker thread: joins, hashes and decodes an artifact, the copies and the
 * hashing of tens of megabytes that would otherwise stall requests, and moves the arrays back.
 */
export default function decodeArtifact({ chunks, checksum }: DecodeArtifactRequest): DecodedArtifact {
  const bytes = Buffer.concat(chunks);
  if (checksum === null || sha256(bytes) !== checksum) return { corrupt: 'does not match its checksum' };
  try {
    const bundle = decodeBundle(bytes);
    return transferring(
      { bundle },
      Object.values(bundle.arrays).map((array) => array.buffer),
    );
  } catch (error) {
    if (error instanceof CorruptArtifactError) return { corrupt: error.message };
    throw error;
  }
}
