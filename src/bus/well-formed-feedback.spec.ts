import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BatchFeedbackDto } from '../feedback/feedback.dto';
import { validateMessage } from './message-body';
import { wellFormedFeedback } from './well-formed-feedback';

const EVENT = { user_id: 'u1', event_id: 'e1', action: 'click' };
const FULL = {
  feedback_id: 'fb_1',
  user_id: 'user_123',
  event_id: 'evt_789',
  action: 'rate',
  value: 4.5,
  context: { recommendation_id: 'rec_1', position: 3, timestamp: '2026-11-23T12:00:00Z' },
};
const PAIR = '\u{1F600}';

/** Bodies the pipe accepts and the fast path must too: the common shapes of a bus message. */
const WELL_FORMED: object[] = [
  EVENT,
  FULL,
  ...['save', 'hide', 'click', 'skip', 'like', 'dislike', 'watch', 'rate'].map((action) => ({ ...EVENT, action })),
  { ...EVENT, value: 0 },
  { ...EVENT, value: -3.25 },
  { ...EVENT, feedback_id: '' },
  { ...EVENT, feedback_id: 'f'.repeat(191) },
  { ...EVENT, user_id: 'u'.repeat(191), event_id: 'é/€:#' },
  { ...EVENT, context: {} },
  { ...EVENT, context: { position: 0 } },
  { ...EVENT, context: { position: 10000 } },
  { ...EVENT, context: { recommendation_id: 'r'.repeat(64) } },
  { ...EVENT, context: { timestamp: '2026-11-23T12:00:00.123+02:00' } },
  { ...EVENT, context: { timestamp: '2026-11-23' } },
  { ...EVENT, context: { timestamp: '2026-11-23 12:00:00' } },
];

/** Valid, but unusual enough that the fast path leaves them to the pipe. */
const UNUSUAL: object[] = [
  // class-transformer skips the key, so the pipe sees no unknown property.
  JSON.parse('{"user_id":"u1","event_id":"e1","action":"click","__proto__":{"x":1}}') as object,
  { ...EVENT, value: null },
  { ...EVENT, feedback_id: null },
  { ...EVENT, feedback_id: PAIR.repeat(100) },
  { ...EVENT, context: null },
  { ...EVENT, context: { recommendation_id: null, position: null, timestamp: null } },
  { ...EVENT, context: { recommendation_id: PAIR.repeat(40) } },
];

/** Every field's bad forms. */
const INVALID: object[] = [
  {},
  { event_id: 'e1', action: 'click' },
  { user_id: 'u1', action: 'click' },
  { user_id: 'u1', event_id: 'e1' },
  { ...EVENT, extra: 1 },
  ...[null, 1, true, '', ' ', 'a b', 'tab\there', 'u'.repeat(192), ['u1'], { id: 'u1' }].flatMap((id) => [
    { ...EVENT, user_id: id },
    { ...EVENT, event_id: id },
  ]),
  ...[null, 'CLICK', 'purchase', '', 1, ['click'], { action: 'click' }].map((action) => ({ ...EVENT, action })),
  ...['4', 'NaN', true, [4], { v: 4 }].map((value) => ({ ...EVENT, value })),
  ...[1, true, 'f'.repeat(192), ['f'], { id: 'f' }].map((id) => ({ ...EVENT, feedback_id: id })),
  ...[1, 'ctx', true, [], [{ position: 1 }], { extra: 1 }, { position: 1, extra: 1 }].map((context) => ({
    ...EVENT,
    context,
  })),
  ...[1, 'r'.repeat(65), ['r'], {}].map((recommendation_id) => ({ ...EVENT, context: { recommendation_id } })),
  ...[-1, 10001, 1.5, '1', true, [1], {}].map((position) => ({ ...EVENT, context: { position } })),
  ...[
    1,
    '',
    'yesterday',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-11-23T25:00:00Z',
    ['2026-11-23'],
    {},
  ].map((timestamp) => ({ ...EVENT, context: { timestamp } })),
];

/** As a message arrives: through JSON, so that `__proto__` is a key like any other. */
const copy = (body: object) => JSON.parse(JSON.stringify(body)) as Record<string, unknown>;

async function pipeVerdict(body: object): Promise<{ accepted: true; value: unknown } | { accepted: false }> {
  try {
    const dto = await validateMessage(BatchFeedbackDto, copy(body));
    return { accepted: true, value: JSON.parse(JSON.stringify(dto)) as unknown };
  } catch {
    return { accepted: false };
  }
}

describe('wellFormedFeedback', { timeout: 30_000 }, () => {
  it('should accept the common well-formed bodies, each as the ValidationPipe makes it', async () => {
    for (const body of WELL_FORMED) {
      const fast = wellFormedFeedback(copy(body));
      assert.notEqual(fast, null, JSON.stringify(body));
      assert.deepEqual(await pipeVerdict(body), { accepted: true, value: JSON.parse(JSON.stringify(fast)) as unknown });
    }
  });

  it('should leave the unusual valid bodies to the pipe, which accepts them', async () => {
    for (const body of UNUSUAL) {
      assert.equal(wellFormedFeedback(copy(body)), null, JSON.stringify(body));
      assert.equal((await pipeVerdict(body)).accepted, true, JSON.stringify(body));
    }
  });

  it('should leave every invalid body to the pipe, which rejects it', async () => {
    for (const body of INVALID) {
      assert.equal(wellFormedFeedback(copy(body)), null, JSON.stringify(body));
      assert.equal((await pipeVerdict(body)).accepted, false, JSON.stringify(body));
    }
  });
});
