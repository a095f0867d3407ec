import { isISO8601 } from 'class-validator';
import { ID_PATTERN } from '../common/validation';
import { FEEDBACK_ACTIONS } from '../domain/feedback-actions';
import { BatchFeedbackDto } from '../feedback/feedback.dto';

const EVENT_KEYS = new Set(['user_id', 'event_id', 'action', 'value', 'context', 'feedback_id']);
const CONTEXT_KEYS = new Set(['recommendation_id', 'position', 'timestamp']);
const ACTIONS: ReadonlySet<unknown> = new Set(FEEDBACK_ACTIONS);

/**
 * A parsed message as a BatchFeedbackDto when it is plainly one, else null. The ValidationPipe's
 * class-transformer and class-validator cost tens of microseconds a message, most of the bus's
 * budget; this checks the common, well-formed case by hand. It only ever says yes where the pipe
 * accepts the same value unchanged (whitelist, types, lengths, ranges of BatchFeedbackDto and
 * FeedbackContextDto); anything unusual — a null, an unknown key, a string near a length limit —
 * is left to the pipe, so every rejection and its message still come from the pipe.
 */
export function wellFormedFeedback(value: Record<string, unknown>): BatchFeedbackDto | null {
  for (const key in value) if (!EVENT_KEYS.has(key)) return null;
  const { user_id, event_id, action, value: amount, context, feedback_id } = value;
  if (!isId(user_id) || !isId(event_id) || !ACTIONS.has(action)) return null;
  if (amount !== undefined && !(typeof amount === 'number' && Number.isFinite(amount))) return null;
  // MaxLength counts a surrogate pair as one character: a string this short in UTF-16 units is short enough.
  if (feedback_id !== undefined && !(typeof feedback_id === 'string' && feedback_id.length <= 191)) return null;
  if (context !== undefined && !wellFormedContext(context)) return null;
  return value as unknown as BatchFeedbackDto;
}

function wellFormedContext(context: unknown): boolean {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) return false;
  for (const key in context) if (!CONTEXT_KEYS.has(key)) return false;
  const { recommendation_id, position, timestamp } = context as Record<string, unknown>;
  if (recommendation_id !== undefined && !(typeof recommendation_id === 'string' && recommendation_id.length <= 64)) {
    return false;
  }
  if (
    position !== undefined &&
    !(Number.isInteger(position) && (position as number) >= 0 && (position as number) <= 10000)
  ) {
    return false;
  }
  // The very check IsISO8601({ strict: true }) makes.
  return timestamp === undefined || (typeof timestamp === 'string' && isISO8601(timestamp, { strict: true }));
}

function isId(value: unknown): boolean {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
