import {
  BatchRecommendationResponseDto,
  ItemMetadataDto,
  RecommendationResponseDto,
  RecommendedItemDto,
} from './recommendations.dto';

/**
 * The recommendation responses written by hand rather than by fast-json-stringify, which took
 * ~40 µs for a list of ten (its string escaping is slower than V8's JSON.stringify) and left a
 * string that Fastify scanned for its byte length and Node encoded again. Here an item's metadata,
 * most of the bytes, is encoded once per catalogue change (keyed by the metadata object the
 * catalogue builds per change and never alters) and copied, and the answer is a Buffer. The bytes are fast-json-stringify's
 * for the same schema, property for property (response-writer.spec.ts checks every documented
 * property, so a property added to a DTO and not here fails the test).
 */
const encodedMetadata = new WeakMap<ItemMetadataDto, Buffer>();
const CLOSE = Buffer.from('}');

export function writeRecommendationResponse(response: RecommendationResponseDto): Buffer {
  return Buffer.concat(recommendationParts(response, []));
}

export function writeBatchRecommendationResponse(batch: BatchRecommendationResponseDto): Buffer {
  const parts = [Buffer.from('{"results":[')];
  batch.results.forEach((response, k) => {
    if (k > 0) parts.push(Buffer.from(','));
    recommendationParts(response, parts);
  });
  parts.push(Buffer.from(`],"count":${number(batch.count)}}`));
  return Buffer.concat(parts);
}

function recommendationParts(r: RecommendationResponseDto, parts: Buffer[]): Buffer[] {
  parts.push(
    Buffer.from(
      `{"user_id":${string(r.user_id)},"recommendation_id":${string(r.recommendation_id)},"recommendations":[`,
    ),
  );
  r.recommendations.forEach((item, k) => itemParts(item, k > 0, parts));
  parts.push(
    Buffer.from(
      `],"model_version":${nullableString(r.model_version)},"algorithm":${string(r.algorithm)},` +
        `"ab_experiment":${nullableString(r.ab_experiment)},"variant":${nullableString(r.variant)},` +
        `${r.fallback === undefined ? '' : `"fallback":${string(r.fallback)},`}"latency_ms":${number(r.latency_ms)}}`,
    ),
  );
  return parts;
}

function itemParts(item: RecommendedItemDto, comma: boolean, parts: Buffer[]): void {
  parts.push(
    Buffer.from(
      `${comma ? ',' : ''}{"event_id":${string(item.event_id)},"score":${number(item.score)},` +
        `"confidence":${number(item.confidence)},"reason":${string(item.reason)},` +
        `"algorithm":${string(item.algorithm)},"metadata":`,
    ),
    metadataBytes(item.metadata),
    CLOSE,
  );
}

function metadataBytes(metadata: ItemMetadataDto): Buffer {
  let bytes = encodedMetadata.get(metadata);
  if (bytes === undefined) {
    bytes = Buffer.from(
      `{"event_name":${string(metadata.event_name)},"venue":${nullableString(metadata.venue)},` +
        `"date":${nullableString(metadata.date)},"starts_at":${nullableString(metadata.starts_at)},` +
        `"genre":${nullableString(metadata.genre)},"genres":${strings(metadata.genres)},` +
        `"artists":${strings(metadata.artists)},"city":${nullableString(metadata.city)},` +
        `"type":${nullableString(metadata.type)}}`,
    );
    encodedMetadata.set(metadata, bytes);
  }
  return bytes;
}

function string(value: string): string {
  return JSON.stringify(value);
}

function nullableString(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

function strings(values: string[]): string {
  return JSON.stringify(values);
}

/** As fast-json-stringify writes a number: infinities as null, NaN refused. */
function number(value: number): string {
  if (Number.isNaN(value)) throw new Error(`The value "${value}" cannot be converted to a number.`);
  return Number.isFinite(value) ? `${value}` : 'null';
}
