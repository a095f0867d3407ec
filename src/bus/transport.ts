/** One message taken from a durable subscription; it is redelivered until acknowledged or terminated. */
export interface InboundMessage {
  readonly data: Uint8Array;
  /** 1 on first delivery, more after each retry or unacknowledged delivery (a crash before the commit). */
  readonly deliveries: number;
  /** Handled for good (stored, or a duplicate of something stored): never deliver it again. */
  ack(): void;
  /** Could not be handled now (the database is down): deliver it again after `delayMs`. */
  retry(delayMs: number): void;
  /** Can never be handled (invalid): never deliver it again. */
  terminate(): void;
}

/**
 * What the service needs from a message bus, and all it knows of one: durable, at-least-once
 * subscriptions and fire-and-forget publishing. NATS JetStream implements it (nats-transport.ts);
 * README's "Event bus" section says what another (Kafka) would need.
 */
export interface BusTransport {
  /**
   * Delivers every message published on `subject` to `handle`, from where the durable `name` left
   * off, until close(); reconnects by itself. `handle` may settle a message later (after a group
   * commit); at most `maxInFlight` are delivered and not yet settled at any time.
   */
  subscribe(subject: string, name: string, maxInFlight: number, handle: (message: InboundMessage) => void): void;
  /** Messages on `subject`'s subscription not yet acknowledged, or null when the bus cannot say now. */
  lag(subject: string): Promise<number | null>;
  /** Fire and forget: buffered while the bus is unreachable, sent on reconnection. */
  publish(subject: string, data: Uint8Array): void;
  /** Stops delivering, lets settled messages' acknowledgements reach the bus, disconnects. */
  close(): Promise<void>;
}
