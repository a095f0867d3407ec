/**
 * What each algorithm accepts as parameters, and what a run costs in memory before it starts.
 * Every algorithm declares its parameters in one schema next to its code; a request is checked
 * against it before any version is stored, so a typo or a hostile value never reaches a worker.
 */
import { Algorithm, AlgorithmParams } from './types';

export interface NumberParam {
  type: 'integer' | 'number';
  min: number;
  /** A fixed ceiling: beyond it a run costs time or memory out of proportion to any gain. */
  max: number;
  /** The data caps it too: more neighbours or factors than there are items (or users) buy nothing. */
  atMostThe?: 'items' | 'users';
  default: number;
  meaning: string;
}

export interface ChoiceParam {
  type: 'choice';
  choices: readonly string[];
  default: string;
  meaning: string;
}

export interface BooleanParam {
  type: 'boolean';
  default: boolean;
  meaning: string;
}

export type ParamSpec = NumberParam | ChoiceParam | BooleanParam;

/**
 * Every algorithm takes `tune`: true runs a bounded search over its `tuning` grid on a validation
 * split carved from the training data, inside the training run (see evaluation/choose.ts).
 */
export const TUNE_PARAM = 'tune';
const TUNE_SPEC: BooleanParam = {
  type: 'boolean',
  default: false,
  meaning: 'search the tuning grid on the validation split before training (trials recorded in the version)',
};
export type ParamSchema = Record<string, ParamSpec>;

/** What the training data holds: distinct users and items, and events. */
export interface DataShape {
  users: number;
  items: number;
  events: number;
}

export function defaultsOf(schema: ParamSchema): AlgorithmParams {
  return Object.fromEntries(Object.entries(schema).map(([name, spec]) => [name, spec.default]));
}

/**
 * Everything wrong with `params` for the algorithm, one message per parameter naming it and what
 * it allows; with `shape`, also values above what the data can use. Component parameters
 * (hybrid's `cf.neighbours`) are checked against the component's own schema.
 */
export function paramProblems(
  algorithm: Algorithm,
  params: Record<string, unknown>,
  shape?: DataShape,
  prefix = '',
): string[] {
  const problems: string[] = [];
  const components = algorithm.components?.(params) ?? {};
  for (const [name, value] of Object.entries(params)) {
    const dot = name.indexOf('.');
    const component = dot > 0 ? components[name.slice(0, dot)] : undefined;
    if (component) {
      problems.push(
        ...paramProblems(component, { [name.slice(dot + 1)]: value }, shape, `${prefix}${name.slice(0, dot + 1)}`),
      );
      continue;
    }
    const spec =
      name === TUNE_PARAM ? TUNE_SPEC : Object.hasOwn(algorithm.params, name) ? algorithm.params[name] : undefined;
    const problem = spec
      ? valueProblem(spec, value, shape)
      : `is not a parameter of ${algorithm.name} (known: ${knownNames(algorithm, params, prefix === '').join(', ')})`;
    if (problem) problems.push(`params.${prefix}${name} ${problem}`);
  }
  return problems;
}

function knownNames(algorithm: Algorithm, params: Record<string, unknown>, topLevel: boolean): string[] {
  const own = Object.keys(algorithm.params);
  const nested = Object.entries(algorithm.components?.(params) ?? {}).flatMap(([prefix, component]) =>
    Object.keys(component.params).map((name) => `${prefix}.${name}`),
  );
  return [...own, ...(topLevel ? [TUNE_PARAM] : []), ...nested];
}

function valueProblem(spec: ParamSpec, value: unknown, shape: DataShape | undefined): string | undefined {
  if (spec.type === 'boolean') {
    return typeof value === 'boolean' ? undefined : `must be true or false, got ${JSON.stringify(value)}`;
  }
  if (spec.type === 'choice') {
    return typeof value === 'string' && spec.choices.includes(value)
      ? undefined
      : `must be one of ${spec.choices.join(', ')}, got ${JSON.stringify(value)}`;
  }
  const range = `${spec.type === 'integer' ? 'an integer' : 'a number'} between ${spec.min} and ${spec.max}`;
  const dataBound = spec.atMostThe ? ` and at most the number of ${spec.atMostThe}` : '';
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (spec.type === 'integer' && !Number.isInteger(value)) ||
    value < spec.min ||
    value > spec.max
  ) {
    return `must be ${range}${dataBound}, got ${JSON.stringify(value)}`;
  }
  if (spec.atMostThe && shape && value > shape[spec.atMostThe]) {
    return `must be at most ${shape[spec.atMostThe]}, the number of ${spec.atMostThe} in the training data, got ${value}`;
  }
  return undefined;
}

/** Reads a parameter the schema has already checked (or a default), as a number. */
export function numberParam(params: AlgorithmParams, name: string): number {
  return Number(params[name]);
}

/** Bytes of a CSR matrix: indptr (4 B per row) plus indices and values (8 B per cell). */
export function csrBytes(rows: number, cells: number): number {
  return 4 * (rows + 1) + 8 * cells;
}

/** Content features (genres, artists, tags, venue) per item assumed by the estimates: generous for a typical catalogue. */
export const FEATURE_CELLS_PER_ITEM = 16;

/**
 * Headroom over the counted arrays for what they leave out: V8's heap, the evaluation's scratch
 * and arrays the collector has not freed yet. On 20 000 users, 3 000 items and 300 000 events the
 * estimates (117, 88 and 199 MiB) were within about 20% of the peak RSS a run added, which varies
 * with the collector's timing: matrix_factorization (256 factors) 117-141 MiB, item_knn (500
 * neighbours) 86-102 MiB, ease 170-187 MiB. A guard against runs far out of scale, not a bound.
 */
const HEADROOM = 1.25;

/**
 * Peak memory of training `algorithm` on data of this shape, in bytes: HEADROOM × (what every run
 * holds, 68 B per event — the snapshot's event arrays, 20 B per event, arrive in the worker; the
 * time-sorted copy and the holdout split are two more; the histories stored with the model take
 * 8 B per event — and 4 B per user, plus the algorithm's own arrays, see each `estimateBytes`).
 */
export function estimateTrainingBytes(algorithm: Algorithm, shape: DataShape, params: AlgorithmParams): number {
  return (
    HEADROOM *
    (68 * shape.events + 4 * shape.users + algorithm.estimateBytes(shape, { ...algorithm.defaults, ...params }))
  );
}
