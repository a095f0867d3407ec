const DAY = 24 * 3600 * 1000;

/** A small catalogue with clear tastes: techno and jazz in two cities, plus events already over. */
export function catalogueFixture(now = Date.now()) {
  const future = (days: number) => new Date(now + days * DAY).toISOString();
  const items = [];
  for (let i = 0; i < 12; i++) {
    items.push({
      id: `techno_${i}`,
      name: `Techno Night ${i}`,
      city: i % 2 ? 'Cork' : 'Dublin',
      venue: `Club ${i % 3}`,
      starts_at: future(2 + i),
      genres: ['Techno'],
      artists: [`DJ ${i % 4}`],
    });
    items.push({
      id: `jazz_${i}`,
      name: `Jazz Evening ${i}`,
      city: i % 2 ? 'Cork' : 'Dublin',
      venue: `Hall ${i % 3}`,
      starts_at: future(2 + i),
      genres: ['Jazz'],
      artists: [`Trio ${i % 4}`],
    });
  }
  items.push({
    id: 'techno_past',
    name: 'Techno Last Week',
    city: 'Dublin',
    venue: 'Club 0',
    starts_at: new Date(now - 7 * DAY).toISOString(),
    genres: ['Techno'],
    artists: ['DJ 0'],
  });
  return items;
}

/**
 * Forty users: the first twenty save techno, the rest save jazz; everyone first clicked the past
 * techno event, so a filter that forgot about time would surface it.
 */
export function feedbackFixture() {
  const events = [];
  for (let u = 0; u < 40; u++) {
    const genre = u < 20 ? 'techno' : 'jazz';
    events.push({ user_id: `fan_${u}`, event_id: 'techno_past', action: 'click' });
    for (let k = 0; k < 6; k++)
      events.push({ user_id: `fan_${u}`, event_id: `${genre}_${(u + k) % 12}`, action: 'save' });
  }
  return events;
}
