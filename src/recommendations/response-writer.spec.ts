import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fastJson from 'fast-json-stringify';
import { JsonSchema, jsonSchemaOf } from '../common/response-schema';
import { BatchRecommendationResponseDto, RecommendationResponseDto } from './recommendations.dto';
import { writeBatchRecommendationResponse, writeRecommendationResponse } from './response-writer';

/** Strings that need escaping, or are not one byte per character in UTF-8. */
const AWKWARD = ['Techno Night', 'quote " and \\ backslash', 'line\nbreak\ttab\u0001', 'Róisín’s café 🎶', ''];

/**
 * A value for every property the schema documents, the k-th variant of each: nullable ones are
 * null on odd variants, lists have 0–2 entries, so together the variants cover every branch.
 */
function sample(schema: JsonSchema, variant: number, path = ''): unknown {
  const types = ([] as string[]).concat(schema.type);
  if (types.includes('null') && variant % 2 === 1) return null;
  if ('properties' in schema)
    return Object.fromEntries(
      Object.entries(schema.properties).map(([name, property], k) => [
        name,
        sample(property, variant + k, `${path}.${name}`),
      ]),
    );
  if ('items' in schema) return Array.from({ length: variant % 3 }, (_, k) => sample(schema.items, variant + k, path));
  if (types.includes('number')) return [0.9214, 3, -0.5, 1e-7, Infinity][variant % 5];
  return `${AWKWARD[variant % AWKWARD.length]}${path}`;
}

describe('response writers', { timeout: 30_000 }, () => {
  const single = jsonSchemaOf(RecommendationResponseDto);
  const batch = jsonSchemaOf(BatchRecommendationResponseDto);

  it('should write a recommendation response byte for byte as fast-json-stringify does, every documented property included', () => {
    const reference = fastJson(single as Parameters<typeof fastJson>[0]);
    for (let variant = 0; variant < 12; variant++) {
      const response = sample(single, variant) as RecommendationResponseDto;
      assert.equal(writeRecommendationResponse(response).toString('utf8'), reference(response), `variant ${variant}`);
    }
  });

  it('should leave out the optional fallback when absent and keep undocumented properties out', () => {
    const reference = fastJson(single as Parameters<typeof fastJson>[0]);
    const response = sample(single, 2) as RecommendationResponseDto & { secret?: string };
    delete response.fallback;
    response.secret = 'never leaves the service';
    const written = writeRecommendationResponse(response).toString('utf8');
    assert.equal(written, reference(response));
    assert.equal('fallback' in JSON.parse(written), false);
    assert.equal(written.includes('never leaves'), false);
  });

  it('should write a batch as fast-json-stringify does', () => {
    const reference = fastJson(batch as Parameters<typeof fastJson>[0]);
    for (let variant = 0; variant < 6; variant++) {
      const response = sample(batch, variant) as BatchRecommendationResponseDto;
      assert.equal(
        writeBatchRecommendationResponse(response).toString('utf8'),
        reference(response),
        `variant ${variant}`,
      );
    }
  });

  it('should refuse NaN as fast-json-stringify does rather than write invalid JSON', () => {
    const response = sample(single, 0) as RecommendationResponseDto;
    response.latency_ms = NaN;
    assert.throws(() => writeRecommendationResponse(response), /cannot be converted to a number/);
  });
});
