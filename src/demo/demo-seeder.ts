import { Inject, Injectable, Logger } from '@nestjs/common';
import { ChangeEvents } from '../common/change-events';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DEFAULT_PRIMARY_METRIC, METRICS } from '../domain/experiments';
import { DEFAULT_TARGET_LIFT, ExperimentsRepository, ExperimentWrite } from '../repositories/experiments.repository';
import { InteractionsRepository } from '../repositories/interactions.repository';
import { ItemsRepository } from '../repositories/items.repository';
import { UsersRepository } from '../repositories/users.repository';
import { buildDemoData } from './demo-catalogue';

/**
 * The experiment the spec seeds, "active only with the demo data": on a real catalogue it would
 * silently override DEFAULT_ALGORITHM for every user.
 */
const DEMO_EXPERIMENT: Omit<ExperimentWrite, 'startAt'> = {
  id: 'rec_algorithm_v1',
  name: 'Recommendation Algorithm Test',
  description: 'Popularity (control) against collaborative filtering and content-based recommendations',
  status: 'active',
  variants: [
    { variant_id: 'control', name: 'Baseline', algorithm: 'popularity', params: {}, traffic_percentage: 40 },
    {
      variant_id: 'collaborative_filtering',
      name: 'Collaborative Filtering',
      algorithm: 'collaborative_filtering',
      params: {},
      traffic_percentage: 30,
    },
    {
      variant_id: 'content_based',
      name: 'Content-Based',
      algorithm: 'content_based',
      params: {},
      traffic_percentage: 30,
    },
  ],
  metricsTracked: [...METRICS],
  primaryMetric: DEFAULT_PRIMARY_METRIC,
  guardrailMetrics: ['hide_rate'],
  inference: 'sequential',
  targetLift: DEFAULT_TARGET_LIFT,
  forcedAssignments: {},
  endAt: null,
};

/** Fills an empty database with the demo catalogue and experiment, so a newcomer's first request means something. */
@Injectable()
export class DemoSeeder {
  private readonly logger = new Logger(DemoSeeder.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly items: ItemsRepository,
    private readonly users: UsersRepository,
    private readonly interactions: InteractionsRepository,
    private readonly experiments: ExperimentsRepository,
    private readonly events: ChangeEvents,
  ) {}

  async seedIfEmpty(): Promise<boolean> {
    if (!this.config.seedDemoData) return false;
    if ((await this.items.countLive()) > 0 || (await this.interactions.getMaxId()) > 0) return false;
    const demo = buildDemoData(Date.now());
    await this.items.upsert(demo.items);
    for (const user of demo.users) await this.users.upsert(user);
    await this.interactions.append(demo.feedback);
    // Insert-if-missing: an operator's edits to it survive, and replicas seeding at once store it once.
    await this.experiments.insertIfMissing({ ...DEMO_EXPERIMENT, startAt: Date.now() });
    await this.events.itemsChanged(demo.items.map((item) => item.id));
    this.logger.log(
      `seeded demo data: ${demo.items.length} events, ${demo.users.length} users, ${demo.feedback.length} feedback events, experiment ${DEMO_EXPERIMENT.id}`,
    );
    return true;
  }
}
