import { randomBytes } from 'node:crypto';

/** The demo catalogue's ids (src/demo): users user_001…user_300, items evt_001…evt_160. */
export const demoUserId = (k: number) => `user_${String(1 + (k % 300)).padStart(3, '0')}`;
export const demoItemId = (k: number) => `evt_${String(1 + (k % 160)).padStart(3, '0')}`;

/** Feedback goes to a few users, so checking that every acknowledged event was stored takes a few reads. */
const FEEDBACK_USERS = 20;

export interface LoadOptions {
  concurrency: number;
  /** The loops stop after this many requests in all, or after `maxMs`, whichever comes first. */
  maxRequests: number;
  maxMs: number;
}

export interface LoadResult {
  requests: number;
  /** Every request that did not get a 2xx answer with a whole JSON body: what was asked and why it failed. */
  failures: string[];
  /** Acknowledged feedback by user: the tag each event carries as its context.recommendation_id. */
  acknowledgedFeedback: Map<string, string[]>;
}

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: object;
  /** Set for feedback: remembered once the service acknowledges it. */
  feedback?: { userId: string; tag: string };
}

/**
 * Traffic as an app's backend sends it: `concurrency` loops, each sending its next request when the
 * last one has answered — recommendations for demo users, feedback (clicks), profile reads.
 */
export class LoadDriver {
  private readonly tag = `load-${randomBytes(3).toString('hex')}`;
  private readonly result: LoadResult = { requests: 0, failures: [], acknowledgedFeedback: new Map() };
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly url: string,
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    const deadline = Date.now() + this.options.maxMs;
    this.loops = Array.from({ length: this.options.concurrency }, async () => {
      while (!this.stopped && this.result.requests < this.options.maxRequests && Date.now() < deadline) {
        await this.send(this.call(this.result.requests++));
      }
    });
  }

  /** Ends the loops after their current requests and returns what happened. */
  async stop(): Promise<LoadResult> {
    this.stopped = true;
    await Promise.all(this.loops);
    return this.result;
  }

  private call(n: number): Call {
    const userId = demoUserId(n * 7);
    switch (n % 3) {
      case 0:
        return { method: 'POST', path: '/v1/recommendations', body: { user_id: userId, limit: 10 } };
      case 1: {
        const feedback = { userId: demoUserId(n % FEEDBACK_USERS), tag: `${this.tag}-${n}` };
        const body = {
          user_id: feedback.userId,
          event_id: demoItemId(n),
          action: 'click',
          context: { recommendation_id: feedback.tag },
        };
        return { method: 'POST', path: '/v1/feedback', body, feedback };
      }
      default:
        return { method: 'GET', path: `/v1/users/${userId}` };
    }
  }

  private async send(call: Call): Promise<void> {
    const what = `${call.method} ${call.path}`;
    try {
      const response = await fetch(`${this.url}${call.path}`, {
        method: call.method,
        headers: call.body ? { 'content-type': 'application/json' } : {},
        body: call.body ? JSON.stringify(call.body) : undefined,
      });
      const text = await response.text();
      if (!response.ok) {
        this.result.failures.push(`${what}: ${response.status} ${text.slice(0, 200)}`);
        return;
      }
      JSON.parse(text);
      if (call.feedback) {
        const tags = this.result.acknowledgedFeedback.get(call.feedback.userId) ?? [];
        tags.push(call.feedback.tag);
        this.result.acknowledgedFeedback.set(call.feedback.userId, tags);
      }
    } catch (error) {
      const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
      this.result.failures.push(
        `${what}: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`,
      );
    }
  }
}
