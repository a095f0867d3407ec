import { ALGORITHM_REGISTRY } from '../src/algorithms/registry';
import { sortEventsByTime } from '../src/algorithms/sparse';
import { ALGORITHMS } from '../src/algorithms/types';
import { buildDemoData } from '../src/demo/demo-catalogue';
import { groupKeyOf } from '../src/domain/diversity';
import { DEFAULT_FEEDBACK_WEIGHTS } from '../src/domain/feedback-actions';
import { EvaluationMetrics, ListCap, holdoutOf, trainAndEvaluateHoldout } from '../src/evaluation/evaluate';
import { SnapshotEncoder } from '../src/training/training-data.builder';

/**
 * `node dist/bench/diversity-cap.js` after `npm run build:all`: what MAX_PER_ARTIST=2 changes on
 * the demo catalogue (160 events, 300 users), under the protocol every training run uses (each
 * user's latest 20% held out): NDCG@10, catalogue coverage and intra-list diversity, uncapped and capped.
 */
function main(): void {
  const now = Date.UTC(2026, 11, 1);
  const demo = buildDemoData(now);
  const encoder = new SnapshotEncoder(DEFAULT_FEEDBACK_WEIGHTS);
  for (const item of demo.items)
    encoder.addItem({ ...item, isPlaceholder: false, createdAt: now, updatedAt: now, deletedAt: null });
  demo.feedback.forEach((event, at) => encoder.addEvent({ ...event, id: at + 1 }));
  const snapshot = encoder.finish(demo.feedback.length);
  const data = { ...snapshot.data, events: sortEventsByTime(snapshot.data.events) };
  const holdout = holdoutOf(data, 0.2);

  const byId = new Map(demo.items.map((item) => [item.id, item]));
  const codes = new Map<string, number>();
  const itemGroups = Int32Array.from(snapshot.itemIds, (id) => {
    const item = byId.get(id);
    const key = item ? groupKeyOf(item) : null;
    if (key === null) return -1;
    if (!codes.has(key)) codes.set(key, codes.size);
    return codes.get(key) as number;
  });
  const cap: ListCap = { itemGroups, maxPerArtist: 2 };

  const cell = (m: EvaluationMetrics) =>
    `${m.ndcg_at_10.toFixed(4)} | ${m.coverage.toFixed(3)} | ${m.intra_list_diversity.toFixed(3)}`;
  console.log(
    `demo: ${demo.items.length} items, ${codes.size} artists, ${demo.feedback.length} events; time holdout 20%`,
  );
  console.log('| algorithm | NDCG@10 | coverage | ILD | NDCG@10 capped | coverage capped | ILD capped |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const name of ALGORITHMS) {
    const algorithm = ALGORITHM_REGISTRY[name];
    const open = trainAndEvaluateHoldout(algorithm, holdout, algorithm.defaults).metrics;
    const capped = trainAndEvaluateHoldout(algorithm, holdout, algorithm.defaults, cap).metrics;
    console.log(`| ${name} | ${cell(open)} | ${cell(capped)} |`);
  }
}

main();
