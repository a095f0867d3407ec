import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  OnModuleDestroy,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { estimateTrainingBytes, paramProblems } from '../algorithms/params';
import { getAlgorithm } from '../algorithms/registry';
import { AlgorithmName, AlgorithmParams } from '../algorithms/types';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ModelActivator } from '../model-registry/model-activator';
import { ModelRetention } from '../model-registry/model-retention';
import { nextVersion } from '../model-registry/versioning';
import { LeasesRepository } from '../repositories/leases.repository';
import { ModelsRepository, ModelVersion } from '../repositories/models.repository';
import { Telemetry } from '../telemetry/telemetry';
import { inSpan } from '../tracing/spans';
import { CANCELLED, RunWatch, StopReason } from './run-watch';
import { TrainingSnapshot } from './training-data.builder';
import { TrainingPool } from './training-pool';

export interface RetrainOptions {
  algorithm?: AlgorithmName;
  /** Parameters for the algorithm, over its defaults; only with `algorithm`. */
  params?: AlgorithmParams;
  startDate?: number;
  endDate?: number;
  force?: boolean;
}

export interface TrainingRun {
  versionIds: number[];
  done: Promise<ModelVersion[]>;
}

const LEASE = 'training';
const LEASE_TTL_MS = 60_000;
/** How often a running trainer renews its lease and reads cancel requests. */
const WATCH_EVERY_MS = 2_000;
const MIB = 1024 * 1024;

/**
 * Runs training: one run at a time in this process, one replica at a time by the database
 * lease. Data is read once per run, in a worker, so every algorithm trains on the same snapshot.
 * A run starts only with params its algorithm takes and an estimated peak memory within
 * TRAINING_MEMORY_BUDGET_MB; it stops when cancelled or when its trainer loses the lease.
 */
@Injectable()
export class TrainingService implements OnModuleDestroy {
  private readonly logger = new Logger(TrainingService.name);
  /** None on an `api` replica: it never trains, so it spawns no training threads. */
  private readonly pool?: TrainingPool;
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private current?: TrainingRun;
  private starting = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: ModelsRepository,
    private readonly leases: LeasesRepository,
    private readonly activator: ModelActivator,
    private readonly retention: ModelRetention,
    private readonly telemetry: Telemetry,
  ) {
    if (config.role !== 'api') this.pool = new TrainingPool();
  }

  /** False on an `api` replica, whose retrain requests belong to the trainer. */
  get trains(): boolean {
    return this.pool !== undefined;
  }

  get running(): TrainingRun | undefined {
    return this.current;
  }

  /**
   * Starts a run and returns once its versions exist, so callers can poll them; `done` settles
   * when every algorithm has finished, been rejected or failed. 409 while a run is under way.
   */
  async start(options: RetrainOptions): Promise<TrainingRun> {
    if (!this.pool) throw notATrainer();
    if (this.current) throw this.conflict(this.current.versionIds);
    // Claimed before the first await: the lease cannot tell two calls from this process apart.
    if (this.starting) throw new ConflictException('a training run is already under way (starting)');
    this.starting = true;
    try {
      return await this.startClaimed(options);
    } finally {
      this.starting = false;
    }
  }

  private async startClaimed(options: RetrainOptions): Promise<TrainingRun> {
    const pool = this.pool as TrainingPool;
    const algorithms = options.algorithm ? [options.algorithm] : this.config.training.enabledAlgorithms;
    await this.admit(pool, algorithms, options);
    if (!(await this.leases.tryAcquire(LEASE, this.holder, LEASE_TTL_MS))) {
      throw new ConflictException('another replica is training; its new version will be picked up when it finishes');
    }
    const watch = new RunWatch(this.leases, this.models, {
      lease: LEASE,
      holder: this.holder,
      ttlMs: LEASE_TTL_MS,
      everyMs: WATCH_EVERY_MS,
    });
    try {
      const versionIds: number[] = [];
      for (const algorithm of algorithms) versionIds.push(await this.createVersion(algorithm, options));
      watch.start(versionIds);
      const done = this.runAll(pool, versionIds, options, watch).finally(() => {
        watch.stop();
        this.current = undefined;
        void this.leases.release(LEASE, this.holder).catch(() => undefined);
      });
      this.current = { versionIds, done };
      return this.current;
    } catch (error) {
      watch.stop();
      await this.leases.release(LEASE, this.holder).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Refuses a run before anything is stored: params its algorithm does not take or the data
   * cannot use (400), and algorithms whose estimated peak memory on the data is above
   * TRAINING_MEMORY_BUDGET_MB (422). The counts are read in a worker, like the snapshot.
   */
  private async admit(pool: TrainingPool, algorithms: AlgorithmName[], options: RetrainOptions): Promise<void> {
    const requested =
      options.algorithm && options.params
        ? { algorithm: getAlgorithm(options.algorithm), params: options.params }
        : undefined;
    const invalid = requested && paramProblems(requested.algorithm, requested.params);
    if (invalid?.length) throw new BadRequestException(invalid.join('; '));
    const shape = await pool.countTrainingData({
      database: this.config.database,
      window: { startAt: options.startDate, endAt: options.endDate },
    });
    const unusable = requested && paramProblems(requested.algorithm, requested.params, shape);
    if (unusable?.length) throw new BadRequestException(unusable.join('; '));
    const budgetMb = this.config.training.memoryBudgetMb;
    for (const algorithm of algorithms) {
      const params = algorithm === options.algorithm && options.params ? options.params : this.defaultParams(algorithm);
      const estimateMb = estimateTrainingBytes(getAlgorithm(algorithm), shape, params) / MIB;
      if (estimateMb > budgetMb) {
        throw new UnprocessableEntityException(
          `training ${algorithm} needs an estimated ${estimateMb.toFixed(1)} MB for ${shape.users} users, ${shape.items} items, ${shape.events} events ` +
            `and these params, over the budget: TRAINING_MEMORY_BUDGET_MB is ${budgetMb}. Use smaller params or a shorter window (start_date), or raise the budget`,
        );
      }
    }
  }

  /** Fails `training` versions whose trainer is gone: it no longer holds a live training lease. */
  failOrphanedRuns(): Promise<number> {
    return this.models.failOrphaned(
      LEASE,
      'interrupted: its trainer stopped (crashed, or lost the training lease) before training finished',
    );
  }

  private conflict(versionIds: number[]): ConflictException {
    return new ConflictException({
      detail: `a training run is already under way (model versions ${versionIds.join(', ')})`,
      model_ids: versionIds,
    });
  }

  private async createVersion(algorithm: AlgorithmName, options: RetrainOptions): Promise<number> {
    const latest = await this.models.getLatestVersion(algorithm);
    return this.models.create(
      {
        algorithm,
        version: latest ? nextVersion(latest) : this.config.modelVersion,
        params: {
          ...(this.config.training.tune && { tune: true }),
          ...(options.params ?? this.defaultParams(algorithm)),
        },
        windowStart: options.startDate ?? null,
        windowEnd: options.endDate ?? null,
      },
      this.holder,
    );
  }

  /** The seed contract's MIN_SIMILARITY_SCORE is the user-neighbour floor of user-based CF. */
  private defaultParams(algorithm: AlgorithmName): AlgorithmParams {
    return algorithm === 'collaborative_filtering' ? { min_similarity: this.config.minSimilarityScore } : {};
  }

  private async runAll(
    pool: TrainingPool,
    versionIds: number[],
    options: RetrainOptions,
    watch: RunWatch,
  ): Promise<ModelVersion[]> {
    let snapshot: TrainingSnapshot;
    try {
      snapshot = await inSpan('training.snapshot', {}, async (span) => {
        const built = await pool.buildSnapshot(
          {
            database: this.config.database,
            window: { startAt: options.startDate, endAt: options.endDate },
            feedbackWeights: this.config.feedbackWeights,
          },
          this.timeout(watch.signal()),
        );
        span.setAttribute('ml_service.interactions', built.samples);
        return built;
      });
      if (snapshot.samples < this.config.minTrainingSamples) {
        throw new Error(
          `not enough feedback to train: ${snapshot.samples} events, MIN_TRAINING_SAMPLES is ${this.config.minTrainingSamples}`,
        );
      }
    } catch (error) {
      for (const id of versionIds) await this.end(id, watch.stopReason(id) ?? failure(error));
      return Promise.all(versionIds.map(async (id) => (await this.models.getById(id)) as ModelVersion));
    }
    const results: ModelVersion[] = [];
    for (const [k, id] of versionIds.entries()) {
      const last = k === versionIds.length - 1;
      results.push(
        await this.trainOne(pool, id, snapshot, last ? snapshot : copyArrays(snapshot), options.force ?? false, watch),
      );
    }
    await this.retention
      .archiveOld(results.map((v) => v.algorithm))
      .catch((error: Error) => this.logger.warn(`retention failed: ${error.message}`));
    return results;
  }

  private async trainOne(
    pool: TrainingPool,
    id: number,
    snapshot: TrainingSnapshot,
    arrays: SnapshotArrays,
    force: boolean,
    watch: RunWatch,
  ): Promise<ModelVersion> {
    const version = (await this.models.getById(id)) as ModelVersion;
    const active = (await this.models.getActive()).find((m) => m.algorithm === version.algorithm);
    const started = Date.now();
    try {
      const attributes = {
        'ml_service.algorithm': version.algorithm,
        'ml_service.model_version': version.version,
        'ml_service.interactions': snapshot.samples,
      };
      const train = () =>
        pool.train(
          {
            algorithm: version.algorithm,
            params: version.params,
            data: arrays.data,
            exclusions: arrays.exclusions,
            holdoutFraction: this.config.training.holdoutFraction,
            holdoutSplit: this.config.training.holdoutSplit,
            maxEvaluatedUsers: this.config.training.maxEvaluatedUsers,
            baselineParams: active?.params,
            threads: this.config.training.threads,
            header: {
              userIds: snapshot.userIds,
              itemIds: snapshot.itemIds,
              featureNames: snapshot.featureNames,
              featureLabels: snapshot.featureLabels,
              cityNames: snapshot.cityNames,
              lastInteractionId: snapshot.lastInteractionId,
              trainedAt: started,
            },
          },
          this.timeout(watch.signal(id)),
        );
      const result = await inSpan('training.run', attributes, train);
      await this.models.saveArtifact(id, result.bytes);
      const candidate = {
        status: 'candidate' as const,
        params: result.params,
        trials: result.trials,
        metrics: {
          ...result.metrics,
          ...(result.baselineNdcg === undefined ? {} : { baseline_ndcg_at_10: result.baselineNdcg }),
        },
        checksum: result.checksum,
        artifactBytes: result.bytes.byteLength,
        trainingSamples: snapshot.samples,
        lastInteractionId: snapshot.lastInteractionId,
        durationMs: Date.now() - started,
        finishedAt: Date.now(),
      };
      // Cancelled after the worker finished (before the watch saw it), or failed elsewhere.
      if (!(await this.models.updateUnfinished(id, candidate, true))) {
        await this.end(id, CANCELLED);
        return (await this.models.getById(id)) as ModelVersion;
      }
      this.logger.log(
        `trained ${version.algorithm} ${version.version} in ${Date.now() - started} ms (NDCG@10 ${result.metrics.ndcg_at_10.toFixed(4)})`,
      );
      this.telemetry.trainingSucceeded(version.algorithm, (Date.now() - started) / 1000);
      await this.activator.promoteIfBetter(id, force);
    } catch (error) {
      await this.end(id, watch.stopReason(id) ?? failure(error));
    }
    return (await this.models.getById(id)) as ModelVersion;
  }

  /** `stop`, or TRAINING_TIMEOUT_SECONDS. */
  private timeout(stop: AbortSignal): AbortSignal {
    return AbortSignal.any([stop, AbortSignal.timeout(this.config.training.timeoutSeconds * 1000)]);
  }

  /** Ends a version that did not finish, unless another replica ended it already (then it keeps that status). */
  private async end(id: number, { status, message }: StopReason): Promise<void> {
    const ended = await this.models
      .updateUnfinished(id, { status, error: message, finishedAt: Date.now() })
      .catch(() => false);
    this.logger.warn(
      ended ? `model version ${id} ${status}: ${message}` : `model version ${id} was ended elsewhere (${message})`,
    );
    // Chunks stored part-way (they are committed one by one), or after another replica failed it.
    const now = ended ? undefined : await this.models.getById(id).catch(() => undefined);
    if (ended || now?.status === 'failed' || now?.status === 'cancelled')
      await this.models.deleteArtifact(id).catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.destroy();
  }
}

type SnapshotArrays = Pick<TrainingSnapshot, 'data' | 'exclusions'>;

function notATrainer(): ServiceUnavailableException {
  return new ServiceUnavailableException(
    'this replica only serves (SERVICE_ROLE=api): training runs on the trainer (SERVICE_ROLE=trainer). Send the retrain to the trainer; the new versions reach every replica within MODEL_SYNC_SECONDS',
  );
}

function failure(error: unknown): StopReason {
  return { status: 'failed', message: error instanceof Error ? error.message : String(error) };
}

/**
 * The arrays move to the worker and are gone from here, so while more algorithms are to train
 * on the snapshot each gets a copy (copying tens of megabytes costs the event loop, so the last does not).
 */
function copyArrays({ data, exclusions }: TrainingSnapshot): SnapshotArrays {
  const { events } = data;
  return {
    data: {
      ...data,
      events: {
        user: events.user.slice(),
        item: events.item.slice(),
        weight: events.weight.slice(),
        time: events.time.slice(),
      },
    },
    exclusions: { user: exclusions.user.slice(), item: exclusions.item.slice() },
  };
}
