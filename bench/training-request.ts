import { buildCsr } from '../src/algorithms/sparse';
import { AlgorithmName, TrainingData } from '../src/algorithms/types';
import { loadConfig } from '../src/config/config';
import { itemFeatures } from '../src/domain/item-features';
import { excludesItem } from '../src/domain/signal';
import { TrainRequest } from '../src/training/train-model.worker';
import { BenchDataset, actionOf, eventWeight } from './dataset';

/** The service's defaults (HOLDOUT_FRACTION, EVALUATION_MAX_USERS, …), read as the service reads them. */
const TRAINING_DEFAULTS = loadConfig({}).training;

/**
 * The request the service's snapshot reader (src/training/training-data.builder.ts) would hand the training worker for this
 * dataset: dictionary-encoded events with the default feedback weights, content features keyed
 * exactly as the service keys them, exclusions, and the header of id dictionaries.
 */
export function trainRequestOf(dataset: BenchDataset, algorithm: AlgorithmName): TrainRequest {
  const { events } = dataset;
  const n = events.user.length;
  for (let k = 1; k < n; k++) {
    if (events.occurredAt[k - 1] > events.occurredAt[k])
      throw new Error(`${dataset.name}: events must be in time order`);
  }
  const weight = new Float32Array(n);
  const time = new Float64Array(n);
  const excludedUser: number[] = [];
  const excludedItem: number[] = [];
  for (let k = 0; k < n; k++) {
    weight[k] = eventWeight(events, k);
    time[k] = events.occurredAt[k] / 1000;
    if (excludesItem(actionOf(events, k))) {
      excludedUser.push(events.user[k]);
      excludedItem.push(events.item[k]);
    }
  }
  const features = featureDictionary(dataset);
  const cityNames = [
    ...new Set(dataset.items.map((item) => item.city).filter((city): city is string => city !== null)),
  ];
  const cityIndex = new Map(cityNames.map((city, index) => [city, index]));
  const data: TrainingData = {
    numUsers: dataset.users.length,
    numItems: dataset.items.length,
    events: { user: events.user.slice(), item: events.item.slice(), weight, time },
    itemFeatures: features.matrix,
    itemCity: Int32Array.from(dataset.items, (item) => (item.city === null ? -1 : (cityIndex.get(item.city) ?? -1))),
    referenceTime: n > 0 ? time[n - 1] : Date.now() / 1000,
  };
  return {
    algorithm,
    params: {},
    data,
    exclusions: { user: Int32Array.from(excludedUser), item: Int32Array.from(excludedItem) },
    holdoutFraction: TRAINING_DEFAULTS.holdoutFraction,
    holdoutSplit: TRAINING_DEFAULTS.holdoutSplit,
    maxEvaluatedUsers: TRAINING_DEFAULTS.maxEvaluatedUsers,
    header: {
      userIds: dataset.users.map((user) => user.id),
      itemIds: dataset.items.map((item) => item.id),
      featureNames: features.names,
      featureLabels: features.labels,
      cityNames,
      lastInteractionId: n,
      trainedAt: Date.now(),
    },
  };
}

function featureDictionary(dataset: BenchDataset) {
  const index = new Map<string, number>();
  const names: string[] = [];
  const labels: string[] = [];
  const rows: number[] = [];
  const cols: number[] = [];
  dataset.items.forEach((item, row) => {
    for (const { key, label } of itemFeatures(item)) {
      let col = index.get(key);
      if (col === undefined) {
        col = names.push(key) - 1;
        labels.push(label);
        index.set(key, col);
      }
      rows.push(row);
      cols.push(col);
    }
  });
  const matrix = buildCsr(
    dataset.items.length,
    names.length,
    Int32Array.from(rows),
    Int32Array.from(cols),
    new Float32Array(rows.length).fill(1),
  );
  return { matrix, names, labels };
}
