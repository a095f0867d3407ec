import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort } from './server-process';

/**
 * The bus suites run when NATS_TEST_URL points at a NATS server with JetStream (`.ci/run` starts
 * one at nats://127.0.0.1:4222); without it they are reported as skipped, never silently passed.
 */
export const NATS_TEST_URL = process.env.NATS_TEST_URL;

export const natsSkip: string | false = NATS_TEST_URL
  ? false
  : 'NATS suite skipped: set NATS_TEST_URL=nats://127.0.0.1:4222 to run it';

/** A stream and subject prefix of its own, so that parallel runs on one server never meet. */
export function uniqueBus(): { stream: string; prefix: string } {
  const tag = randomBytes(4).toString('hex');
  return { stream: `TEST_${tag}`, prefix: `test-${tag}.ml-service` };
}

/** A test's own connection to the bus: publishes as a producer would, reads back as an analyst would. */
export class BusClient {
  private constructor(readonly nc: NatsConnection) {}

  static async open(url: string): Promise<BusClient> {
    return new BusClient((await connect({ servers: url })) as NatsConnection);
  }

  /** Published through JetStream: resolves once the stream holds the message. */
  async publish(subject: string, message: object | string): Promise<void> {
    await jetstream(this.nc).publish(subject, typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Many at once, `concurrency` in flight, each confirmed by the stream. */
  async publishAll(subject: string, messages: (object | string)[], concurrency = 500): Promise<void> {
    for (let start = 0; start < messages.length; start += concurrency) {
      await Promise.all(messages.slice(start, start + concurrency).map((message) => this.publish(subject, message)));
    }
  }

  async createStream(stream: string, subjects: string[]): Promise<void> {
    await (await jetstreamManager(this.nc)).streams.add({ name: stream, subjects });
  }

  /** A test's stream goes when the test does, so the shared server does not fill up. */
  async deleteStream(stream: string): Promise<void> {
    await (await jetstreamManager(this.nc)).streams.delete(stream).catch(() => false);
  }

  async streamSubjects(stream: string): Promise<string[] | null> {
    try {
      return (await (await jetstreamManager(this.nc)).streams.info(stream)).config.subjects;
    } catch {
      return null;
    }
  }

  /** Messages the durable consumer `name` has not acknowledged yet (delivered or not). */
  async consumerLag(stream: string, name: string): Promise<number> {
    const info = await (await jetstreamManager(this.nc)).consumers.info(stream, name);
    return info.num_pending + info.num_ack_pending;
  }

  /** Every message the stream holds on `subject`, parsed, oldest first. */
  async read(stream: string, subject: string): Promise<unknown[]> {
    const jsm = await jetstreamManager(this.nc);
    const info = await jsm.streams.info(stream, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return [];
    // An ephemeral consumer with one filter subject: filter_subjects (ordered consumers) needs NATS 2.10.
    const { name } = await jsm.consumers.add(stream, { filter_subject: subject, ack_policy: AckPolicy.None });
    const consumer = await jetstream(this.nc).consumers.get(stream, name);
    const messages: unknown[] = [];
    while (messages.length < count) {
      const batch = await consumer.fetch({ max_messages: count - messages.length, expires: 2000 });
      for await (const message of batch) messages.push(message.json());
    }
    await jsm.consumers.delete(stream, name);
    return messages;
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

/**
 * A nats-server of the test's own, so that it can be killed and restarted (on the same port, with
 * the same store) without disturbing anyone else's.
 */
export class PrivateNatsServer {
  private process: ChildProcess | undefined;
  private readonly store = mkdtempSync(join(tmpdir(), 'ml-service-nats-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.store];
    this.process = spawn('/usr/sbin/nats-server', args, { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    while (!(await accepts(this.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server on port ${this.port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGKILL, as a crashed broker. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.store, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
