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

/** The rates an experiment can track, as the experiments API spells them. */
export const METRICS = ['click_through_rate', 'save_rate', 'hide_rate'] as const;
export type MetricName = (typeof METRICS)[number];
