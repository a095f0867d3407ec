import { ExperimentsRepository } from './experiments.repository';
import { ImpressionsRepository } from './impressions.repository';
import { InteractionsRepository } from './interactions.repository';
import { ItemsRepository } from './items.repository';
import { LeasesRepository } from './leases.repository';
import { ModelsRepository } from './models.repository';
import { UsersRepository } from './users.repository';

export const REPOSITORIES = [
  ItemsRepository,
  UsersRepository,
  InteractionsRepository,
  ModelsRepository,
  LeasesRepository,
  ExperimentsRepository,
  ImpressionsRepository,
];
