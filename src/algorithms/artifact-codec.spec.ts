import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptArtifactError, decodeBundle, encodeBundle, sha256 } from './artifact-codec';

describe('artifact codec', { timeout: 30_000 }, () => {
  it('should round-trip the header and every typed array, aligned', () => {
    const arrays = {
      scores: Float32Array.of(0.5, -1.25, 3),
      ids: Int32Array.of(7, 8, 9, 10, 11),
      flags: Uint8Array.of(1, 0, 1),
      wide: Float64Array.of(Math.PI),
    };
    const bytes = encodeBundle({ header: { algorithm: 'item_knn', itemIds: ['a', 'b'] }, arrays });
    const decoded = decodeBundle(bytes.subarray(0));
    assert.deepEqual(decoded.header, { algorithm: 'item_knn', itemIds: ['a', 'b'] });
    for (const [name, array] of Object.entries(arrays)) {
      assert.deepEqual(decoded.arrays[name], array, name);
      assert.equal(decoded.arrays[name].byteOffset % 8, 0, `${name} aligned`);
    }
  });

  it('should refuse bytes that are not an artifact or are truncated', () => {
    assert.throws(() => decodeBundle(Buffer.from('hello world, not a model')), CorruptArtifactError);
    const bytes = encodeBundle({ header: {}, arrays: { big: new Float32Array(100) } });
    assert.throws(() => decodeBundle(bytes.subarray(0, bytes.length - 40)), /outside the artifact/);
  });

  it('should checksum with SHA-256', () => {
    assert.equal(sha256(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
