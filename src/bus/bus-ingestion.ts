import {
  BeforeApplicationShutdown,
  HttpException,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { BatchItemDto } from '../catalogue/catalogue.dto';
import { CatalogueService } from '../catalogue/catalogue.service';
import { messageOf } from '../common/http-exception.filter';
import { APP_CONFIG, AppConfig } from '../config/config';
import { isConnectionError } from '../database/database';
import { BatchFeedbackDto } from '../feedback/feedback.dto';
import { FeedbackService } from '../feedback/feedback.service';
import { Telemetry } from '../telemetry/telemetry';
import { decodeMessage, parseMessage, validateMessage } from './message-body';
import { Subjects, subjectsOf } from './subjects';
import { BUS_TRANSPORT } from './bus-transport.provider';
import { BusTransport, InboundMessage } from './transport';
import { wellFormedFeedback } from './well-formed-feedback';

/** Feedback delivered and not yet committed: enough for several full group commits in flight. */
const FEEDBACK_IN_FLIGHT = 10_000;
/** Item upserts are applied one at a time, in order, so the last one published wins. */
const CATALOGUE_IN_FLIGHT = 100;
/** While the database is unreachable, a message comes back after this long. */
const RETRY_DELAY_MS = 5000;
/** A message failing for another reason (a bug, a value the database refuses) is set aside after this many tries. */
const MAX_DELIVERIES = 5;
const LAG_CHECK_MS = 5000;

type Topic = 'feedback' | 'catalogue';

/**
 * Takes feedback and item upserts from the bus, validated exactly as the HTTP bodies of
 * POST /v1/feedback (with `feedback_id`) and PUT /v1/items/:id (with `id`) are. At least once: a
 * message is acknowledged only after its transaction committed, so a crash before that
 * redelivers it, and its `feedback_id` makes the second copy a no-op. An invalid message is
 * terminated and republished on `<subject>.rejected` with the reason.
 */
@Injectable()
export class BusIngestion implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('BusIngestion');
  private readonly bus: { transport: BusTransport; subjects: Subjects } | null;
  private catalogueQueue: Promise<void> = Promise.resolve();
  /** Feedback delivered since the last turn of the event loop, taken together. */
  private arrived: InboundMessage[] = [];
  private lagTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(BUS_TRANSPORT) transport: BusTransport | null,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly feedback: FeedbackService,
    private readonly catalogue: CatalogueService,
    private readonly telemetry: Telemetry,
  ) {
    // A trainer's cores are for training: the api replicas share the durable consumers' messages.
    const consumes = config.role !== 'trainer';
    this.bus = transport && config.bus && consumes ? { transport, subjects: subjectsOf(config.bus) } : null;
  }

  onApplicationBootstrap(): void {
    if (!this.bus) return;
    const { transport, subjects } = this.bus;
    transport.subscribe(subjects.feedback, subjects.durable(subjects.feedback), FEEDBACK_IN_FLIGHT, (message) => {
      // After the I/O phase: every message of the socket reads so far goes into one batch.
      if (this.arrived.push(message) === 1) setImmediate(() => this.takeFeedback(this.arrived.splice(0)));
    });
    transport.subscribe(subjects.catalogue, subjects.durable(subjects.catalogue), CATALOGUE_IN_FLIGHT, (message) => {
      this.catalogueQueue = this.catalogueQueue.then(() =>
        this.take('catalogue', message, async () => {
          const item = await parseMessage(BatchItemDto, message.data);
          await this.catalogue.putItem(item.id, item);
        }),
      );
    });
    this.lagTimer = setInterval(() => void this.checkLag(), LAG_CHECK_MS);
    this.lagTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.lagTimer);
    // Before the database closes: messages being committed still get their acknowledgement.
    await this.bus?.transport.close();
  }

  /**
   * A batch of feedback messages: the well-formed ones are checked by hand and join the group
   * commit together; the others go through the ValidationPipe one by one, for its verdict and
   * wording. Each message is still acknowledged on its own, once its own event is committed
   * (acknowledgements are buffered by the client and leave in a few writes). Not AckPolicy.All,
   * where acknowledging one message acknowledges every earlier one: a batch's messages commit in
   * different groups and may be retried or rejected apart, and replicas sharing the consumer hold
   * earlier messages of their own, so an "everything before" acknowledgement could drop events not
   * yet committed.
   */
  private takeFeedback(messages: InboundMessage[]): void {
    const taken: InboundMessage[] = [];
    const dtos: BatchFeedbackDto[] = [];
    for (const message of messages) {
      let dto: BatchFeedbackDto | null;
      let value: Record<string, unknown>;
      try {
        value = decodeMessage(message.data);
        dto = wellFormedFeedback(value);
      } catch (error) {
        this.failed('feedback', message, error);
        continue;
      }
      if (dto === null) {
        void this.take('feedback', message, async () => {
          await this.feedback.record(await validateMessage(BatchFeedbackDto, value));
        });
      } else {
        taken.push(message);
        dtos.push(dto);
      }
    }
    this.feedback.recordEach(dtos, (k, failure) => {
      if (failure) this.failed('feedback', taken[k], failure.error);
      else this.stored('feedback', taken[k]);
    });
  }

  private async take(topic: Topic, message: InboundMessage, store: () => Promise<void>): Promise<void> {
    try {
      await store();
    } catch (error) {
      this.failed(topic, message, error);
      return;
    }
    this.stored(topic, message);
  }

  private stored(topic: Topic, message: InboundMessage): void {
    message.ack();
    this.telemetry.busMessagesTaken(topic, 'stored');
  }

  /** Rejected for good when invalid (or failing again and again), else delivered again later. */
  private failed(topic: Topic, message: InboundMessage, error: unknown): void {
    if (error instanceof HttpException) {
      this.reject(topic, message, messageOf(error));
    } else if (isConnectionError(error) || message.deliveries < MAX_DELIVERIES) {
      if (!isConnectionError(error)) this.logger.error(`${topic} message failed: ${(error as Error).message}`);
      message.retry(RETRY_DELAY_MS);
      this.telemetry.busMessagesTaken(topic, 'retried');
    } else {
      this.reject(topic, message, `failed ${message.deliveries} times: ${(error as Error).message}`);
    }
  }

  private reject(topic: Topic, message: InboundMessage, reason: string): void {
    if (!this.bus) return;
    const { transport, subjects } = this.bus;
    const text = Buffer.from(message.data).toString('utf8');
    transport.publish(
      subjects.rejected(subjects[topic]),
      Buffer.from(JSON.stringify({ detail: reason, message: text })),
    );
    message.terminate();
    this.telemetry.busMessagesTaken(topic, 'rejected');
  }

  private async checkLag(): Promise<void> {
    if (!this.bus) return;
    const { transport, subjects } = this.bus;
    for (const topic of ['feedback', 'catalogue'] as const) {
      const lag = await transport.lag(subjects[topic]);
      if (lag !== null) this.telemetry.busConsumerLag(topic, lag);
    }
  }
}
