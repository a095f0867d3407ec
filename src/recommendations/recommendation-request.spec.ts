import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { ServiceValidationPipe } from '../common/validation-pipe';
import { isWellFormedRecommendationRequest, RecommendationRequestDto } from './recommendations.dto';

const metadata = { type: 'body' as const, metatype: RecommendationRequestDto };
const full = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
const service = new ServiceValidationPipe();

/** What a caller sees: the DTO's class and fields, or the refusal's body. */
async function outcome(pipe: ValidationPipe, body: unknown): Promise<unknown> {
  try {
    const value = (await pipe.transform(structuredClone(body), metadata)) as object;
    return { type: value.constructor.name, fields: { ...value } };
  } catch (error) {
    assert.ok(error instanceof BadRequestException);
    return { refused: error.getResponse() };
  }
}

const longId = 'u'.repeat(191);
const accepted = [
  { user_id: 'user_1' },
  { user_id: longId, limit: 1, offset: 0, city: 'Dublin', algorithm: 'popularity', experiment_id: 'exp_1' },
  { user_id: 'é😀', limit: 100000, offset: 999, city: 'c'.repeat(191), experiment_id: 'e'.repeat(191) },
  { user_id: 'user_1', offset: -0, algorithm: 'item_knn' },
];
const fallBack = [
  // Valid, but left to the full path.
  { user_id: 'user_1', limit: '5' },
  { user_id: 'user_1', city: null },
  { user_id: 'user_1', context: { current_time: '2026-12-01T18:00:00Z' } },
  { user_id: 'user_1', city: '😀'.repeat(100) },
  // Invalid.
  {},
  [],
  [{ user_id: 'user_1' }],
  { user_id: '' },
  { user_id: 'a b' },
  { user_id: 'u'.repeat(192) },
  { user_id: 5 },
  { user_id: null },
  { user_id: 'user_1', limit: 0 },
  { user_id: 'user_1', limit: 1.5 },
  { user_id: 'user_1', limit: 'x' },
  { user_id: 'user_1', limit: true },
  { user_id: 'user_1', offset: -1 },
  { user_id: 'user_1', algorithm: 'nope' },
  { user_id: 'user_1', algorithm: 5 },
  { user_id: 'user_1', city: 'c'.repeat(192) },
  { user_id: 'user_1', city: 7 },
  { user_id: 'user_1', experiment_id: ['x'] },
  { user_id: 'user_1', extra: 1 },
  JSON.parse('{"user_id":"user_1","__proto__":{"limit":5}}'),
  { user_id: 'user_1', context: [] },
  { user_id: 'user_1', context: { user_preferences: { genres: [1] } } },
];

describe('the recommendation request check', { timeout: 30_000 }, () => {
  it('should take the quick way for plain well-formed bodies, with what the full validation gives', async () => {
    for (const body of accepted) {
      assert.equal(isWellFormedRecommendationRequest(body), true, JSON.stringify(body));
      assert.deepEqual(await outcome(service, body), await outcome(full, body), JSON.stringify(body));
      assert.equal(((await outcome(full, body)) as { type?: string }).type, 'RecommendationRequestDto');
    }
  });

  it('should leave every other body to the full validation, accepting and refusing with its words', async () => {
    for (const body of fallBack) {
      assert.equal(isWellFormedRecommendationRequest(body), false, JSON.stringify(body));
      assert.deepEqual(await outcome(service, body), await outcome(full, body), JSON.stringify(body));
    }
    assert.deepEqual(await outcome(service, { user_id: 'user_1', limit: 0 }), {
      refused: { message: ['limit must not be less than 1'], error: 'Bad Request', statusCode: 400 },
    });
  });
});
