import { FeedbackAction } from './feedback-actions';

/**
 * The preference signal of one event. rate is centred on 3 stars (4 and 5 are positive, 1 and 2
 * negative); watch counts only past half-way, growing to the full weight at completion.
 */
export function signalWeight(
  action: FeedbackAction,
  value: number | null,
  weights: Record<FeedbackAction, number>,
): number {
  if (action === 'rate') return weights.rate * ((value ?? 3) - 3);
  if (action === 'watch') return weights.watch * Math.max(0, 2 * (value ?? 0) - 1);
  return weights[action];
}

/** Actions after which an item is not recommended to that user again: rejected or already consumed. */
export const EXCLUDING_ACTIONS: readonly FeedbackAction[] = ['hide', 'dislike', 'save', 'like', 'rate', 'watch'];

const EXCLUDING = new Set(EXCLUDING_ACTIONS);

export function excludesItem(action: FeedbackAction): boolean {
  return EXCLUDING.has(action);
}
