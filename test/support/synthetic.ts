import { buildCsr } from '../../src/algorithms/sparse';
import { TrainingData } from '../../src/algorithms/types';

/** Deterministic synthetic training data: users with a taste cluster, Zipf-ish item popularity. */
export function syntheticTrainingData(numUsers: number, numItems: number, numEvents: number, seed = 7): TrainingData {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const clusters = 8;
  const user = new Int32Array(numEvents);
  const item = new Int32Array(numEvents);
  const weight = new Float32Array(numEvents);
  const time = new Float64Array(numEvents);
  for (let k = 0; k < numEvents; k++) {
    const u = Math.floor(random() * numUsers);
    const cluster = u % clusters;
    const rank = Math.floor((numItems / clusters) * random() ** 2);
    user[k] = u;
    item[k] = (cluster + rank * clusters) % numItems;
    weight[k] = random() < 0.1 ? -1 : 1 + Math.floor(random() * 3);
    time[k] = 1_700_000_000 + k;
  }
  const featureItems = Int32Array.from({ length: numItems }, (_, i) => i);
  const featureIds = Int32Array.from({ length: numItems }, (_, i) => i % clusters);
  return {
    numUsers,
    numItems,
    events: { user, item, weight, time },
    itemFeatures: buildCsr(numItems, clusters, featureItems, featureIds, new Float32Array(numItems).fill(1)),
    itemCity: new Int32Array(numItems).fill(-1),
    referenceTime: 1_700_000_000 + numEvents,
  };
}
