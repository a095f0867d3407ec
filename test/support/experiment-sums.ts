import { emptyVariantSums, VariantSums } from '../../src/repositories/impressions.repository';

/** One participant as the results see them: lists shown, attributed events, pre-exposure activity. */
export interface Participant {
  lists: number;
  clicks: number;
  saves?: number;
  hides?: number;
  /** Feedback events before first exposure (CUPED's covariate). */
  activity?: number;
}

/** Adds a participant to the sums in place, as the repository's SQL sums them. */
export function addParticipant(s: VariantSums, p: Participant): void {
  const x = p.lists;
  const z = p.activity ?? 0;
  s.n += 1;
  s.lists += x;
  s.listsSquared += x * x;
  s.covariate += z;
  s.covariateSquared += z * z;
  s.listsTimesCovariate += x * z;
  for (const [action, y] of [
    ['click', p.clicks],
    ['save', p.saves ?? 0],
    ['hide', p.hides ?? 0],
  ] as const) {
    const a = s.actions[action];
    a.events += y;
    a.eventsSquared += y * y;
    a.eventsTimesLists += x * y;
    a.eventsTimesCovariate += y * z;
    if (y > 0) {
      a.users += 1;
      a.usersTimesCovariate += z;
    }
  }
}

export function sumsOf(variantId: string, participants: readonly Participant[]): VariantSums {
  const s = emptyVariantSums(variantId);
  for (const p of participants) addParticipant(s, p);
  return s;
}

/** A small, fast, seeded generator (mulberry32), so simulations are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
