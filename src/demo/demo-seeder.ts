import { Inject, Injectable, Logger } from '@nestjs/common';
import { ChangeEvents } from '../common/change-events';
import { APP_CONFIG, AppConfig } from '../config/config';
import { InteractionsRepository } from '../repositories/interactions.repository';
import { ItemsRepository } from '../repositories/items.repository';
import { UsersRepository } from '../repositories/users.repository';
import { buildDemoData } from './demo-catalogue';

/** Fills an empty database with the demo catalogue, so a newcomer's first request means something. */
@Injectable()
export class DemoSeeder {
  private readonly logger = new Logger(DemoSeeder.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly items: ItemsRepository,
    private readonly users: UsersRepository,
    private readonly interactions: InteractionsRepository,
    private readonly events: ChangeEvents,
  ) {}

  async seedIfEmpty(): Promise<boolean> {
    if (!this.config.seedDemoData) return false;
    if ((await this.items.countLive()) > 0 || (await this.interactions.getMaxId()) > 0) return false;
    const demo = buildDemoData(Date.now());
    await this.items.upsert(demo.items);
    for (const user of demo.users) await this.users.upsert(user);
    await this.interactions.append(demo.feedback);
    await this.events.itemsChanged(demo.items.map((item) => item.id));
    this.logger.log(`seeded demo data: ${demo.items.length} events, ${demo.users.length} users, ${demo.feedback.length} feedback events`);
    return true;
  }
}
