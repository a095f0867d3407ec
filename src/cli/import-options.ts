import { parseArgs } from 'node:util';

export type ImportInput =
  { format: 'movielens'; dir: string } | { format: 'jsonl'; itemsFile?: string; feedbackFile?: string };

export interface ImportOptions {
  input: ImportInput;
  dryRun: boolean;
  batchSize: number;
}

export const USAGE = `usage:
  npm run import -- --format movielens <dir>
  npm run import -- --format jsonl [--items <file>] [--feedback <file>]

Imports items and feedback into the database named by DATABASE_URL (or DB_HOST...),
validating every record exactly as POST /v1/items/batch and /v1/feedback/batch do.

  --format movielens <dir>  ML-100K (u.data, u.item, u.genre) or ml-latest (ratings.csv,
                            movies.csv): movies become items ml_<movieId>, ratings become
                            rate feedback of users ml_<userId>; re-importing stores nothing twice
  --format jsonl            one JSON object per line, as one element of the batch APIs;
                            give feedback a feedback_id to make re-running the import harmless
  --items <file>            items, JSON lines
  --feedback <file>         feedback, JSON lines (imported after the items)
  --dry-run                 validate and report, write nothing, never connect to the database
  --batch-size <n>          records validated, then written, per round (default 1000)
  --help                    this text

Exit status: 0 when the import ran (even if lines were rejected), 1 on a fatal error, 2 on bad arguments.`;

export class UsageError extends Error {}

/** Returns undefined when --help asked for the usage text. */
export function parseImportOptions(argv: string[]): ImportOptions | undefined {
  const { values, positionals } = parseStrictly(argv);
  if (values.help) return undefined;
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch-size must be a positive integer');
  const dryRun = values['dry-run'];
  if (values.format === 'movielens') {
    if (values.items !== undefined || values.feedback !== undefined)
      throw new UsageError('--items and --feedback are for --format jsonl');
    if (positionals.length !== 1) throw new UsageError('--format movielens takes exactly one folder');
    return { input: { format: 'movielens', dir: positionals[0] }, dryRun, batchSize };
  }
  if (values.format === 'jsonl') {
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument ${positionals[0]}: name files with --items and --feedback`);
    if (values.items === undefined && values.feedback === undefined)
      throw new UsageError('--format jsonl needs --items, --feedback or both');
    return { input: { format: 'jsonl', itemsFile: values.items, feedbackFile: values.feedback }, dryRun, batchSize };
  }
  throw new UsageError(values.format === undefined ? '--format is required' : '--format must be movielens or jsonl');
}

function parseStrictly(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        items: { type: 'string' },
        feedback: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'batch-size': { type: 'string', default: '1000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // parseArgs' own messages ("Unknown option '--x'") are already what a user needs to read.
    throw new UsageError((error as Error).message);
  }
}
