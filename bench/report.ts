import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProfileSummary } from './cpu-profile';
import { IngestionSection } from './ingestion';
import { LoadResult } from './load';
import { MachineDescription } from './machine';
import { MemorySection } from './memory';
import { BenchPlan } from './options';
import { DatasetServing } from './serving';
import { SoakSection } from './soak';
import { TargetCheck } from './targets';
import { TrainingSection } from './training';

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  totalSeconds: number;
  commandLine: string;
  mode: BenchPlan['mode'];
  machine: MachineDescription;
  plan: BenchPlan;
  serving: DatasetServing[];
  servingSkipped: string[];
  training?: TrainingSection;
  ingestion?: IngestionSection;
  soak?: SoakSection;
  memory?: MemorySection;
  targets: TargetCheck[];
  errors: string[];
}

/** Writes <timestamp>.md, <timestamp>.json and latest.md; returns the markdown. */
export function writeReport(results: BenchResults, dir: string): { markdown: string; files: string[] } {
  mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  const base = `${stamp}${results.mode === 'quick' ? '-quick' : ''}`;
  const markdown = renderMarkdown(results);
  const files = [join(dir, `${base}.md`), join(dir, `${base}.json`), join(dir, 'latest.md')];
  writeFileSync(files[0], markdown);
  writeFileSync(
    files[1],
    `${JSON.stringify(results, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`,
  );
  writeFileSync(files[2], markdown);
  return { markdown, files };
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines: string[] = [
    `# ml-service benchmark (${r.mode}), ${r.startedAt}`,
    '',
    `Command: \`${r.commandLine}\` (${(r.totalSeconds / 60).toFixed(1)} min)`,
    '',
    `Machine: ${m.nproc} CPUs (nproc), ${m.cpuModel}, ${m.memoryGb} GB RAM, Node ${m.node}, ${m.kernel}, SQLite ${m.sqlite}` +
      `${m.mariadb ? `, MariaDB ${m.mariadb}` : ''}; commit ${m.commit}. ` +
      `1-minute load average ${m.loadAverageAtStart} at the start, ${m.loadAverageAtEnd ?? '?'} at the end (above ${m.nproc} means other work shared the CPUs).`,
    '',
    'Server: `node dist/src/main.js` in its own process (ENVIRONMENT=production, LOG_LEVEL=warn, CACHE_TTL_SECONDS=0 unless stated, TRAINING_THREADS unset (the service default), ' +
      'RATE_LIMIT_PER_MINUTE=1000000 and TRUST_PROXY=1: every simulated user sends its own X-Forwarded-For address, so the per-caller limiter sees many callers as in production); ' +
      `load: autocannon in the benchmark process, ${r.plan.serving.connections} connections, ${r.plan.serving.durationSeconds} s per run; latencies are client-side. ` +
      'Reference: a bare `node:http` server (`dist/bench/bare-server.js`, its own process) handing out the bytes the service answered — its `/health` body, and one recommendation ' +
      'response per algorithm captured for the same request — measured in the same run just before the service: the limit of this machine for that answer.',
    '',
    '## Targets',
    '',
    table(
      ['target', 'measured', 'result', 'margin'],
      r.targets.map((t) => [t.target, t.measured, t.met === null ? 'n/a' : t.met ? 'met' : '**missed**', t.margin]),
    ),
  ];
  for (const s of r.serving) lines.push(...servingSection(s));
  for (const skipped of r.servingSkipped) lines.push('', `> ${skipped}`);
  if (r.training) lines.push(...trainingSection(r.training));
  if (r.soak) lines.push(...soakSection(r.soak));
  if (r.memory) lines.push(...memorySection(r.memory));
  if (r.ingestion) lines.push(...ingestionSection(r.ingestion));
  const profiles = [...r.serving.flatMap((s) => s.profiles), ...(r.ingestion?.profiles ?? [])];
  if (profiles.length > 0) lines.push(...profileSection(profiles));
  if (r.errors.length > 0) lines.push('', '## Errors', '', ...r.errors.map((e) => `- ${e.replace(/\n/g, ' ')}`));
  return `${lines.join('\n')}\n`;
}

function servingSection(s: DatasetServing): string[] {
  const row = (
    name: string,
    load: LoadResult,
    bare: string,
    ofBare: string,
    pairedHealth: string,
    ratio: string,
    extra: string,
  ) => [
    name,
    fmt(load.requestsPerSecond, 0),
    bare,
    ofBare,
    pairedHealth,
    ratio,
    fmt(load.latencyMs.p50, 2),
    fmt(load.latencyMs.p95, 2),
    fmt(load.latencyMs.p99, 2),
    String(load.non2xx + load.errors),
    extra,
  ];
  const lines = [
    '',
    `## Serving: ${s.dataset}`,
    '',
    `${s.description}. Loaded into SQLite in ${s.loadSeconds.toFixed(1)} s; server up in ${s.startupSeconds.toFixed(1)} s; ` +
      `requests for random known users (${s.knownUsers.toLocaleString('en')}), limit 20. Server RSS after the runs ${Math.round(s.serverRssMb)} MB (peak ${Math.round(s.serverPeakRssMb)} MB).`,
    '',
    'Each recommendations run is preceded by the bare server handing out that algorithm\'s response bytes ("bare", "of bare") and by its own /health run ' +
      'on the same server ("of /health"): each ratio is to a neighbour, because on a shared machine the CPU left to the benchmark drifts within minutes.',
    '',
    table(
      [
        'endpoint',
        'req/s',
        'bare req/s',
        'of bare',
        '/health just before',
        'of /health',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'errors',
        'sample response',
      ],
      [
        row(
          'GET /health',
          s.health,
          fmt(s.bareHealth.requestsPerSecond, 0),
          pct(s.healthRatioToBare),
          '',
          '100%',
          `bare p99 ${fmt(s.bareHealth.latencyMs.p99, 2)} ms`,
        ),
        ...s.runs.map((run) =>
          row(
            `POST /v1/recommendations ${run.algorithm}`,
            run.load,
            fmt(run.bare.requestsPerSecond, 0),
            pct(run.ratioToBare),
            fmt(run.health.requestsPerSecond, 0),
            pct(run.ratioToHealth),
            `${run.sample.algorithm}, ${run.sample.items} items, ${run.sample.bytes.toLocaleString('en')} bytes${run.sample.fallback ? `, fallback: ${run.sample.fallback}` : ''}; bare p99 ${fmt(run.bare.latencyMs.p99, 2)} ms`,
          ),
        ),
        ...s.cacheOn.map((run) =>
          row(
            `… ${run.algorithm}, cache on (${s.cacheWorkingSet.toLocaleString('en')}-user working set)`,
            run.load,
            fmt(run.bare.requestsPerSecond, 0),
            pct(run.ratioToBare),
            fmt(run.health.requestsPerSecond, 0),
            pct(run.ratioToHealth),
            'cache-on server',
          ),
        ),
      ],
    ),
    '',
    'Retraining through `POST /v1/model/retrain?async=true` (wall: request to active, including the snapshot read and the artifact load; service: the worker plus storing):',
    '',
    table(
      ['algorithm', 'status', 'wall s', 'service s', 'server peak RSS MB'],
      s.retrains.map((t) => [
        t.algorithm,
        t.status + (t.error ? ` (${t.error})` : ''),
        fmt(t.wallSeconds, 1),
        t.serviceSeconds === null ? '' : fmt(t.serviceSeconds, 1),
        fmt(t.peakRssMb, 0),
      ]),
    ),
  ];
  if (s.underTraining.length > 0) {
    lines.push(
      '',
      'Serving while the same algorithm retrains (the load runs exactly as long as the retrain). Saturated: the same 32 connections, each sending as soon as ' +
        'it has an answer, so a stall only delays the requests in flight. Fixed rate: half the idle throughput offered at a constant rate, so requests keep ' +
        'arriving during a stall and through any loss of capacity (the better model of real traffic):',
      '',
      table(
        [...RETRAIN_COMPARISON_COLUMNS, 'training p50 ms', 'training max ms', 'window s'],
        s.underTraining.map((u) => [
          ...retrainComparisonCells(u),
          fmt(u.training.latencyMs.p50, 1),
          fmt(u.training.latencyMs.max, 0),
          fmt(u.training.seconds, 1),
        ]),
      ),
    );
  }
  if (s.besideTrainer) {
    const b = s.besideTrainer;
    lines.push(
      '',
      `Serving beside a trainer: ${b.layout}. The API process loads versions activated elsewhere every ${b.modelSyncSeconds} s (MODEL_SYNC_SECONDS); ` +
        'each load runs from the retrain request until the API process serves the new version, so loading it is inside the window. ' +
        `RSS at the end: API ${Math.round(b.apiRssMb)} MB, trainer ${Math.round(b.trainerRssMb)} MB.`,
      '',
      table(
        [...RETRAIN_COMPARISON_COLUMNS, 'training max ms', 'retrain s', 'served after s', 'window s'],
        b.runs.map((u) => [
          ...retrainComparisonCells(u),
          fmt(u.training.latencyMs.max, 0),
          `${fmt(u.retrain.wallSeconds, 1)} (${u.retrain.status})`,
          u.syncSeconds === null ? '' : fmt(u.syncSeconds, 1),
          fmt(u.training.seconds, 1),
        ]),
      ),
    );
  }
  for (const note of s.notes) lines.push('', `> ${note}`);
  return lines;
}

function soakSection(s: SoakSection): string[] {
  const mb = (bytes: number) => fmt(bytes / 2 ** 20, 1);
  return [
    '',
    `## Soak: one caller for ${s.minutes} min`,
    '',
    `${s.dataset}. One client address (one X-Forwarded-For address, so one caller to the rate limiter), ${s.connections} connections, ` +
      `\`POST /v1/recommendations\` for random known users with \`experiment_id: ${s.experiment}\` (${s.variants}, 50/50), result cache off. ` +
      `First response: experiment ${s.sample.abExperiment ?? 'none'}, variant ${s.sample.variant ?? 'none'}.`,
    '',
    table(
      [`${s.windowSeconds} s window`, 'req/s', 'of the first', 'server RSS MB'],
      s.windowRates.map((r, w) => [
        String(w + 1),
        fmt(r, 0),
        pct(r / s.windowRates[0]),
        s.rssMbPerWindow[w] === undefined ? '' : String(s.rssMbPerWindow[w]),
      ]),
    ),
    '',
    `Overall ${fmt(s.load.requestsPerSecond, 0)} req/s, p50 ${fmt(s.load.latencyMs.p50, 1)} / p99 ${fmt(s.load.latencyMs.p99, 1)} ms, ` +
      `${String(s.load.non2xx + s.load.errors)} errors; last window / first: ${s.lastOverFirst === null ? 'n/a' : fmt(s.lastOverFirst, 2)}.`,
    '',
    `Database (${s.database.startsWith('sqlite') ? 'SQLite: the file, measured with the server stopped so the WAL is checkpointed' : `${s.database}: data and indexes from information_schema after ANALYZE TABLE, server stopped`}): ${mb(s.databaseBytesBefore)} MB → ${mb(s.databaseBytesAfter)} MB ` +
      `for ${s.lists.toLocaleString('en')} lists shown: **${mb(s.bytesPerMillionLists)} MB per million lists**. Rows added: ` +
      (Object.entries(s.rowsAdded)
        .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
        .join(', ') || 'none') +
      '.',
  ];
}

function memorySection(m: MemorySection): string[] {
  return [
    '',
    `## Memory and load time: ${m.interactions.toLocaleString('en')} interactions`,
    '',
    `Synthetic SQLite database, ${m.users.toLocaleString('en')} users × ${m.items.toLocaleString('en')} items, ${fmt(m.databaseMb, 0)} MB` +
      `${m.buildSeconds === null ? ' (cached in bench/.cache/)' : `, built in ${fmt(m.buildSeconds, 0)} s`}. ` +
      `The service first trained ${m.algorithms.join(', ')} itself (${Object.entries(m.training.statuses)
        .map(([a, s]) => `${a} ${s}`)
        .join(
          ', ',
        )} after ${fmt(m.training.wallSeconds, 0)} s from start, peak RSS ${fmt(m.training.peakRssMb, 0)} MB); ` +
      `then a fresh process (${m.role}) started on it:`,
    '',
    table(
      ['measure', 'value'],
      [
        ['spawn → /health answers', `${fmt(m.secondsToHealthy, 1)} s`],
        ['spawn → every model loaded', `${fmt(m.secondsToModelLoaded, 1)} s`],
        ['RSS after load', `${fmt(m.rssAfterLoadMb, 0)} MB`],
        [
          `RSS after ${fmt(m.serving.seconds, 0)} s of serving (${fmt(m.serving.requestsPerSecond, 0)} req/s, p99 ${fmt(m.serving.latencyMs.p99, 1)} ms)`,
          `${fmt(m.rssAfterServingMb, 0)} MB`,
        ],
        ['peak RSS', `${fmt(m.peakRssMb, 0)} MB`],
      ],
    ),
  ];
}

function trainingSection(t: TrainingSection): string[] {
  return [
    '',
    '## Training (the worker function, one fresh process per run)',
    '',
    'Synthetic data at constant density (20 interactions per user, 100 per item): ' +
      t.shapes
        .map(
          (s) =>
            `${s.interactions.toLocaleString('en')} = ${s.users.toLocaleString('en')} users × ${s.items.toLocaleString('en')} items`,
        )
        .join('; ') +
      '. Total = what a retrain costs in the worker (holdout evaluation: fit on the earlier 80% and score the held-out users, at most EVALUATION_MAX_USERS; final fit; history matrices; encoding). ' +
      'Fit = `algorithm.train` alone on all data. Peak = getrusage max RSS of the process; input = RSS with the input built, before training.',
    '',
    table(
      [
        'algorithm',
        'interactions',
        'total s',
        'fit s',
        'peak RSS MB',
        'input RSS MB',
        'growth exponent',
        'artifact MB',
        'NDCG@10',
        'note',
      ],
      t.rows.map((row) => [
        row.algorithm,
        row.interactions.toLocaleString('en'),
        fmt(row.totalSeconds, 1),
        fmt(row.fitSeconds, 1),
        fmt(row.peakRssMb, 0),
        fmt(row.baselineRssMb, 0),
        row.growthExponent === null ? '' : fmt(row.growthExponent, 2),
        row.artifactMb ? fmt(row.artifactMb, 1) : '',
        fmt(row.ndcgAt10, 4),
        row.skipped ??
          row.error ??
          (row.peakRssMb <= row.peakBeforeTrainingMb + 1 ? 'peak set by data generation' : ''),
      ]),
    ),
  ];
}

function ingestionSection(i: IngestionSection): string[] {
  const lines = [
    '',
    '## Ingestion',
    '',
    'Fresh database per dialect with a 2,000-item catalogue; events on known items from 10,000 users. Single: `POST /v1/feedback`; batch: `POST /v1/feedback/batch` with 1,000 events.',
    '',
    table(
      ['database', 'endpoint', 'connections', 'events/s', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
      i.rows.map((row) => [
        row.database,
        row.mode === 'single' ? 'POST /v1/feedback' : `POST /v1/feedback/batch (${row.eventsPerRequest})`,
        String(row.load.connections),
        fmt(row.eventsPerSecond, 0),
        fmt(row.load.requestsPerSecond, 0),
        fmt(row.load.latencyMs.p50, 1),
        fmt(row.load.latencyMs.p99, 1),
        String(row.load.non2xx + row.load.errors),
      ]),
    ),
  ];
  for (const probe of i.wideBatchProbes) {
    lines.push(
      '',
      `> ${probe.database}: a batch of 1,000 events on 1,000 distinct items (more than SQLite's 500-term compound SELECT) answered ${probe.status}${probe.detail ? ` (${probe.detail})` : ''}.`,
    );
  }
  for (const skipped of i.skipped) lines.push('', `> ${skipped}`);
  return lines;
}

function profileSection(profiles: ProfileSummary[]): string[] {
  const lines = ['', '## CPU profiles (`--cpu-prof` on the server, main thread)'];
  for (const p of profiles) {
    lines.push(
      '',
      `### ${p.label}`,
      '',
      `${fmt(p.busyMs / 1000, 1)} s busy, ${fmt(p.idlePercent, 0)}% idle, after skipping the first ${fmt(p.skippedMs / 1000, 1)} s (start-up, warm-up). ` +
        `Profile: \`${p.file}\` (compiled-JS line numbers; native time shows as its JS caller's self time).`,
      '',
      'Self time by area:',
      '',
      table(
        ['area', 'ms', '% busy'],
        p.byArea.map((e) => [e.name, fmt(e.ms, 0), fmt(e.percent, 1)]),
      ),
      '',
      'Top functions by self time:',
      '',
      table(
        ['function', 'ms', '% busy'],
        p.self.map((e) => [e.name, fmt(e.ms, 0), fmt(e.percent, 1)]),
      ),
      '',
      'Service functions by inclusive time:',
      '',
      table(
        ['function', 'ms', '% busy'],
        p.inclusive.map((e) => [e.name, fmt(e.ms, 0), fmt(e.percent, 1)]),
      ),
    );
  }
  return lines;
}

export function table(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}

function fmt(value: number, digits: number): string {
  return Number.isFinite(value)
    ? value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '';
}

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(0)}%`;
}

/** The columns both retrain tables share: the same load idle and while a retrain runs. */
const RETRAIN_COMPARISON_COLUMNS = [
  'algorithm',
  'load',
  'idle req/s',
  'training req/s',
  'idle p99 ms',
  'training p99 ms',
  'p99 ratio',
];

function retrainComparisonCells(u: {
  algorithm: string;
  mode: string;
  idle: LoadResult;
  training: LoadResult;
  p99Ratio: number;
}): string[] {
  return [
    u.algorithm,
    u.mode === 'saturated' ? `saturated (${u.idle.connections} conns)` : `fixed ${u.idle.overallRate} req/s`,
    fmt(u.idle.requestsPerSecond, 0),
    fmt(u.training.requestsPerSecond, 0),
    fmt(u.idle.latencyMs.p99, 1),
    fmt(u.training.latencyMs.p99, 1),
    `×${fmt(u.p99Ratio, 2)}`,
  ];
}
