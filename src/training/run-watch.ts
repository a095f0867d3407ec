import { LeasesRepository } from '../repositories/leases.repository';
import { ModelsRepository } from '../repositories/models.repository';

/** How a version that did not finish ends. */
export interface StopReason {
  status: 'failed' | 'cancelled';
  message: string;
}

export const CANCELLED: StopReason = { status: 'cancelled', message: 'cancelled on request' };

export interface LeaseTerms {
  lease: string;
  holder: string;
  ttlMs: number;
  /** How often the lease is renewed and cancel requests are read. */
  everyMs: number;
}

/**
 * Keeps a training run honest while it is under way: every few seconds renews the run's lease and
 * reads which of its versions were asked to cancel (the request may have reached any replica).
 * A lost lease aborts the whole run, since other replicas may already treat its versions as
 * orphans; a cancel request aborts that version's work.
 */
export class RunWatch {
  private readonly run = new AbortController();
  private readonly versions = new Map<number, AbortController>();
  private readonly cancelled = new Set<number>();
  private leaseLost?: StopReason;
  private renewedAt = Date.now();
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    private readonly leases: LeasesRepository,
    private readonly models: ModelsRepository,
    private readonly terms: LeaseTerms,
  ) {}

  start(versionIds: number[]): void {
    for (const id of versionIds) this.versions.set(id, new AbortController());
    this.timer = setInterval(() => void this.tick(), this.terms.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Aborts when the run loses its lease, when every version is cancelled, or when `id` is. */
  signal(id?: number): AbortSignal {
    const version = id === undefined ? undefined : this.versions.get(id);
    return version ? AbortSignal.any([this.run.signal, version.signal]) : this.run.signal;
  }

  /** Why version `id` was stopped, if it was. */
  stopReason(id: number): StopReason | undefined {
    return this.cancelled.has(id) ? CANCELLED : this.leaseLost;
  }

  private async tick(): Promise<void> {
    // A slow database must not pile ticks up.
    if (this.ticking || this.leaseLost) return;
    this.ticking = true;
    try {
      await this.renew();
      await this.readCancelRequests();
    } finally {
      this.ticking = false;
    }
  }

  private async renew(): Promise<void> {
    const { lease, holder, ttlMs, everyMs } = this.terms;
    try {
      if (await this.leases.renew(lease, holder, ttlMs)) this.renewedAt = Date.now();
      else this.loseLease('another replica holds it now, or it expired');
    } catch (error) {
      // Retried while the lease lasts; past that, other replicas may fail this run's versions.
      if (Date.now() + everyMs >= this.renewedAt + ttlMs)
        this.loseLease(`could not renew it for ${ttlMs / 1000} s: ${(error as Error).message}`);
    }
  }

  private loseLease(why: string): void {
    this.leaseLost = { status: 'failed', message: `lost the training lease (${why}); the run was aborted` };
    this.stop();
    this.run.abort(this.leaseLost);
  }

  private async readCancelRequests(): Promise<void> {
    try {
      for (const id of await this.models.getCancelRequested([...this.versions.keys()])) this.cancel(id);
    } catch {
      // Asked again at the next tick.
    }
  }

  private cancel(id: number): void {
    this.cancelled.add(id);
    this.versions.get(id)?.abort(CANCELLED);
    if (this.cancelled.size === this.versions.size) this.run.abort(CANCELLED);
  }
}
