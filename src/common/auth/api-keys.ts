import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { secretMatches } from '../secrets';
import { Principal } from './principal';

/** Service callers' keys (API_KEYS); each acts as admin. */
@Injectable()
export class ApiKeys {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Checks every key, so the time taken says nothing about which one (if any) was close. */
  principalFor(presented: string): Principal | null {
    let matched = -1;
    this.config.auth.apiKeys.forEach((key, index) => {
      if (secretMatches(presented, key)) matched = index;
    });
    return matched === -1 ? null : { kind: 'service', subject: `api-key-${matched + 1}`, admin: true };
  }
}
