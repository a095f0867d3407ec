import { ALGORITHMS, AlgorithmName } from '../src/algorithms/types';
import { SyntheticShape } from './synthetic-data';

export const SECTIONS = ['serving', 'training', 'ingestion'] as const;
export type Section = (typeof SECTIONS)[number];

export const DATASETS = ['movielens', 'synthetic'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface ServingPlan {
  datasets: DatasetName[];
  synthetic: SyntheticShape;
  /** Algorithms trained and loaded on the synthetic catalogue; the serving load runs on each. */
  algorithms: AlgorithmName[];
  movieLensAlgorithms: AlgorithmName[];
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** One extra run with the result cache on (CACHE_TTL_SECONDS), for comparison; 0 skips it. */
  cacheTtlSeconds: number;
  /** Served and retrained at the same time for the "under training" measurement. */
  underTrainingAlgorithms: AlgorithmName[];
  /** The fixed-rate variant offers this share of the idle saturated requests/s. */
  fixedRateShare: number;
  /** Profile the server (--cpu-prof) while serving these, at the synthetic scale. */
  profileAlgorithms: AlgorithmName[];
}

export interface TrainingPlan {
  /** Interactions per scale; users and items grow with them (see trainingShape). */
  interactions: number[];
  algorithms: AlgorithmName[];
  timeoutSeconds: number;
}

export interface IngestionPlan {
  durationSeconds: number;
  singleConnections: number;
  batchConnections: number;
  batchSize: number;
  catalogueSize: number;
  mysqlUrl: string;
  /** Profile the server (--cpu-prof) during the SQLite single and batch loads. */
  profile: boolean;
}

export interface BenchPlan {
  mode: 'quick' | 'full';
  sections: Section[];
  serving: ServingPlan;
  training: TrainingPlan;
  ingestion: IngestionPlan;
  commandLine: string;
}

const SEED = 20261123;

/**
 * A training scale keeps the serving catalogue's density: 20 interactions per user and 100 per
 * item (2M interactions ↔ 100k users × 20k items), so only size changes between scales.
 */
export function trainingShape(interactions: number): SyntheticShape {
  return {
    users: Math.round(interactions / 20),
    items: Math.max(500, Math.round(interactions / 100)),
    interactions,
    seed: SEED,
  };
}

export const USAGE = `usage: npm run bench -- [--quick] [--only=serving,training,ingestion] [--profile]
  [--serving-algorithms=a,b] [--training-algorithms=a,b] [--training-scales=100000,1000000]
  [--datasets=movielens,synthetic] [--under-training=item_knn,hybrid|none] [--duration=seconds] [--connections=n]
  env: MYSQL_BENCH_URL (default mysql://root@127.0.0.1:3306/test), MOVIELENS_DIR,
       BENCH_RESULTS_DIR (default bench/results), BENCH_SERVER_MAIN (another build's main.js, to try a change)`;

export function parseArguments(argv: string[]): BenchPlan {
  const flags = new Map<string, string>();
  for (const argument of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argument);
    if (!match) throw new Error(`unknown argument ${argument}\n${USAGE}`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const known = [
    'quick',
    'only',
    'profile',
    'serving-algorithms',
    'training-algorithms',
    'training-scales',
    'datasets',
    'under-training',
    'duration',
    'connections',
    'help',
  ];
  const unknown = [...flags.keys()].filter((flag) => !known.includes(flag));
  if (unknown.length > 0 || flags.has('help'))
    throw new Error(`${unknown.length ? `unknown flag --${unknown[0]}\n` : ''}${USAGE}`);

  const quick = flags.get('quick') === 'true';
  const plan = quick ? quickPlan() : fullPlan();
  const only = flags.get('only');
  const sections = only ? only.split(',').map((s) => s.trim()) : [...SECTIONS];
  for (const section of sections)
    if (!(SECTIONS as readonly string[]).includes(section)) throw new Error(`unknown section ${section}\n${USAGE}`);
  const servingAlgorithms = flags.get('serving-algorithms');
  if (servingAlgorithms) plan.serving.algorithms = plan.serving.movieLensAlgorithms = algorithmList(servingAlgorithms);
  const trainingAlgorithms = flags.get('training-algorithms');
  if (trainingAlgorithms) plan.training.algorithms = algorithmList(trainingAlgorithms);
  const scales = flags.get('training-scales');
  if (scales) plan.training.interactions = scales.split(',').map((s) => positiveInteger(s, 'training-scales'));
  const datasets = flags.get('datasets');
  if (datasets) {
    plan.serving.datasets = datasets.split(',').map((d) => d.trim()) as DatasetName[];
    for (const dataset of plan.serving.datasets)
      if (!(DATASETS as readonly string[]).includes(dataset)) throw new Error(`unknown dataset ${dataset}\n${USAGE}`);
  }
  // The targets name item_knn and hybrid; those are the serving paths worth a profile.
  if (flags.get('profile') === 'true') {
    plan.serving.profileAlgorithms = plan.serving.algorithms.filter((a) => a === 'item_knn' || a === 'hybrid');
    plan.ingestion.profile = true;
  }
  const underTraining = flags.get('under-training');
  if (underTraining)
    plan.serving.underTrainingAlgorithms = underTraining === 'none' ? [] : algorithmList(underTraining);
  const duration = flags.get('duration');
  if (duration) plan.serving.durationSeconds = positiveInteger(duration, 'duration');
  const connections = flags.get('connections');
  if (connections) plan.serving.connections = positiveInteger(connections, 'connections');
  return {
    mode: quick ? 'quick' : 'full',
    sections: sections as Section[],
    serving: plan.serving,
    training: plan.training,
    ingestion: plan.ingestion,
    commandLine: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
  };
}

interface DraftPlan {
  serving: ServingPlan;
  training: TrainingPlan;
  ingestion: IngestionPlan;
}

function quickPlan(): DraftPlan {
  return {
    serving: {
      datasets: [...DATASETS],
      synthetic: { users: 20_000, items: 5_000, interactions: 200_000, seed: SEED },
      algorithms: ['item_knn', 'hybrid'],
      movieLensAlgorithms: ['item_knn', 'hybrid'],
      connections: 32,
      durationSeconds: 3,
      warmupSeconds: 1,
      // The quick run must finish in three minutes; the cache-on comparison is a full-run item.
      cacheTtlSeconds: 0,
      underTrainingAlgorithms: ['hybrid'],
      fixedRateShare: 0.5,
      profileAlgorithms: [],
    },
    training: {
      interactions: [100_000, 300_000],
      algorithms: ['item_knn', 'collaborative_filtering', 'matrix_factorization'],
      timeoutSeconds: 120,
    },
    ingestion: ingestionPlan(2),
  };
}

function fullPlan(): DraftPlan {
  return {
    serving: {
      datasets: [...DATASETS],
      synthetic: { users: 100_000, items: 20_000, interactions: 2_000_000, seed: SEED },
      algorithms: [
        'popularity',
        'item_knn',
        'collaborative_filtering',
        'content_based',
        'matrix_factorization',
        'hybrid',
      ],
      movieLensAlgorithms: [
        'popularity',
        'item_knn',
        'collaborative_filtering',
        'content_based',
        'matrix_factorization',
        'ease',
        'hybrid',
      ],
      connections: 32,
      durationSeconds: 10,
      warmupSeconds: 2,
      cacheTtlSeconds: 300,
      underTrainingAlgorithms: ['item_knn', 'hybrid'],
      fixedRateShare: 0.5,
      profileAlgorithms: [],
    },
    training: {
      interactions: [100_000, 1_000_000, 5_000_000],
      algorithms: [
        'popularity',
        'item_knn',
        'collaborative_filtering',
        'content_based',
        'matrix_factorization',
        'ease',
        'hybrid',
      ],
      timeoutSeconds: 900,
    },
    ingestion: ingestionPlan(5),
  };
}

function ingestionPlan(durationSeconds: number): IngestionPlan {
  return {
    durationSeconds,
    singleConnections: 32,
    batchConnections: 4,
    batchSize: 1000,
    catalogueSize: 2000,
    mysqlUrl: process.env.MYSQL_BENCH_URL ?? 'mysql://root@127.0.0.1:3306/test',
    profile: false,
  };
}

function algorithmList(text: string): AlgorithmName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names)
    if (!(ALGORITHMS as readonly string[]).includes(name))
      throw new Error(`unknown algorithm ${name}; one of ${ALGORITHMS.join(', ')}`);
  return names as AlgorithmName[];
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} needs positive integers, got ${text}`);
  return value;
}
