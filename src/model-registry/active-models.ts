import { Injectable } from '@nestjs/common';
import { AlgorithmName } from '../algorithms/types';
import { LoadedModel } from './loaded-model';

type Listener = (algorithm: AlgorithmName) => void;

/**
 * The models serving right now, one per algorithm. Replacing one is a single reference swap:
 * a request that already holds the old LoadedModel finishes on it, the next one gets the new.
 */
@Injectable()
export class ActiveModels {
  private readonly models = new Map<AlgorithmName, LoadedModel>();
  private readonly listeners: Listener[] = [];

  get(algorithm: AlgorithmName): LoadedModel | undefined {
    return this.models.get(algorithm);
  }

  all(): LoadedModel[] {
    return [...this.models.values()];
  }

  set(model: LoadedModel): void {
    this.models.set(model.algorithm, model);
    for (const listener of this.listeners) listener(model.algorithm);
  }

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }
}
