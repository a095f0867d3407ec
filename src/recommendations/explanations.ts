import { Evidence } from '../algorithms/types';
import { FeedbackAction } from '../domain/feedback-actions';
import { LoadedModel } from '../model-registry/loaded-model';
import { CatalogueCache } from './catalogue-cache';

const PAST_TENSE: Record<FeedbackAction, string> = {
  save: 'saved',
  like: 'liked',
  rate: 'rated',
  watch: 'watched',
  click: 'looked at',
  skip: 'skipped',
  hide: 'hid',
  dislike: 'disliked',
};

/** Turns a model's evidence into a sentence a person can read. */
export function reasonFor(
  evidence: Evidence,
  model: LoadedModel,
  catalogue: CatalogueCache,
  lastAction: Map<number, FeedbackAction>,
  city: string | null,
): string {
  switch (evidence.kind) {
    case 'similar_item': {
      const name = catalogue.get(model.itemIds[evidence.item])?.name ?? model.itemIds[evidence.item];
      return `Because you ${PAST_TENSE[lastAction.get(evidence.item) ?? 'like']} ${name}`;
    }
    case 'similar_users':
      return 'Popular with people who share your taste';
    case 'feature':
      return featureReason(model.featureNames[evidence.feature], model.featureLabels[evidence.feature]);
    case 'popular': {
      const where = evidence.city >= 0 ? model.cityNames[evidence.city] : city;
      return where ? `Popular in ${where} this week` : 'Popular this week';
    }
    case 'taste':
      return 'Picked for your taste';
  }
}

function featureReason(key: string, label: string): string {
  const kind = key.split(':')[0];
  if (kind === 'artist') return `Features ${label}, an artist you like`;
  if (kind === 'venue') return `At ${label}, a venue you like`;
  if (kind === 'tag') return `Matches your interest in ${label}`;
  return `Matches your taste in ${label}`;
}
