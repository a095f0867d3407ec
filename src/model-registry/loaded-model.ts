import { AlgorithmName, Recommender } from '../algorithms/types';

/** A model version ready to serve: the recommender plus the id dictionaries of its snapshot. */
export interface LoadedModel {
  id: number;
  version: string;
  algorithm: AlgorithmName;
  recommender: Recommender;
  trainedAt: number;
  /** Interactions with a larger id arrived after the snapshot and are read per request. */
  lastInteractionId: number;
  itemIds: string[];
  itemIndex: Map<string, number>;
  userIndex: Map<string, number>;
  featureIndex: Map<string, number>;
  featureNames: string[];
  cityIndex: Map<string, number>;
  cityNames: string[];
}
