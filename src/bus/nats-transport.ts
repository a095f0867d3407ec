import { Logger } from '@nestjs/common';
import {
  AckPolicy,
  ConsumerMessages,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  JsMsg,
  jetstream,
} from '@nats-io/jetstream';
// The type only: the client's own re-export of it sits behind an export path that node10 resolution cannot see.
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { BusConfig } from '../config/config';
import { BusTransport, InboundMessage } from './transport';

/** Between attempts to connect, or to resume a subscription that failed (stream deleted, server gone). */
const RETRY_MS = 2000;
/** A message not settled in this time is redelivered: far above the longest group commit. */
const ACK_WAIT_NS = 60e9;
/** Publications kept while the first connection is not made yet (later the client buffers them itself). */
const MAX_EARLY_PUBLICATIONS = 10_000;
/** How long close() waits for delivered messages to be settled before disconnecting. */
const SETTLE_TIMEOUT_MS = 10_000;

interface Subscription {
  subject: string;
  name: string;
  maxInFlight: number;
  handle: (message: InboundMessage) => void;
  messages?: ConsumerMessages;
}

/**
 * The bus over NATS JetStream: one stream on `<prefix>.>`, declared when absent; one durable pull
 * consumer per subscription, with explicit acknowledgements. The client reconnects by itself for
 * ever; a subscription whose consumer fails is resumed after a pause. Nothing here blocks start-up:
 * with the bus down, the service serves HTTP and catches up once it is back.
 */
export class NatsTransport implements BusTransport {
  private readonly logger = new Logger('Bus');
  private readonly connection: Promise<NatsConnection | null>;
  private readonly subscriptions: Subscription[] = [];
  private readonly early: { subject: string; data: Uint8Array }[] = [];
  private nc: NatsConnection | null = null;
  private closed = false;
  private unsettled = 0;
  private allSettled: (() => void) | null = null;

  constructor(
    private readonly config: BusConfig,
    private readonly onConnection: (connected: boolean) => void,
  ) {
    this.connection = this.connect();
  }

  subscribe(subject: string, name: string, maxInFlight: number, handle: (message: InboundMessage) => void): void {
    const subscription = { subject, name, maxInFlight, handle };
    this.subscriptions.push(subscription);
    void this.run(subscription);
  }

  async lag(subject: string): Promise<number | null> {
    const subscription = this.subscriptions.find((s) => s.subject === subject);
    if (!this.nc || this.nc.isClosed() || !subscription) return null;
    try {
      const jsm = await jetstreamManager(this.nc, { timeout: 2000 });
      const info = await jsm.consumers.info(this.config.stream, subscription.name);
      return info.num_pending + info.num_ack_pending;
    } catch {
      return null;
    }
  }

  publish(subject: string, data: Uint8Array): void {
    if (this.nc) this.nc.publish(subject, data);
    else if (this.early.length < MAX_EARLY_PUBLICATIONS) this.early.push({ subject, data });
    else this.logger.warn(`bus not connected yet: dropped a message for ${subject}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const subscription of this.subscriptions) await subscription.messages?.close();
    if (this.unsettled > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((done) => (this.allSettled = done)),
        new Promise<void>((done) => (timer = setTimeout(done, SETTLE_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
    // Drain sends what is buffered (acknowledgements, publications) before closing. A connection
    // still being made closes itself, seeing `closed`.
    const nc = this.nc;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }

  private async connect(): Promise<NatsConnection | null> {
    while (!this.closed) {
      let nc: NatsConnection | undefined;
      try {
        nc = (await connect({
          servers: this.config.servers,
          name: 'ml-service',
          maxReconnectAttempts: -1,
          reconnectTimeWait: RETRY_MS,
        })) as NatsConnection;
        await this.declareStream(nc);
      } catch (error) {
        await nc?.close();
        this.logger.warn(`cannot use NATS (${(error as Error).message}); retrying`);
        await sleep(RETRY_MS);
        continue;
      }
      if (this.closed) {
        await nc.close();
        return null;
      }
      this.use(nc);
      return nc;
    }
    return null;
  }

  private use(nc: NatsConnection): void {
    this.nc = nc;
    this.onConnection(true);
    this.logger.log(`connected to ${nc.getServer()}`);
    // After the stream exists, so that the stream keeps them.
    for (const { subject, data } of this.early.splice(0)) nc.publish(subject, data);
    void this.watch(nc);
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.onConnection(false);
        this.logger.warn('disconnected from NATS; reconnecting');
      } else if (status.type === 'reconnect') {
        this.onConnection(true);
        this.logger.log(`reconnected to ${nc.getServer()}`);
      }
    }
  }

  private async run(subscription: Subscription): Promise<void> {
    const nc = await this.connection;
    while (nc && !this.closed) {
      try {
        await this.declare(nc, subscription);
        const consumer = await jetstream(nc).consumers.get(this.config.stream, subscription.name);
        const messages = await consumer.consume({ max_messages: Math.min(subscription.maxInFlight, 1000) });
        subscription.messages = messages;
        if (this.closed) await messages.close();
        for await (const message of messages) subscription.handle(this.inbound(message));
      } catch (error) {
        if (!this.closed) this.logger.warn(`${subscription.subject}: ${(error as Error).message}; resuming`);
      }
      if (!this.closed) await sleep(RETRY_MS);
    }
  }

  /** Created only when absent: an operator's own limits (retention, replicas) are left alone. */
  private async declareStream(nc: NatsConnection): Promise<void> {
    const jsm = await jetstreamManager(nc);
    const { stream, subjectPrefix } = this.config;
    try {
      await jsm.streams.info(stream);
    } catch (error) {
      if (!isNotFound(error, JetStreamApiCodes.StreamNotFound)) throw error;
      // Several replicas may race here; adding an identical stream twice is no error.
      await jsm.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`] });
      this.logger.log(`created stream ${stream} on ${subjectPrefix}.>`);
    }
  }

  /** The stream (it may have been deleted since) and the durable consumer, each created only when absent. */
  private async declare(nc: NatsConnection, subscription: Subscription): Promise<void> {
    await this.declareStream(nc);
    const jsm = await jetstreamManager(nc);
    const { stream } = this.config;
    try {
      await jsm.consumers.info(stream, subscription.name);
    } catch (error) {
      if (!isNotFound(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
      await jsm.consumers.add(stream, {
        durable_name: subscription.name,
        filter_subject: subscription.subject,
        ack_policy: AckPolicy.Explicit,
        ack_wait: ACK_WAIT_NS,
        max_ack_pending: subscription.maxInFlight,
      });
    }
  }

  private inbound(message: JsMsg): InboundMessage {
    this.unsettled++;
    return new NatsInbound(message, () => {
      if (--this.unsettled === 0) this.allSettled?.();
    });
  }
}

/**
 * One delivered message, settled once. A class rather than closures, and the delivery count
 * (parsed from the reply subject) read only when asked: at tens of thousands of messages a
 * second, every allocation shows in the garbage collector's share.
 */
class NatsInbound implements InboundMessage {
  private settled = false;

  constructor(
    private readonly message: JsMsg,
    private readonly onSettled: () => void,
  ) {}

  get data(): Uint8Array {
    return this.message.data;
  }

  get deliveries(): number {
    return this.message.info.deliveryCount;
  }

  ack(): void {
    if (this.settled) return;
    this.message.ack();
    this.settle();
  }

  retry(delayMs: number): void {
    if (this.settled) return;
    this.message.nak(delayMs);
    this.settle();
  }

  /** Without a reason: servers before 2.10 do not understand "+TERM <reason>" and redeliver. */
  terminate(): void {
    if (this.settled) return;
    this.message.term();
    this.settle();
  }

  /** After the acknowledgement is buffered, so that close() drains it. */
  private settle(): void {
    this.settled = true;
    this.onSettled();
  }
}

function isNotFound(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
