import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ALGORITHM_REGISTRY } from '../algorithms/registry';
import { ALGORITHMS, Algorithm, AlgorithmName, AlgorithmParams } from '../algorithms/types';
import { RATING_SPREAD } from '../domain/signal';
import { EvaluationMetrics } from '../evaluation/evaluate';
import { MissingMovieLensError, loadMovieLens } from '../evaluation/movielens';
import { evaluateOne, Protocol, protocolData, RUN } from './benchmark';

const USAGE =
  'usage: npm run evaluate -- --data <MovieLens folder> [--algorithms a,b] [--protocol ms|validation|time] [--rating-spread 0.5[,0.9…]] [--params JSON] [--tune]';

/**
 * Microsoft Recommenders' ML-100K benchmark (shared/data/README.md §5a): MostPop is the README's
 * own computation on the same split, not a published figure.
 */
const ANCHORS: {
  name: string;
  metrics: Omit<EvaluationMetrics, 'coverage' | 'intra_list_diversity' | 'users_evaluated'>;
}[] = [
  {
    name: 'SAR (published)',
    metrics: { precision_at_10: 0.340615, recall_at_10: 0.185377, ndcg_at_10: 0.393819, map_at_10: 0.114038 },
  },
  {
    name: 'BPR (published)',
    metrics: { precision_at_10: 0.388653, recall_at_10: 0.216555, ndcg_at_10: 0.444991, map_at_10: 0.133977 },
  },
  {
    name: 'BiVAE (published)',
    metrics: { precision_at_10: 0.408165, recall_at_10: 0.220898, ndcg_at_10: 0.468673, map_at_10: 0.143562 },
  },
  {
    name: 'MostPop (README)',
    metrics: { precision_at_10: 0.228738, recall_at_10: 0.113188, ndcg_at_10: 0.252353, map_at_10: NaN },
  },
];

interface Options {
  data: string;
  algorithms: AlgorithmName[];
  protocol: Protocol;
  params: AlgorithmParams;
  ratingSpreads: number[];
  tune: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      algorithms: { type: 'string', default: ALGORITHMS.join(',') },
      protocol: { type: 'string', default: 'ms' },
      'rating-spread': { type: 'string', default: String(RATING_SPREAD) },
      tune: { type: 'boolean', default: false },
      params: { type: 'string', default: '{}' },
    },
  });
  if (!values.data) throw new UsageError('--data is required');
  const algorithms = values.algorithms.split(',').map((name) => name.trim());
  const unknown = algorithms.filter((name) => !(ALGORITHMS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new UsageError(`unknown algorithm(s) ${unknown.join(', ')}; known: ${ALGORITHMS.join(', ')}`);
  if (values.protocol !== 'ms' && values.protocol !== 'validation' && values.protocol !== 'time')
    throw new UsageError('--protocol must be ms, validation or time');
  const ratingSpreads = values['rating-spread'].split(',').map(Number);
  if (ratingSpreads.some((spread) => !(spread >= 0 && spread < 1)))
    throw new UsageError('--rating-spread takes numbers in [0, 1), comma-separated');
  return {
    data: resolve(values.data),
    algorithms: algorithms as AlgorithmName[],
    protocol: values.protocol,
    params: JSON.parse(values.params) as AlgorithmParams,
    ratingSpreads,
    tune: values.tune,
  };
}

class UsageError extends Error {}

const HEADINGS = ['valid', 'P@10', 'R@10', 'NDCG@10', 'MAP@10', 'cover', 'ILD', 'train s'];

/** `validation`: NDCG@10 on the run's own holdout, carved from the training rows; the rest is on the test rows. */
function formatRow(name: string, m: Partial<EvaluationMetrics>, validation?: number, seconds?: number): string {
  const cell = (value: number | undefined) =>
    (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(4)).padStart(8);
  const time = (seconds === undefined ? '—' : seconds.toFixed(1)).padStart(8);
  return `${name.padEnd(24)}${cell(validation)}${cell(m.precision_at_10)}${cell(m.recall_at_10)}${cell(m.ndcg_at_10)}${cell(m.map_at_10)}${cell(m.coverage)}${cell(m.intra_list_diversity)}${time}`;
}

/** The params a run chose on validation that differ from the defaults, e.g. `collaborative=ease`. */
function chosenParams(algorithm: Algorithm, params: AlgorithmParams): string {
  return Object.entries(params)
    .filter(([name, value]) => algorithm.defaults[name] !== value && !/(^|\.)learn_/.test(name))
    .map(([name, value]) => `${name}=${typeof value === 'number' ? Number(value.toPrecision(4)) : value}`)
    .join(' ');
}

function run(options: Options): void {
  if (!existsSync(options.data)) throw new UsageError(`data folder ${options.data} does not exist`);
  const movies = loadMovieLens(options.data);
  for (const ratingSpread of options.ratingSpreads) {
    const { train, test } = protocolData(movies, options.protocol, ratingSpread);
    console.log(
      `${movies.layout} as imported: ${movies.ratings.user.length} ratings, ${movies.numUsers} users, ${movies.numItems} items; ` +
        `protocol ${options.protocol}, rating spread ${ratingSpread}${options.tune ? ', tune' : ''}: ${train.events.user.length} train / ${test.user.length} test rows`,
    );
    console.log(
      `valid: NDCG@10 on ${RUN.holdoutFraction * 100}% of each user's training rows (HOLDOUT_SPLIT ${RUN.split}; params chosen on a split carved from the rest); the others on the test rows`,
    );
    console.log(`${'algorithm'.padEnd(24)}${HEADINGS.map((h) => h.padStart(8)).join('')}  chosen on validation`);
    for (const name of options.algorithms) {
      const algorithm = ALGORITHM_REGISTRY[name];
      // One algorithm refusing the data (EASE over max_items) should not cost the others' rows.
      try {
        const { fitted, metrics, seconds } = evaluateOne(algorithm, train, test, {
          ...options.params,
          ...(options.tune && { tune: true }),
        });
        console.log(
          `${formatRow(name, metrics, fitted.metrics.ndcg_at_10, seconds)}  ${chosenParams(algorithm, fitted.params)}`,
        );
      } catch (error) {
        console.log(`${name.padEnd(24)}failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  if (movies.layout === 'ml-100k' && options.protocol === 'ms') {
    console.log('anchors (MS Recommenders ML-100K benchmark, same protocol):');
    for (const anchor of ANCHORS) console.log(formatRow(anchor.name, anchor.metrics));
  }
  console.log(`command: ${process.argv.map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg)).join(' ')}`);
}
try {
  run(parseOptions(process.argv.slice(2)));
} catch (error) {
  if (!(error instanceof UsageError || error instanceof MissingMovieLensError)) throw error;
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}
