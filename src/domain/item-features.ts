export interface ItemFeature {
  /** `kind:value`, case-folded so "Techno" and "techno" are one feature. */
  key: string;
  /** The value as first written, for reasons shown to people. */
  label: string;
}

/** The fields of an item that describe it. */
export interface DescribedItem {
  genres: readonly string[];
  artists: readonly string[];
  tags: readonly string[];
  venue: string | null;
}

export function itemFeatures(item: DescribedItem): ItemFeature[] {
  const features = [
    ...item.genres.map((g) => feature('genre', g)),
    ...item.artists.map((a) => feature('artist', a)),
    ...item.tags.map((t) => feature('tag', t)),
    ...(item.venue ? [feature('venue', item.venue)] : []),
  ];
  const seen = new Set<string>();
  return features.filter((f) => !seen.has(f.key) && seen.add(f.key));
}

export function feature(kind: 'genre' | 'artist' | 'tag' | 'venue', value: string): ItemFeature {
  return { key: `${kind}:${value.trim().toLowerCase()}`, label: value.trim() };
}
