import { contentBased } from './content-based';
import { ease } from './ease';
import { hybrid } from './hybrid';
import { itemKnn } from './item-knn';
import { matrixFactorization } from './matrix-factorization';
import { popularity } from './popularity';
import { Algorithm, AlgorithmName } from './types';
import { collaborativeFiltering } from './user-knn';

export const ALGORITHM_REGISTRY: Record<AlgorithmName, Algorithm> = {
  popularity,
  collaborative_filtering: collaborativeFiltering,
  item_knn: itemKnn,
  content_based: contentBased,
  matrix_factorization: matrixFactorization,
  ease,
  hybrid,
};

export function getAlgorithm(name: AlgorithmName): Algorithm {
  const algorithm = ALGORITHM_REGISTRY[name];
  if (!algorithm) throw new Error(`unknown algorithm "${name}"`);
  return algorithm;
}
