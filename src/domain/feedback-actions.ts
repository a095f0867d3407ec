/** What a user can do to an item, as the feedback API spells it. */
export const FEEDBACK_ACTIONS = ['save', 'hide', 'click', 'skip', 'like', 'dislike', 'watch', 'rate'] as const;
export type FeedbackAction = (typeof FEEDBACK_ACTIONS)[number];

/** Each action's weight in the preference signal unless FEEDBACK_WEIGHTS overrides it. */
export const DEFAULT_FEEDBACK_WEIGHTS: Record<FeedbackAction, number> = {
  save: 3,
  like: 3,
  rate: 1,
  watch: 2,
  click: 1,
  skip: -0.5,
  dislike: -3,
  hide: -5,
};
