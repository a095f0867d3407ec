import { ALGORITHMS, AlgorithmName } from '../src/algorithms/types';
import { SyntheticShape } from './synthetic-data';

export const SECTIONS = ['serving', 'training', 'ingestion', 'soak', 'memory'] as const;
export type Section = (typeof SECTIONS)[number];
/** The quick run leaves out the two long sections: a soak lasts minutes by design, and the memory scale takes a while to build. */
const QUICK_SECTIONS: Section[] = ['serving', 'training', 'ingestion'];

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

export interface SoakPlan {
  /** The catalogue served (the serving section's synthetic scale). */
  synthetic: SyntheticShape;
  minutes: number;
  /** One rate per window; the flat-over-time target compares the last window with the first. */
  windowSeconds: number;
  connections: number;
  database: 'sqlite' | 'mariadb';
  /** The MariaDB server a `mariadb` soak creates its database on (MYSQL_BENCH_URL). */
  mysqlUrl: string;
}

export interface MemoryPlan {
  /** Interactions of the synthetic database the service starts on (users and items per trainingShape). */
  interactions: number;
  /** The algorithms trained and loaded together, as one API replica holds them. */
  algorithms: AlgorithmName[];
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
  soak: SoakPlan;
  memory: MemoryPlan;
  commandLine: string;
}

/** A command line the bench cannot run: printed with the usage, without a stack trace. */
export class UsageError extends Error {}

const SEED = 20261123;
/**
 * What the memory section loads: a kNN and a factor model (the largest per-item and per-user
 * state) and the fallback. Every default algorithm at 20M would take hours to train here, and
 * hybrid's blend search alone most of them.
 */
const MEMORY_ALGORITHMS: AlgorithmName[] = ['item_knn', 'matrix_factorization', 'popularity'];

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

export const USAGE = `usage: npm run bench -- [--quick] [--only=serving,training,ingestion,soak,memory] [--profile]
  [--serving-algorithms=a,b] [--training-algorithms=a,b] [--training-scales=100000,1000000]
  [--datasets=movielens,synthetic] [--under-training=item_knn,hybrid|none] [--duration=seconds] [--connections=n]
  [--soak[=minutes]] [--soak-on=sqlite|mariadb] [--memory-scale=20M] [--memory-algorithms=a,b]

  The full run measures every section (serving, training, ingestion, a 10-minute soak, memory at 20M
  interactions); --quick measures serving, training and ingestion at small scales in about 3 minutes.
  --soak[=10]          only the soak: one caller, 8 connections, cache off, under an experiment, for
                       that many minutes; the rate per minute and the database's growth per million lists
  --soak-on=mariadb    soak on a fresh MariaDB database (MYSQL_BENCH_URL) filled from the same data;
                       growth from information_schema (data + indexes). Default sqlite (the file's size)
  --memory-scale=20M   only the memory section at that many interactions (e.g. 2M, 500k, 20000000): time
                       to ready and RSS after loading --memory-algorithms (default item_knn,
                       matrix_factorization,popularity); the built file is cached in bench/.cache/ for a week
  Values may follow their flag after "=" or a space. Add --only=... to combine sections.

  env: MYSQL_BENCH_URL (default mysql://root@127.0.0.1:3306/test), MOVIELENS_DIR,
       BENCH_RESULTS_DIR (default bench/results), BENCH_SERVER_MAIN (another build's main.js, to try a change)`;

/** `--help` (or `-h`) anywhere on the command line: print the usage and do nothing else. */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

const KNOWN_FLAGS = [
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
  'soak',
  'soak-on',
  'memory-scale',
  'memory-algorithms',
];
/** Flags that are switches on their own: a word after them is not their value. */
const SWITCHES = ['quick', 'profile'];

function readFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) throw new UsageError(`unknown argument ${argv[i]}`);
    const [, name, value] = match;
    if (!KNOWN_FLAGS.includes(name)) throw new UsageError(`unknown flag --${name}`);
    const next = argv[i + 1];
    if (value === undefined && !SWITCHES.includes(name) && next !== undefined && !next.startsWith('--')) {
      flags.set(name, next);
      i++;
    } else {
      flags.set(name, value ?? 'true');
    }
  }
  return flags;
}

export function parseArguments(argv: string[]): BenchPlan {
  const flags = readFlags(argv);
  const quick = flags.get('quick') === 'true';
  const plan = quick ? quickPlan() : fullPlan();
  const only = flags.get('only');
  const soak = flags.get('soak');
  const memoryScale = flags.get('memory-scale');
  // --soak and --memory-scale name a section of their own; --only combines them with others.
  const named = [...(soak ? ['soak'] : []), ...(memoryScale ? ['memory'] : [])];
  const sections = only
    ? only.split(',').map((s) => s.trim())
    : named.length > 0
      ? named
      : quick
        ? QUICK_SECTIONS
        : [...SECTIONS];
  for (const section of sections)
    if (!(SECTIONS as readonly string[]).includes(section)) throw new UsageError(`unknown section ${section}`);
  if (soak && soak !== 'true') plan.soak.minutes = positiveInteger(soak, 'soak');
  const soakOn = flags.get('soak-on');
  if (soakOn) {
    if (soakOn !== 'sqlite' && soakOn !== 'mariadb')
      throw new UsageError(`--soak-on is sqlite or mariadb, got ${soakOn}`);
    plan.soak.database = soakOn;
  }
  if (memoryScale) plan.memory.interactions = interactionCount(memoryScale, 'memory-scale');
  const memoryAlgorithms = flags.get('memory-algorithms');
  if (memoryAlgorithms) plan.memory.algorithms = algorithmList(memoryAlgorithms);
  const servingAlgorithms = flags.get('serving-algorithms');
  if (servingAlgorithms) plan.serving.algorithms = plan.serving.movieLensAlgorithms = algorithmList(servingAlgorithms);
  const trainingAlgorithms = flags.get('training-algorithms');
  if (trainingAlgorithms) plan.training.algorithms = algorithmList(trainingAlgorithms);
  const scales = flags.get('training-scales');
  if (scales) plan.training.interactions = scales.split(',').map((s) => interactionCount(s, 'training-scales'));
  const datasets = flags.get('datasets');
  if (datasets) {
    plan.serving.datasets = datasets.split(',').map((d) => d.trim()) as DatasetName[];
    for (const dataset of plan.serving.datasets)
      if (!(DATASETS as readonly string[]).includes(dataset)) throw new UsageError(`unknown dataset ${dataset}`);
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
    soak: plan.soak,
    memory: plan.memory,
    commandLine: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
  };
}

interface DraftPlan {
  serving: ServingPlan;
  training: TrainingPlan;
  ingestion: IngestionPlan;
  soak: SoakPlan;
  memory: MemoryPlan;
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
    soak: soakPlan({ users: 20_000, items: 5_000, interactions: 200_000, seed: SEED }),
    memory: { interactions: 2_000_000, algorithms: MEMORY_ALGORITHMS },
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
    soak: soakPlan({ users: 100_000, items: 20_000, interactions: 2_000_000, seed: SEED }),
    memory: { interactions: 20_000_000, algorithms: MEMORY_ALGORITHMS },
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

function soakPlan(synthetic: SyntheticShape): SoakPlan {
  return {
    synthetic,
    minutes: 10,
    windowSeconds: 60,
    connections: 8,
    database: 'sqlite',
    mysqlUrl: process.env.MYSQL_BENCH_URL ?? 'mysql://root@127.0.0.1:3306/test',
  };
}

function algorithmList(text: string): AlgorithmName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names)
    if (!(ALGORITHMS as readonly string[]).includes(name))
      throw new UsageError(`unknown algorithm ${name}; one of ${ALGORITHMS.join(', ')}`);
  return names as AlgorithmName[];
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${flag} needs positive integers, got ${text}`);
  return value;
}

/** `20000000`, `20M` or `500k`. */
function interactionCount(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (!match) throw new UsageError(`--${flag} needs counts like 2000000, 2M or 500k, got ${text}`);
  const value = Math.round(Number(match[1]) * { '': 1, k: 1e3, m: 1e6 }[match[2].toLowerCase() as '' | 'k' | 'm']);
  if (value < 1) throw new UsageError(`--${flag} needs positive counts, got ${text}`);
  return value;
}
