/** A variant's share of an experiment's traffic. */
export interface VariantShare {
  variant_id: string;
  /** Percentage of all users, 0–100. */
  traffic_percentage: number;
}

/** controlVariantOf in words, for messages and docs. */
export const CONTROL_VARIANT_RULE = '(the variant called "control", else the first)';

/** The baseline every other variant is compared with: the one called "control", else the first. */
export function controlVariantOf<T extends VariantShare>(variants: readonly T[]): T {
  return variants.find((v) => v.variant_id === 'control') ?? variants[0];
}

/**
 * The rates an experiment can track, as the experiments API spells them. Click-through, save and
 * hide rate are per list shown (events on shown items ÷ lists shown); conversion rate is per
 * participant (share of participants who clicked at least once).
 */
export const METRICS = ['click_through_rate', 'conversion_rate', 'save_rate', 'hide_rate'] as const;
export type MetricName = (typeof METRICS)[number];

export const DEFAULT_PRIMARY_METRIC: MetricName = 'click_through_rate';

/** Which way a metric moves when a variant does harm: what a guardrail watches for. */
export const HARMFUL_DIRECTION: Record<MetricName, 'rise' | 'fall'> = {
  click_through_rate: 'fall',
  conversion_rate: 'fall',
  save_rate: 'fall',
  hide_rate: 'rise',
};
