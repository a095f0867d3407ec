import { DEFAULT_FEEDBACK_WEIGHTS, FEEDBACK_ACTIONS, FeedbackAction } from '../src/domain/feedback-actions';
import { signalWeight } from '../src/domain/signal';

/** An item as the benchmark writes it to the catalogue (the items table's fields). */
export interface DatasetItem {
  id: string;
  name: string;
  type: string | null;
  city: string | null;
  venue: string | null;
  startsAt: number | null;
  endsAt: number | null;
  genres: string[];
  artists: string[];
  tags: string[];
}

export interface DatasetUser {
  id: string;
  city: string | null;
  preferences: { genres?: string[]; artists?: string[] };
}

/** Feedback events, columnar so millions of them cost a few typed arrays, in time order. */
export interface DatasetEvents {
  /** Index into `users`. */
  user: Int32Array;
  /** Index into `items`. */
  item: Int32Array;
  /** Index into FEEDBACK_ACTIONS. */
  action: Uint8Array;
  /** NaN where the event has no value. */
  value: Float32Array;
  /** Epoch milliseconds, ascending. */
  occurredAt: Float64Array;
}

/** A catalogue, its users and their feedback: what a benchmark database is loaded with. */
export interface BenchDataset {
  name: string;
  description: string;
  items: DatasetItem[];
  users: DatasetUser[];
  events: DatasetEvents;
}

export function actionOf(events: DatasetEvents, k: number): FeedbackAction {
  return FEEDBACK_ACTIONS[events.action[k]];
}

export function valueOf(events: DatasetEvents, k: number): number | null {
  const value = events.value[k];
  return Number.isNaN(value) ? null : value;
}

export function actionCode(action: FeedbackAction): number {
  return FEEDBACK_ACTIONS.indexOf(action);
}

/** The service's preference weight of event k under the default feedback weights. */
export function eventWeight(events: DatasetEvents, k: number): number {
  return signalWeight(actionOf(events, k), valueOf(events, k), DEFAULT_FEEDBACK_WEIGHTS);
}

/**
 * Users with at least `minPositive` positive events: the "known users" a recommendation load
 * asks for, so every request exercises the collaborative path rather than a cold-start fallback.
 */
export function knownUserIds(dataset: BenchDataset, minPositive = 1): string[] {
  const positives = new Int32Array(dataset.users.length);
  const { events } = dataset;
  for (let k = 0; k < events.user.length; k++) if (eventWeight(events, k) > 0) positives[events.user[k]]++;
  const ids: string[] = [];
  for (let u = 0; u < positives.length; u++) if (positives[u] >= minPositive) ids.push(dataset.users[u].id);
  return ids;
}
