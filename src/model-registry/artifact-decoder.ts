import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { DecodeArtifactRequest, DecodedArtifact } from './decode-artifact.worker';

/**
 * Verifies and decodes artifacts on a thread of its own — not the training pool, so that loading
 * a version (a rollback, another replica's activation) never waits behind a training run.
 */
@Injectable()
export class ArtifactDecoder implements OnModuleDestroy {
  private readonly pool = new Piscina<DecodeArtifactRequest, DecodedArtifact>({
    filename: join(__dirname, 'decode-artifact.worker.js'),
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: 10_000,
  });

  /**
   * Moves the chunks to the worker when they own their memory, copies them otherwise. A bundle
   * whose snapshot is one of `heldSnapshots` (keys) comes back without it.
   */
  decode(chunks: Uint8Array[], checksum: string | null, heldSnapshots: string[]): Promise<DecodedArtifact> {
    const owned = chunks.filter((chunk) => chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength);
    return this.pool.run(
      { chunks, checksum, heldSnapshots },
      { transferList: owned.map((chunk) => chunk.buffer as ArrayBuffer) },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.destroy();
  }
}
