import { FeedbackAction } from '../domain/feedback-actions';
import { InteractionWrite } from '../repositories/interactions.repository';
import { ItemWrite } from '../repositories/items.repository';

/** A small deterministic random source, so every newcomer sees the same demo. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CITIES: Record<string, string[]> = {
  Dublin: ['The Button Factory', 'Whelan’s', 'Vicar Street', 'The Academy', 'National Concert Hall'],
  Cork: ['Cyprus Avenue', 'Cork Opera House', 'The Bodega'],
  Galway: ['Róisín Dubh', 'Monroe’s Live', 'Town Hall Theatre'],
  Belfast: ['Limelight', 'The Empire', 'Ulster Hall'],
};

const GENRES: Record<string, string[]> = {
  Techno: ['Ben Klock', 'Nina Kraviz', 'Amelie Lens', 'Fjaak'],
  House: ['Peggy Gou', 'Honey Dijon', 'Kerri Chandler'],
  Jazz: ['Kamasi Washington', 'Nubya Garcia', 'Ezra Collective'],
  Indie: ['Fontaines D.C.', 'The Murder Capital', 'Just Mustard'],
  Trad: ['Lankum', 'The Gloaming', 'Beoga'],
  'Hip-Hop': ['Denise Chaila', 'Kojaque', 'Rejjie Snow'],
  Classical: ['RTÉ Concert Orchestra', 'Crash Ensemble'],
  Comedy: ['Dylan Moran', 'Aisling Bea', 'Tommy Tiernan'],
};

const SHOW_NAMES: Record<string, string[]> = {
  Techno: ['Techno Night', 'Warehouse Session', 'Industrial Dreams'],
  House: ['House Party', 'Deep House Sunday', 'Disco Inferno'],
  Jazz: ['Late Jazz Club', 'Jazz Brunch', 'Spiritual Jazz Evening'],
  Indie: ['Indie Showcase', 'Guitar Night', 'New Noise'],
  Trad: ['Trad Session', 'Céilí Night', 'Folk Roots'],
  'Hip-Hop': ['Hip-Hop Block Party', 'Bars & Beats', 'Open Mic Cypher'],
  Classical: ['Symphony Evening', 'Chamber Music Hour', 'Contemporary Classics'],
  Comedy: ['Comedy Club', 'Stand-up Showcase', 'Improv Night'],
};

export interface DemoData {
  items: ItemWrite[];
  feedback: InteractionWrite[];
  users: { id: string; city: string; preferences: { genres: string[] } }[];
}

const DAY = 24 * 3600 * 1000;

/**
 * About 160 events across four Irish cities over the next two months (plus a few already past,
 * which must never be recommended) and 300 users whose feedback follows their taste in one or
 * two genres, with the noise real users add.
 */
export function buildDemoData(now: number, seed = 42): DemoData {
  const random = mulberry32(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
  const genres = Object.keys(GENRES);
  const cities = Object.keys(CITIES);

  const items: ItemWrite[] = [];
  for (let n = 0; n < 160; n++) {
    const genre = genres[n % genres.length];
    const city = pick(cities);
    const artist = pick(GENRES[genre]);
    const startsAt = n < 8 ? now - (1 + n) * DAY : now + Math.floor(((1 + random() * 60) * DAY) / 3600000) * 3600000;
    items.push({
      id: `evt_${String(n + 1).padStart(3, '0')}`,
      name: `${pick(SHOW_NAMES[genre])} with ${artist}`,
      type: genre === 'Comedy' ? 'comedy' : 'gig',
      city,
      venue: pick(CITIES[city]),
      startsAt,
      endsAt: startsAt + 4 * 3600 * 1000,
      genres: [genre],
      artists: [artist],
      tags: random() < 0.3 ? ['late-night'] : random() < 0.5 ? ['all-ages'] : [],
      metadata: { price_eur: 10 + Math.floor(random() * 40) },
    });
  }

  const users: DemoData['users'] = [];
  const feedback: InteractionWrite[] = [];
  for (let u = 0; u < 300; u++) {
    const id = `user_${String(u + 1).padStart(3, '0')}`;
    const loves = [pick(genres), ...(random() < 0.4 ? [pick(genres)] : [])];
    const city = pick(cities);
    users.push({ id, city, preferences: { genres: loves } });
    const events = 6 + Math.floor(random() * 14);
    for (let e = 0; e < events; e++) {
      const inTaste = random() < 0.8;
      const candidates = items.filter((item) => loves.includes(item.genres[0]) === inTaste);
      const item = pick(candidates);
      feedback.push({
        feedbackId: null,
        userId: id,
        itemId: item.id,
        action: actionFor(inTaste, random()),
        value: null,
        recommendationId: null,
        position: null,
        occurredAt: now - Math.floor(random() * 30 * DAY),
      });
    }
  }
  feedback.sort((a, b) => a.occurredAt - b.occurredAt);
  return { items, feedback, users };
}

function actionFor(inTaste: boolean, roll: number): FeedbackAction {
  if (inTaste) return roll < 0.45 ? 'save' : roll < 0.9 ? 'click' : 'like';
  return roll < 0.5 ? 'skip' : roll < 0.8 ? 'click' : 'hide';
}
