import { IngestionSection } from './ingestion';
import { DatasetServing } from './serving';
import { TrainingSection } from './training';

export interface TargetCheck {
  target: string;
  measured: string;
  /** null when the run did not measure it (section skipped, or quick scales). */
  met: boolean | null;
  /** How far from the target: positive is headroom, negative is the miss. */
  margin: string;
}

const ONE_MILLION = 1_000_000;

/** The issue's targets, checked against this run's numbers. */
export function checkTargets(
  serving: DatasetServing[],
  training: TrainingSection | undefined,
  ingestion: IngestionSection | undefined,
): TargetCheck[] {
  return [
    ...servingTargets(serving),
    ...underTrainingTargets(serving),
    ...trainingTargets(training),
    ...ingestionTargets(ingestion),
  ];
}

function servingTargets(serving: DatasetServing[]): TargetCheck[] {
  const synthetic = serving.find((s) => s.dataset.startsWith('synthetic'));
  return (['item_knn', 'hybrid'] as const).map((algorithm) => {
    const run = synthetic?.runs.find((r) => r.algorithm === algorithm);
    const target = `${algorithm} recommendations ≥ 60% of /health req/s (${synthetic ? synthetic.dataset : 'synthetic scale'})`;
    if (!run) return { target, measured: 'not measured', met: null, margin: '' };
    return {
      target,
      measured: `${percent(run.ratioToHealth)} (${Math.round(run.load.requestsPerSecond)} vs ${Math.round(run.health.requestsPerSecond)} req/s on /health just before)`,
      met: run.ratioToHealth >= 0.6,
      margin: `${signed((run.ratioToHealth - 0.6) * 100, 0)} points`,
    };
  });
}

function underTrainingTargets(serving: DatasetServing[]): TargetCheck[] {
  return serving.flatMap((s) =>
    s.underTraining.map((run) => ({
      target: `p99 during training ≤ 1.3 × idle p99 (${s.dataset}, ${run.algorithm}, ${run.mode}${run.idle.overallRate ? ` ${run.idle.overallRate} req/s` : ''})`,
      measured: `×${run.p99Ratio.toFixed(2)} (${run.training.latencyMs.p99.toFixed(1)} vs ${run.idle.latencyMs.p99.toFixed(1)} ms)`,
      met: run.p99Ratio <= 1.3,
      margin:
        run.p99Ratio <= 1.3
          ? `${((1.3 / run.p99Ratio - 1) * 100).toFixed(0)}% headroom`
          : `${((run.p99Ratio / 1.3 - 1) * 100).toFixed(0)}% over`,
    })),
  );
}

function trainingTargets(training: TrainingSection | undefined): TargetCheck[] {
  const limits: [string, string, number][] = [
    ['item_knn', 'item_knn', 15],
    ['collaborative_filtering', 'user-based (collaborative_filtering)', 15],
    ['matrix_factorization', 'ALS (matrix_factorization, 64 factors, 10 iterations)', 60],
  ];
  const checks: TargetCheck[] = limits.map(([algorithm, label, seconds]) => {
    const target = `training ${label} at 1M interactions ≤ ${seconds} s`;
    const row = training?.rows.find((r) => r.algorithm === algorithm && r.interactions === ONE_MILLION);
    if (!row || row.skipped || row.error !== null) {
      return {
        target,
        measured: row?.skipped ?? row?.error ?? 'not measured at 1M (quick scales)',
        met: null,
        margin: '',
      };
    }
    return {
      target,
      measured: `${row.totalSeconds.toFixed(1)} s (fit alone ${row.fitSeconds.toFixed(1)} s)`,
      met: row.totalSeconds <= seconds,
      margin:
        row.totalSeconds <= seconds
          ? `${(seconds - row.totalSeconds).toFixed(1)} s headroom`
          : `${(row.totalSeconds - seconds).toFixed(1)} s over (×${(row.totalSeconds / seconds).toFixed(2)})`,
    };
  });
  for (const algorithm of new Set(training?.rows.map((r) => r.algorithm) ?? [])) {
    const exponents = (training?.rows ?? [])
      .filter((r) => r.algorithm === algorithm && r.growthExponent !== null)
      .map((r) => r.growthExponent as number);
    if (exponents.length === 0) continue;
    const worst = Math.max(...exponents);
    checks.push({
      target: `${algorithm} training cost grows roughly linearly (exponent ≤ 1.2 between scales)`,
      measured: exponents.map((e) => e.toFixed(2)).join(', '),
      met: worst <= 1.2,
      margin: worst <= 1.2 ? 'linear' : `exponent ${worst.toFixed(2)}`,
    });
  }
  return checks;
}

function ingestionTargets(ingestion: IngestionSection | undefined): TargetCheck[] {
  const limits: ['single' | 'batch', number][] = [
    ['single', 2_000],
    ['batch', 20_000],
  ];
  return limits.map(([mode, minimum]) => {
    const row = ingestion?.rows.find((r) => r.database === 'sqlite' && r.mode === mode);
    const target = `SQLite ingestion, ${mode === 'single' ? 'single events' : 'batches of 1000'} ≥ ${minimum.toLocaleString('en')} events/s`;
    if (!row) return { target, measured: 'not measured', met: null, margin: '' };
    return {
      target,
      measured: `${Math.round(row.eventsPerSecond).toLocaleString('en')} events/s`,
      met: row.eventsPerSecond >= minimum,
      margin: `${signed((row.eventsPerSecond / minimum - 1) * 100, 0)}%`,
    };
  });
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(0)}%`;
}

function signed(value: number, digits: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}
