import { Injectable, Logger } from '@nestjs/common';
import { AlgorithmName, AlgorithmParams } from '../algorithms/types';
import { Experiment, ExperimentsRepository } from '../repositories/experiments.repository';
import { assignVariant } from './assignment';

export interface Assignment {
  experimentId: string;
  variantId: string;
  algorithm: AlgorithmName;
  params: AlgorithmParams;
}

/** Other replicas' experiment changes reach this one within this long. */
const REFRESH_MS = 10_000;
/** Stored assignments kept in memory: ~100 bytes each, so about 10 MB at most. */
const ASSIGNMENT_CACHE_SIZE = 100_000;

/**
 * Decides which experiment and variant a recommendation request runs under. The hot path touches
 * the database only on a user's first request to this replica: active experiments are cached
 * (reloaded every REFRESH_MS, and at once after a write here), and so are stored assignments.
 */
@Injectable()
export class ExperimentAssigner {
  private readonly logger = new Logger(ExperimentAssigner.name);
  private active: { experiments: Experiment[]; loadedAt: number } | undefined;
  private loading: Promise<Experiment[]> | undefined;
  private readonly assigned = new LruCache<string, string>(ASSIGNMENT_CACHE_SIZE);

  constructor(private readonly experiments: ExperimentsRepository) {}

  /**
   * The experiment this request runs under — the one named if it is active, else the single
   * active experiment if there is exactly one — and the user's variant; undefined when none
   * applies. QA users in forced_assignments get their pinned variant and are not stored. Everyone
   * else gets the stored variant of their first exposure, or the deterministic one (stored now),
   * so a traffic change never moves a user already exposed. If the database fails here the
   * request is served outside the experiment rather than failing.
   */
  async assign(userId: string, experimentId?: string): Promise<Assignment | undefined> {
    try {
      const experiment = choose(await this.activeExperiments(), experimentId);
      if (!experiment) return undefined;
      // hasOwn: a user called "constructor" must not find Object.prototype's.
      const forced = Object.hasOwn(experiment.forcedAssignments, userId) ? experiment.forcedAssignments[userId] : undefined;
      const variantId = forced ?? (await this.storedVariant(experiment, userId));
      const variant = experiment.variants.find((v) => v.variant_id === variantId);
      return variant && { experimentId: experiment.id, variantId: variant.variant_id, algorithm: variant.algorithm, params: variant.params };
    } catch (error) {
      this.logger.warn(`experiment assignment failed, serving without an experiment: ${(error as Error).message}`);
      return undefined;
    }
  }

  /**
   * Reloads the active experiments now: called after an experiment is created or changed here.
   * A load already under way may have read before the change committed, so this waits for it
   * and starts a fresh one.
   */
  async reload(): Promise<void> {
    await this.loading?.catch(() => undefined);
    await this.load();
  }

  private async activeExperiments(): Promise<Experiment[]> {
    if (!this.active) return this.load();
    if (Date.now() - this.active.loadedAt >= REFRESH_MS) {
      // Serve the current list while the refresh runs, so no request waits on it.
      this.load().catch((error: Error) => this.logger.warn(`could not refresh active experiments: ${error.message}`));
    }
    return this.active.experiments;
  }

  /** One load at a time; concurrent callers share it. */
  private load(): Promise<Experiment[]> {
    this.loading ??= this.experiments
      .list('active')
      .then((experiments) => {
        this.active = { experiments, loadedAt: Date.now() };
        return experiments;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private async storedVariant(experiment: Experiment, userId: string): Promise<string | undefined> {
    const key = `${experiment.id}\u0000${userId}`;
    const cached = this.assigned.get(key);
    if (cached !== undefined) return cached;
    let variantId = await this.experiments.getAssignedVariant(experiment.id, userId);
    if (variantId === undefined) {
      const variant = assignVariant(experiment.id, userId, experiment.variants);
      if (!variant) return undefined;
      variantId = await this.experiments.assignIfAbsent(experiment.id, userId, variant.variant_id);
    }
    this.assigned.set(key, variantId);
    return variantId;
  }
}

function choose(active: Experiment[], experimentId?: string): Experiment | undefined {
  const named = experimentId === undefined ? undefined : active.find((e) => e.id === experimentId);
  return named ?? (active.length === 1 ? active[0] : undefined);
}

/** Least-recently-used map: a Map iterates in insertion order, so re-inserting on read keeps the oldest first. */
class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size <= this.capacity) return;
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}
