import { InteractionsRepository } from './interactions.repository';
import { ItemsRepository } from './items.repository';
import { UsersRepository } from './users.repository';

export const REPOSITORIES = [ItemsRepository, UsersRepository, InteractionsRepository];
