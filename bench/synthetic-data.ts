import { FeedbackAction } from '../src/domain/feedback-actions';
import { BenchDataset, DatasetItem, DatasetUser, actionCode } from './dataset';
import { Prng, sampleCdf, zipfCdf } from './prng';

/** How big a synthetic world is; the same shape and seed always give the same data. */
export interface SyntheticShape {
  users: number;
  items: number;
  interactions: number;
  seed: number;
}

const DAY_MS = 24 * 3600 * 1000;
const GENRES = [
  'Techno',
  'House',
  'Jazz',
  'Blues',
  'Rock',
  'Indie',
  'Metal',
  'Punk',
  'Folk',
  'Trad',
  'Classical',
  'Opera',
  'Hip Hop',
  'Grime',
  'Soul',
  'Funk',
  'Reggae',
  'Latin',
  'Pop',
  'Country',
  'Comedy',
  'Theatre',
  'Dance',
  'Ambient',
];
const CITIES = [
  'Dublin',
  'Cork',
  'Galway',
  'Limerick',
  'Belfast',
  'London',
  'Manchester',
  'Berlin',
  'Paris',
  'Amsterdam',
  'Lisbon',
  'Madrid',
];
const TYPES = ['gig', 'club', 'festival', 'theatre', 'comedy'];
const TAGS = ['late-night', 'all-ages', 'outdoor', 'seated', 'free', 'sold-out-soon', 'family', 'accessible'];
const VENUES_PER_CITY = 40;
/** Share of events that ignore the user's tastes and follow global popularity. */
const EXPLORATION = 0.15;
/** How many events each user has is log-normal: most have a few, some have hundreds. */
const ACTIVITY_SIGMA = 0.9;
const ZIPF_EXPONENT = 1.0;
const ACTIONS: readonly [FeedbackAction, number][] = [
  ['click', 0.55],
  ['save', 0.15],
  ['like', 0.1],
  ['skip', 0.12],
  ['watch', 0.05],
  ['hide', 0.03],
];

/**
 * A deterministic event-discovery world: items in genre clusters with Zipf popularity inside
 * each cluster, users who like one to three clusters, cities, venues and artists, events that
 * start in the future relative to `now` and feedback spread over the 180 days before it.
 */
export function generateSynthetic(shape: SyntheticShape, now: number): BenchDataset {
  const random = new Prng(shape.seed);
  const clusters = Math.min(GENRES.length, Math.max(2, Math.floor(shape.items / 50)));
  const items = generateItems(shape.items, clusters, random, now);
  const { users, userClusters } = generateUsers(shape.users, clusters, random);
  const events = generateEvents(shape, clusters, userClusters, random, now);
  return {
    name: `synthetic ${compact(shape.users)} users × ${compact(shape.items)} items × ${compact(shape.interactions)} interactions`,
    description: `seed ${shape.seed}, ${clusters} genre clusters, Zipf(${ZIPF_EXPONENT}) popularity, ${EXPLORATION * 100}% exploration`,
    items,
    users,
    events,
  };
}

export function compact(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** Item i is in genre cluster i mod clusters; its popularity rank inside the cluster is ⌊i / clusters⌋. */
function generateItems(count: number, clusters: number, random: Prng, now: number): DatasetItem[] {
  const artistsPerCluster = Math.max(5, Math.floor(count / 4 / clusters));
  const items: DatasetItem[] = new Array<DatasetItem>(count);
  for (let i = 0; i < count; i++) {
    const cluster = i % clusters;
    const city = CITIES[random.int(CITIES.length)];
    const startsAt = now + 3600_000 + Math.floor(random.next() * 180 * DAY_MS);
    const genres = [GENRES[cluster]];
    if (random.next() < 0.3) genres.push(GENRES[random.int(clusters)]);
    const artists = [`Artist ${cluster + clusters * random.int(artistsPerCluster)}`];
    if (random.next() < 0.25) artists.push(`Artist ${cluster + clusters * random.int(artistsPerCluster)}`);
    items[i] = {
      id: `evt_${i}`,
      name: `${GENRES[cluster]} Night #${i}`,
      type: TYPES[random.int(TYPES.length)],
      city,
      venue: `${city} Hall ${random.int(VENUES_PER_CITY)}`,
      startsAt,
      endsAt: startsAt + 3 * 3600_000,
      genres: [...new Set(genres)],
      artists: [...new Set(artists)],
      tags: random.next() < 0.4 ? [TAGS[random.int(TAGS.length)]] : [],
    };
  }
  return items;
}

function generateUsers(
  count: number,
  clusters: number,
  random: Prng,
): { users: DatasetUser[]; userClusters: Int16Array } {
  // Up to three clusters per user, -1 padded.
  const userClusters = new Int16Array(count * 3).fill(-1);
  const users: DatasetUser[] = new Array<DatasetUser>(count);
  for (let u = 0; u < count; u++) {
    const tastes = 1 + random.int(3);
    for (let t = 0; t < tastes; t++) userClusters[u * 3 + t] = random.int(clusters);
    users[u] = {
      id: `user_${u}`,
      city: CITIES[random.int(CITIES.length)],
      preferences: random.next() < 0.3 ? { genres: [GENRES[userClusters[u * 3]]] } : {},
    };
  }
  return { users, userClusters };
}

function generateEvents(
  shape: SyntheticShape,
  clusters: number,
  userClusters: Int16Array,
  random: Prng,
  now: number,
): BenchDataset['events'] {
  const total = shape.interactions;
  const perUser = activityCounts(shape.users, total, random);
  // Items of cluster c are c, c + clusters, c + 2·clusters, …; rank r within the cluster is item c + r·clusters.
  const clusterSize = Math.ceil(shape.items / clusters);
  const clusterCdf = zipfCdf(clusterSize, ZIPF_EXPONENT);
  const globalCdf = zipfCdf(shape.items, ZIPF_EXPONENT);
  const globalOrder = shuffledRange(shape.items, random);
  const actionCdf = Float64Array.from(cumulative(ACTIONS.map(([, p]) => p)));
  const actionCodes = Uint8Array.from(ACTIONS, ([action]) => actionCode(action));
  const watchCode = actionCode('watch');

  const user = new Int32Array(total);
  const item = new Int32Array(total);
  const action = new Uint8Array(total);
  const value = new Float32Array(total).fill(NaN);
  let k = 0;
  for (let u = 0; u < shape.users; u++) {
    let tastes = 0;
    while (tastes < 3 && userClusters[u * 3 + tastes] >= 0) tastes++;
    for (let e = 0; e < perUser[u]; e++, k++) {
      user[k] = u;
      if (random.next() < EXPLORATION) {
        item[k] = globalOrder[sampleCdf(globalCdf, random.next())];
      } else {
        const cluster = userClusters[u * 3 + random.int(tastes)];
        let rank = sampleCdf(clusterCdf, random.next());
        while (cluster + rank * clusters >= shape.items)
          rank = random.int(Math.floor((shape.items - 1 - cluster) / clusters) + 1);
        item[k] = cluster + rank * clusters;
      }
      action[k] = actionCodes[sampleCdf(actionCdf, random.next())];
      if (action[k] === watchCode) value[k] = random.next();
    }
  }
  shuffleEvents(user, item, action, value, random);
  // Shuffled order is then stamped with increasing times: the log is in time order, like a real one.
  const start = now - 180 * DAY_MS;
  const step = (180 * DAY_MS - 60_000) / total;
  const occurredAt = Float64Array.from({ length: total }, (_, index) => Math.floor(start + index * step));
  return { user, item, action, value, occurredAt };
}

/** Per-user event counts, log-normal, summing to exactly `total`. */
function activityCounts(users: number, total: number, random: Prng): Int32Array {
  const activity = Float64Array.from({ length: users }, () => Math.exp(ACTIVITY_SIGMA * random.normal()));
  const sum = activity.reduce((a, b) => a + b, 0);
  const counts = new Int32Array(users);
  let assigned = 0;
  for (let u = 0; u < users; u++) {
    counts[u] = Math.floor((activity[u] / sum) * total);
    assigned += counts[u];
  }
  for (let u = 0; assigned < total; u = (u + 1) % users, assigned++) counts[u]++;
  return counts;
}

function cumulative(weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  let running = 0;
  return weights.map((w) => (running += w / sum));
}

function shuffledRange(n: number, random: Prng): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function shuffleEvents(
  user: Int32Array,
  item: Int32Array,
  action: Uint8Array,
  value: Float32Array,
  random: Prng,
): void {
  for (let i = user.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    swap(user, i, j);
    swap(item, i, j);
    swap(action, i, j);
    swap(value, i, j);
  }
}

function swap(array: Int32Array | Uint8Array | Float32Array, i: number, j: number): void {
  const t = array[i];
  array[i] = array[j];
  array[j] = t;
}
