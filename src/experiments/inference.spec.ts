import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { infer, mixingRho2, sequentialHalfWidth, sequentialPValue } from './inference';
import { daysToReach, minimumDetectableEffect, participantsNeeded } from './power';

function assertClose(actual: number, expected: number, tolerance: number, label = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label} expected ${expected} ± ${tolerance}, got ${actual}`);
}

describe('asymptotic confidence sequence (Waudby-Smith et al. 2023)', { timeout: 10_000 }, () => {
  it('should tune ρ² for n* = 5,000 at α = 0.05 as the paper approximates it', () => {
    // (−2 ln 0.05 + ln(−2 ln 0.05 + 1))/5000 = (5.991465 + 1.944691)/5000 = 0.00158723.
    assertClose(mixingRho2(0.05), 0.00158723092, 1e-11);
  });

  it('should be 1.549× the fixed-horizon half-width at n = n*, worked by hand', () => {
    // σ = 1 per participant (Var = 1/n), n = 5000: nρ² = 7.936155,
    // √(2·8.936155/(5000²·0.00158723) · ln(√8.936155/0.05)) = √(4.50400e-4 · 4.090788) = 0.0429243.
    const halfWidth = sequentialHalfWidth(1 / 5000, 5000, 0.05);
    assertClose(halfWidth, 0.0429243372, 1e-9);
    assertClose(halfWidth / (1.959963985 / Math.sqrt(5000)), 1.5486045, 1e-6);
  });

  it('should give p = α exactly where the sequence touches 0, and a larger p inside it', () => {
    const variance = 1e-4;
    const halfWidth = sequentialHalfWidth(variance, 4000, 0.05);
    assertClose(sequentialPValue(halfWidth, variance, 4000, 0.05), 0.05, 1e-12);
    // 0.03 with SE 0.01 (z = 3): √(nρ² + 1)·exp(−9·nρ²/(2(nρ² + 1))) at n = 4000 = 0.0555546 — not
    // significant, where a fixed-horizon test would say p = 0.0027.
    assertClose(sequentialPValue(0.03, variance, 4000, 0.05), 0.0555546254, 1e-9);
    assert.equal(sequentialPValue(0, variance, 4000, 0.05), 1);
  });
});

describe('infer', { timeout: 10_000 }, () => {
  it('should give the textbook z-interval and p-value in fixed-horizon mode', () => {
    // 0.1 ± 1.959964·0.05 = 0.1 ± 0.0979982; z = 2: p = 0.0455003.
    const r = infer(0.1, 0.0025, 1000, { mode: 'fixed_horizon', alpha: 0.05 });
    assertClose(r.halfWidth, 0.0979981992, 1e-9);
    assertClose(r.pValue, 0.0455002639, 1e-9);
  });

  it('should answer p = 1 and no interval without variance', () => {
    const r = infer(0.1, 0, 1000, { mode: 'sequential', alpha: 0.05 });
    assert.equal(r.pValue, 1);
    assert.ok(Number.isNaN(r.low));
  });
});

describe('power and duration (GrowthBook power docs)', { timeout: 10_000 }, () => {
  const fixed = { mode: 'fixed_horizon' as const, alpha: 0.05 };
  it('should put the MDE at (z₀.₉₇₅ + z₀.₈)·SE in fixed-horizon mode', () => {
    // (1.959964 + 0.841621)·0.1 = 0.2801585.
    assertClose(minimumDetectableEffect(0.01, 1000, fixed), 0.2801585218, 1e-9);
  });

  it('should scale the sample by (MDE/target)² and turn it into days at the observed inflow', () => {
    // 1000 · (0.2801585/0.1)² = 7848.88 → 7849 participants; (7849 − 1000)/100 per day = 68.49 days.
    const needed = participantsNeeded(0.1, 0.01, 1000, fixed);
    assert.equal(needed, 7849);
    assertClose(daysToReach(needed, 1000, 100), 68.49, 1e-9);
    assert.equal(daysToReach(needed, 8000, 100), 0);
  });

  it('should ask for more participants in sequential mode, whose interval is wider', () => {
    const sequential = participantsNeeded(0.1, 0.01, 1000, { mode: 'sequential', alpha: 0.05 });
    assert.ok(sequential > 7849, `${sequential}`);
  });
});
