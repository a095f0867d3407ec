import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ALGORITHM_REGISTRY } from '../algorithms/registry';
import { ALGORITHMS, AlgorithmName } from '../algorithms/types';
import { EvaluationMetrics, Holdout, timeHoldoutOf, trainAndEvaluateHoldout } from '../evaluation/evaluate';
import {
  MissingMovieLensError,
  MovieLens,
  Weighting,
  loadMovieLens,
  movieLensTrainingData,
  ratingEvents,
} from '../evaluation/movielens';
import { stratifiedSplitByItem } from '../evaluation/split';

const USAGE =
  'usage: npm run evaluate -- --data <MovieLens folder> [--algorithms a,b] [--protocol ms|time] [--weights binary|rating]';

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
  protocol: 'ms' | 'time';
  weighting: Weighting;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      algorithms: { type: 'string', default: ALGORITHMS.join(',') },
      protocol: { type: 'string', default: 'ms' },
      // Binary by default: the MS protocol counts every rating, low ones included, as one interaction.
      weights: { type: 'string', default: 'binary' },
    },
  });
  if (!values.data) throw new UsageError('--data is required');
  const algorithms = values.algorithms.split(',').map((name) => name.trim());
  const unknown = algorithms.filter((name) => !(ALGORITHMS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new UsageError(`unknown algorithm(s) ${unknown.join(', ')}; known: ${ALGORITHMS.join(', ')}`);
  if (values.protocol !== 'ms' && values.protocol !== 'time') throw new UsageError('--protocol must be ms or time');
  if (values.weights !== 'binary' && values.weights !== 'rating')
    throw new UsageError('--weights must be binary or rating');
  return {
    data: resolve(values.data),
    algorithms: algorithms as AlgorithmName[],
    protocol: values.protocol,
    weighting: values.weights,
  };
}

class UsageError extends Error {}

/** The held-out protocol: MS Recommenders' per-item 75/25 split (seed 42), or our per-user time holdout. */
function holdoutFor(movies: MovieLens, options: Options): Holdout {
  const everything = Int32Array.from({ length: movies.ratings.user.length }, (_, row) => row);
  if (options.protocol === 'time')
    return timeHoldoutOf(movieLensTrainingData(movies, everything, options.weighting), 0.25);
  const split = stratifiedSplitByItem(movies.ratings.item, 0.75, 42);
  return {
    train: movieLensTrainingData(movies, split.train, options.weighting),
    test: ratingEvents(movies, split.test, 'binary'),
  };
}

function formatRow(name: string, m: Partial<EvaluationMetrics>, seconds?: number): string {
  const cell = (value: number | undefined) =>
    (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(4)).padStart(8);
  const time = (seconds === undefined ? '—' : seconds.toFixed(2)).padStart(8);
  return `${name.padEnd(24)}${cell(m.precision_at_10)}${cell(m.recall_at_10)}${cell(m.ndcg_at_10)}${cell(m.map_at_10)}${cell(m.coverage)}${cell(m.intra_list_diversity)}${time}`;
}

function run(options: Options): void {
  if (!existsSync(options.data)) throw new UsageError(`data folder ${options.data} does not exist`);
  const movies = loadMovieLens(options.data);
  const holdout = holdoutFor(movies, options);
  console.log(
    `${movies.layout}: ${movies.ratings.user.length} ratings, ${movies.numUsers} users, ${movies.numItems} items; ` +
      `protocol ${options.protocol}, weights ${options.weighting}: ${holdout.train.events.user.length} train / ${holdout.test.user.length} test rows`,
  );
  console.log(
    `${'algorithm'.padEnd(24)}${['P@10', 'R@10', 'NDCG@10', 'MAP@10', 'cover', 'ILD', 'train s'].map((h) => h.padStart(8)).join('')}`,
  );
  for (const name of options.algorithms) {
    const algorithm = ALGORITHM_REGISTRY[name];
    // One algorithm refusing the data (EASE over max_items) should not cost the others' rows.
    try {
      const { metrics, trainSeconds } = trainAndEvaluateHoldout(algorithm, holdout, algorithm.defaults);
      console.log(formatRow(name, metrics, trainSeconds));
    } catch (error) {
      console.log(`${name.padEnd(24)}failed: ${error instanceof Error ? error.message : String(error)}`);
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
