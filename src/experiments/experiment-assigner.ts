import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { AlgorithmName } from '../algorithms/types';
import { Experiment, ExperimentsRepository } from '../repositories/experiments.repository';
import { assignVariant } from './assignment';

export interface Assignment {
  experimentId: string;
  variantId: string;
  algorithm: AlgorithmName;
}

/** Other replicas' experiment changes reach this one within this long. */
const REFRESH_MS = 10_000;
/** Stored assignments kept in memory: ~100 bytes each, so about 10 MB at most. */
const ASSIGNMENT_CACHE_SIZE = 100_000;

/**
 * Decides which experiment and variant a recommendation request runs under. The hot path touches
 * the database only on a user's first request to this replica: experiments are cached (reloaded
 * every REFRESH_MS, and at once after a write here), and so are stored assignments.
 */
@Injectable()
export class ExperimentAssigner {
  private readonly logger = new Logger(ExperimentAssigner.name);
  private cached: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;
  private readonly assigned = new LruCache<string, string>(ASSIGNMENT_CACHE_SIZE);

  constructor(private readonly experiments: ExperimentsRepository) {}

  /**
   * The experiment this request runs under and the user's variant; undefined when none applies.
   * A named experiment applies while it is active; while it is not (draft, paused, completed) the
   * request is served outside any experiment, never under another one, and a name no experiment
   * has throws NotFoundException. Unnamed, the single active experiment applies if there is
   * exactly one. QA users in forced_assignments get their pinned variant and are not stored.
   * Everyone else gets the stored variant of their first exposure, or the deterministic one
   * (stored now), so a traffic change never moves a user already exposed. If the database fails
   * here the request is served outside the experiment rather than failing.
   */
  async assign(userId: string, experimentId?: string): Promise<Assignment | undefined> {
    try {
      const experiment = await this.choose(experimentId);
      if (!experiment) return undefined;
      // hasOwn: a user called "constructor" must not find Object.prototype's.
      const forced = Object.hasOwn(experiment.forcedAssignments, userId)
        ? experiment.forcedAssignments[userId]
        : undefined;
      const variantId = forced ?? (await this.storedVariant(experiment, userId));
      const variant = experiment.variants.find((v) => v.variant_id === variantId);
      return variant && { experimentId: experiment.id, variantId: variant.variant_id, algorithm: variant.algorithm };
    } catch (error) {
      if (error instanceof NotFoundException) throw error;
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

  private async choose(experimentId?: string): Promise<Experiment | undefined> {
    const { active, byId } = await this.experimentsNow();
    if (experimentId === undefined) return active.length === 1 ? active[0] : undefined;
    // Not cached: unknown, or created on another replica since the last load.
    const named = byId.get(experimentId) ?? (await this.experiments.getById(experimentId));
    if (!named) throw new NotFoundException(`experiment ${experimentId} not found`);
    return named.status === 'active' ? named : undefined;
  }

  private async experimentsNow(): Promise<Loaded> {
    if (!this.cached) return this.load();
    if (Date.now() - this.cached.loadedAt >= REFRESH_MS) {
      // Serve the current list while the refresh runs, so no request waits on it.
      this.load().catch((error: Error) => this.logger.warn(`could not refresh experiments: ${error.message}`));
    }
    return this.cached;
  }

  /** One load at a time; concurrent callers share it. */
  private load(): Promise<Loaded> {
    this.loading ??= this.experiments
      .list()
      .then((experiments) => {
        this.cached = {
          active: experiments.filter((e) => e.status === 'active'),
          byId: new Map(experiments.map((e) => [e.id, e])),
          loadedAt: Date.now(),
        };
        return this.cached;
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

interface Loaded {
  active: Experiment[];
  /** Every experiment, whatever its status: a name that is not running must not count as unknown. */
  byId: Map<string, Experiment>;
  loadedAt: number;
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
