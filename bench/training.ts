import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { AlgorithmName } from '../src/algorithms/types';
import { TrainingPlan, trainingShape } from './options';
import { TrainingChildResult, TrainingChildSpec } from './training-child';

const CHILD = resolve(__dirname, 'training-child.js');

export interface TrainingRow extends TrainingChildResult {
  /** log(t₂/t₁)/log(n₂/n₁) against the previous scale: 1 is linear, 2 quadratic. */
  growthExponent: number | null;
  skipped: string | null;
}

export interface TrainingSection {
  rows: TrainingRow[];
  shapes: { interactions: number; users: number; items: number }[];
}

/**
 * Wall time and peak memory of the training worker per algorithm per scale, each in a fresh
 * process. A scale is skipped for an algorithm when extrapolating its growth so far says it
 * would overrun the per-run budget (reported as skipped, with the extrapolation).
 */
export async function runTrainingSection(plan: TrainingPlan, log: (line: string) => void): Promise<TrainingSection> {
  const rows: TrainingRow[] = [];
  const scales = [...plan.interactions].sort((a, b) => a - b);
  for (const algorithm of plan.algorithms) {
    let previous: TrainingRow | undefined;
    for (const interactions of scales) {
      const shape = trainingShape(interactions);
      const predicted = previous && previous.error === null ? extrapolate(previous, interactions) : undefined;
      if (previous?.skipped || (previous && previous.error !== null)) {
        rows.push(
          skippedRow(algorithm, shape, previous.skipped ?? `not run: failed at ${previous.interactions} interactions`),
        );
        continue;
      }
      if (predicted !== undefined && predicted > plan.timeoutSeconds) {
        const row = skippedRow(
          algorithm,
          shape,
          `skipped: ~${Math.round(predicted)} s extrapolated from the smaller scale exceeds the ${plan.timeoutSeconds} s budget`,
        );
        rows.push(row);
        previous = row;
        log(`  training ${algorithm} @ ${interactions}: ${row.skipped}`);
        continue;
      }
      const result = await runChild({ algorithm, interactions }, plan.timeoutSeconds);
      const row: TrainingRow = { ...result, growthExponent: growth(previous, result), skipped: null };
      rows.push(row);
      log(
        `  training ${algorithm} @ ${interactions}: ${row.error ? `error: ${row.error}` : `${row.totalSeconds.toFixed(1)} s total, ${row.fitSeconds.toFixed(1)} s fit, peak ${Math.round(row.peakRssMb)} MB`}`,
      );
      previous = row;
    }
  }
  return {
    rows,
    shapes: scales.map((n) => ({ interactions: n, users: trainingShape(n).users, items: trainingShape(n).items })),
  };
}

function runChild(spec: TrainingChildSpec, timeoutSeconds: number): Promise<TrainingChildResult> {
  return new Promise((done) => {
    const child = fork(CHILD, [JSON.stringify(spec)], {
      execArgv: ['--expose-gc', '--max-old-space-size=16384'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: TrainingChildResult | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.on('message', (message) => (result = revive(message as TrainingChildResult)));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const shape = trainingShape(spec.interactions);
      done(
        result ?? {
          ...failedResult(spec.algorithm, shape),
          error:
            signal === 'SIGKILL'
              ? `killed after the ${timeoutSeconds} s budget`
              : `child exited with ${code ?? signal} (out of memory?)`,
        },
      );
    });
  });
}

/** IPC carries JSON, where NaN arrives as null. */
function revive(result: TrainingChildResult): TrainingChildResult {
  const number = (value: number | null) => (value === null ? NaN : value);
  return {
    ...result,
    totalSeconds: number(result.totalSeconds),
    fitSeconds: number(result.fitSeconds),
    ndcgAt10: number(result.ndcgAt10),
  };
}

function failedResult(
  algorithm: AlgorithmName,
  shape: { users: number; items: number; interactions: number },
): TrainingChildResult {
  return {
    algorithm,
    interactions: shape.interactions,
    users: shape.users,
    items: shape.items,
    totalSeconds: NaN,
    fitSeconds: NaN,
    peakRssMb: NaN,
    baselineRssMb: NaN,
    peakBeforeTrainingMb: NaN,
    artifactMb: 0,
    ndcgAt10: NaN,
    error: 'not run',
  };
}

function skippedRow(
  algorithm: AlgorithmName,
  shape: { users: number; items: number; interactions: number },
  reason: string,
): TrainingRow {
  return { ...failedResult(algorithm, shape), error: null, growthExponent: null, skipped: reason };
}

function growth(previous: TrainingRow | undefined, current: TrainingChildResult): number | null {
  if (!previous || previous.error !== null || current.error !== null || previous.skipped) return null;
  if (!(previous.totalSeconds > 0) || !(current.totalSeconds > 0)) return null;
  return (
    Math.log(current.totalSeconds / previous.totalSeconds) / Math.log(current.interactions / previous.interactions)
  );
}

/** Time at `interactions` if growth continues at the larger of linear and the exponent seen so far. */
function extrapolate(previous: TrainingRow, interactions: number): number {
  const exponent = Math.max(1, previous.growthExponent ?? 1);
  return previous.totalSeconds * (interactions / previous.interactions) ** exponent;
}
