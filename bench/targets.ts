import { IngestionSection } from './ingestion';
import { Section } from './options';
import { MemorySection } from './memory';
import { DatasetServing } from './serving';
import { SoakSection } from './soak';
import { TrainingSection } from './training';

export interface TargetCheck {
  target: string;
  measured: string;
  /** null when the run did not measure it (section skipped, or another scale than the target's). */
  met: boolean | null;
  /** How far from the target: positive is headroom, negative is the miss. */
  margin: string;
}

export interface MeasuredSections {
  serving: DatasetServing[];
  training?: TrainingSection;
  ingestion?: IngestionSection;
  soak?: SoakSection;
  memory?: MemorySection;
}

const ONE_MILLION = 1_000_000;
/** The scale the throughput target names (the full run's synthetic catalogue). */
const SERVING_SCALE = 2_000_000;
const MEMORY_SCALE = 20_000_000;
const TARGET_ALGORITHMS = ['item_knn', 'hybrid'] as const;

/** The issues' targets of the sections this run measured, checked against its numbers. */
export function checkTargets(sections: MeasuredSections, ran: Section[]): TargetCheck[] {
  return [
    ...(ran.includes('serving')
      ? [
          ...bareRatioTargets(sections.serving),
          ...servingScaleTargets(sections.serving),
          ...underTrainingTargets(sections.serving),
        ]
      : []),
    ...(ran.includes('soak') ? [soakTarget(sections.soak)] : []),
    ...(ran.includes('memory') ? [memoryTarget(sections.memory)] : []),
    ...(ran.includes('training') ? trainingTargets(sections.training) : []),
    ...(ran.includes('ingestion') ? ingestionTargets(sections.ingestion) : []),
  ];
}

/** /health ≥ 50% and recommendations (cache off) ≥ 20% of the bare server handing out the same bytes. */
function bareRatioTargets(serving: DatasetServing[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const s of serving) {
    checks.push({
      target: `/health ≥ 50% of the bare node:http server (${s.dataset})`,
      measured: `${percent(s.healthRatioToBare)} (${rate(s.health)} vs ${rate(s.bareHealth)} req/s)`,
      met: s.healthRatioToBare >= 0.5,
      margin: `${signed((s.healthRatioToBare - 0.5) * 100, 0)} points`,
    });
    for (const algorithm of TARGET_ALGORITHMS) {
      const run = s.runs.find((r) => r.algorithm === algorithm);
      const target = `${algorithm} recommendations, cache off, ≥ 20% of the bare server handing out the same bytes (${s.dataset})`;
      if (!run) {
        checks.push({ target, measured: 'not measured', met: null, margin: '' });
        continue;
      }
      checks.push({
        target,
        measured: `${percent(run.ratioToBare)} (${rate(run.load)} vs ${rate(run.bare)} req/s, ${run.sample.bytes.toLocaleString('en')} bytes)`,
        met: run.ratioToBare >= 0.2,
        margin: `${signed((run.ratioToBare - 0.2) * 100, 0)} points`,
      });
    }
  }
  return checks;
}

/** ≥ 2,500 req/s and p99 ≤ 25 ms at 32 connections, at the 2M-interaction synthetic scale. */
function servingScaleTargets(serving: DatasetServing[]): TargetCheck[] {
  const synthetic = serving.find((s) => s.dataset.startsWith('synthetic'));
  const atScale = synthetic?.interactions === SERVING_SCALE;
  const scaleNote =
    synthetic && !atScale ? ` (measured at ${synthetic.interactions.toLocaleString('en')}, not 2M)` : '';
  return TARGET_ALGORITHMS.flatMap((algorithm) => {
    const run = synthetic?.runs.find((r) => r.algorithm === algorithm);
    const throughput = `${algorithm} recommendations ≥ 2,500 req/s at 2M interactions, cache off`;
    const latency = `${algorithm} p99 ≤ 25 ms at 32 connections, 2M interactions, cache off`;
    if (!run)
      return [
        { target: throughput, measured: 'not measured', met: null, margin: '' },
        { target: latency, measured: 'not measured', met: null, margin: '' },
      ];
    const p99 = run.load.latencyMs.p99;
    const at32 = atScale && run.load.connections === 32;
    return [
      {
        target: throughput,
        measured: `${rate(run.load)} req/s${scaleNote}`,
        met: atScale ? run.load.requestsPerSecond >= 2_500 : null,
        margin: `${signed((run.load.requestsPerSecond / 2_500 - 1) * 100, 0)}%`,
      },
      {
        target: latency,
        measured: `${p99.toFixed(1)} ms at ${run.load.connections} connections${scaleNote}`,
        met: at32 ? p99 <= 25 : null,
        margin: p99 <= 25 ? `${(25 - p99).toFixed(1)} ms headroom` : `${(p99 - 25).toFixed(1)} ms over`,
      },
    ];
  });
}

function underTrainingTargets(serving: DatasetServing[]): TargetCheck[] {
  const check = (where: string, run: { p99Ratio: number; mode: string; idle: LoadLike; training: LoadLike }) => ({
    target: `p99 while retraining ≤ 1.3 × idle p99 (${where}, ${run.mode}${run.idle.overallRate ? ` ${run.idle.overallRate} req/s` : ''})`,
    measured: `×${run.p99Ratio.toFixed(2)} (${run.training.latencyMs.p99.toFixed(1)} vs ${run.idle.latencyMs.p99.toFixed(1)} ms)`,
    met: run.p99Ratio <= 1.3,
    margin:
      run.p99Ratio <= 1.3
        ? `${((1.3 / run.p99Ratio - 1) * 100).toFixed(0)}% headroom`
        : `${((run.p99Ratio / 1.3 - 1) * 100).toFixed(0)}% over`,
  });
  return serving.flatMap((s) => [
    ...s.underTraining.map((run) => check(`${s.dataset}, ${run.algorithm}, one process`, run)),
    ...(s.besideTrainer?.runs ?? []).map((run) =>
      check(
        `${s.dataset}, ${run.algorithm}, ${s.besideTrainer?.rolesSupported ? 'API process beside a trainer process' : 'a second process trains (no SERVICE_ROLE in this build)'}`,
        run,
      ),
    ),
  ]);
}

interface LoadLike {
  overallRate: number | null;
  latencyMs: { p99: number };
}

/** Flat over time: a 10-minute run from one caller ends within 10% of its first minute's rate. */
function soakTarget(soak: SoakSection | undefined): TargetCheck {
  const target =
    'flat over time: one caller for 10 minutes ends within 10% of its first minute (cache off, under an experiment)';
  if (!soak || soak.lastOverFirst === null)
    return {
      target,
      measured: soak ? 'fewer than two windows' : 'not measured (the soak failed)',
      met: null,
      margin: '',
    };
  const ratio = soak.lastOverFirst;
  const rates = soak.windowRates;
  return {
    target,
    measured:
      `last/first ${ratio.toFixed(2)} (${Math.round(rates[0])} → ${Math.round(rates[rates.length - 1])} req/s` +
      `${soak.minutes === 10 && soak.windowSeconds === 60 ? '' : `; ${soak.minutes} min in ${soak.windowSeconds} s windows`})`,
    met: soak.minutes >= 10 ? ratio >= 0.9 : null,
    margin: `${signed((ratio - 0.9) * 100, 0)} points`,
  };
}

/** ≤ 3 GB resident per API replica at 20M interactions. */
function memoryTarget(memory: MemorySection | undefined): TargetCheck {
  const target = 'RSS ≤ 3 GB per API replica at 20M interactions (default algorithm loaded, after serving)';
  if (!memory) return { target, measured: 'not measured (the memory section failed)', met: null, margin: '' };
  const rssMb = Math.max(memory.rssAfterLoadMb, memory.rssAfterServingMb);
  const limitMb = 3 * 1024;
  const atScale = memory.interactions === MEMORY_SCALE;
  return {
    target,
    measured:
      `${Math.round(rssMb).toLocaleString('en')} MB (${memory.role}; ${memory.algorithms.join(', ')}; loaded in ${memory.secondsToModelLoaded.toFixed(0)} s)` +
      `${atScale ? '' : `, measured at ${memory.interactions.toLocaleString('en')} interactions`}`,
    met: atScale ? rssMb <= limitMb : null,
    margin: rssMb <= limitMb ? `${Math.round(limitMb - rssMb)} MB headroom` : `${Math.round(rssMb - limitMb)} MB over`,
  };
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

function rate(load: { requestsPerSecond: number }): string {
  return Math.round(load.requestsPerSecond).toLocaleString('en');
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(0)}%`;
}

function signed(value: number, digits: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}
