import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { BUS_TRANSPORT } from './bus-transport.provider';
import { Subjects, subjectsOf } from './subjects';
import { BusTransport } from './transport';

export interface ModelActivated {
  model_id: number;
  algorithm: string;
  version: string;
}

export interface ExperimentChanged {
  experiment_id: string;
  /** created, or updated (any change, status transitions included); `status` is the one after it. */
  change: 'created' | 'updated';
  status: string;
}

export interface RecommendationServed {
  recommendation_id: string;
  user_id: string;
  algorithm: string;
  model_version: string | null;
  experiment_id: string | null;
  variant_id: string | null;
  item_ids: string[];
}

/**
 * Announces changes for downstream consumers (analytics) on `<prefix>.events.<type>`, each message
 * `{"type", "occurred_at", ...}` in JSON. Fire and forget: the change has happened whether or not
 * the bus is up; while it is down the client buffers. Without a bus, every method does nothing.
 */
@Injectable()
export class OutboundEvents {
  private readonly bus: { transport: BusTransport; subjects: Subjects } | null;
  private readonly sampleRate: number;

  constructor(@Inject(BUS_TRANSPORT) transport: BusTransport | null, @Inject(APP_CONFIG) config: AppConfig) {
    this.bus = transport && config.bus ? { transport, subjects: subjectsOf(config.bus) } : null;
    this.sampleRate = config.bus?.recommendationsSampleRate ?? 0;
  }

  modelActivated(event: ModelActivated): void {
    this.publish('model_activated', event);
  }

  experimentChanged(event: ExperimentChanged): void {
    this.publish('experiment_changed', event);
  }

  /**
   * Sampled (BUS_RECOMMENDATIONS_SAMPLE_RATE, 0 by default): one per list served would double the
   * traffic. The event is built only for a list that is sampled.
   */
  recommendationServed(event: () => RecommendationServed): void {
    if (this.sampleRate > 0 && Math.random() < this.sampleRate) this.publish('recommendation_served', event());
  }

  private publish(type: string, event: object): void {
    if (!this.bus) return;
    const { transport, subjects } = this.bus;
    transport.publish(
      subjects.event(type),
      Buffer.from(JSON.stringify({ type, occurred_at: new Date().toISOString(), ...event })),
    );
  }
}
