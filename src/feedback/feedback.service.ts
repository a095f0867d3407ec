import { BadRequestException, Injectable } from '@nestjs/common';
import { ChangeEvents } from '../common/change-events';
import { InteractionsRepository, InteractionWrite } from '../repositories/interactions.repository';
import { Telemetry } from '../telemetry/telemetry';
import { BatchFeedbackDto, FeedbackDto, FeedbackEventDto, feedbackEventResponse } from './feedback.dto';
import { GroupCommit } from './group-commit';

/** Feedback may carry its own time (imports, replays), but not one from the future. */
const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000;

@Injectable()
export class FeedbackService {
  /**
   * Concurrent single events (HTTP requests, bus messages) share a transaction: one commit each
   * would cap the rate at the commit rate. The serving side hears of the group as a whole.
   */
  private readonly singles: GroupCommit<InteractionWrite>;

  constructor(
    private readonly interactions: InteractionsRepository,
    private readonly events: ChangeEvents,
    private readonly telemetry: Telemetry,
  ) {
    this.singles = new GroupCommit(async (writes) => {
      await this.interactions.append(writes);
      await this.stored(writes);
    });
  }

  /**
   * Resolves only once the event is committed, so an acknowledgement is never lost. A
   * `feedback_id` (bus messages carry one) makes a redelivered event a no-op.
   */
  async record(dto: FeedbackDto | BatchFeedbackDto): Promise<void> {
    await this.singles.add(toInteraction(dto, Date.now(), ''));
  }

  /**
   * Events taken together (bus messages) that still succeed or fail one by one: `settled(k, …)`
   * once event k is committed, or failed (400 for a bad value) on its own. Callbacks rather than
   * a promise each: at bus rates the promises' cost shows.
   */
  recordEach(dtos: BatchFeedbackDto[], settled: (index: number, failure: { error: Error } | null) => void): void {
    const now = Date.now();
    dtos.forEach((dto, index) => {
      let write: InteractionWrite;
      try {
        write = toInteraction(dto, now, '');
      } catch (error) {
        settled(index, { error: error as Error });
        return;
      }
      this.singles.addSettled(write, (failure) => settled(index, failure));
    });
  }

  async recordBatch(dtos: BatchFeedbackDto[]): Promise<{ received: number; stored: number }> {
    const now = Date.now();
    const writes = dtos.map((dto, index) => toInteraction(dto, now, `events[${index}].`));
    const stored = await this.interactions.append(writes);
    await this.stored(writes);
    return { received: dtos.length, stored };
  }

  /** Counts committed events and tells the serving side, before they are acknowledged. */
  private async stored(writes: InteractionWrite[]): Promise<void> {
    this.telemetry.feedbackAccepted(writes.map((write) => write.action));
    await this.events.feedbackStored(writes);
    await Promise.all(
      [...new Set(writes.map((write) => write.userId))].map((userId) => this.events.userChanged(userId)),
    );
  }

  async listForUser(userId: string, limit: number): Promise<FeedbackEventDto[]> {
    return (await this.interactions.getByUserId(userId, limit)).map(feedbackEventResponse);
  }
}

/**
 * The API's feedback rules beyond the DTO's (value ranges, no future times); shared with the
 * importer. `path` prefixes messages ("events[3]."). Throws 400 on a bad event.
 */
export function toInteraction(dto: BatchFeedbackDto, now: number, path: string): InteractionWrite {
  checkValue(dto, path);
  const occurredAt = dto.context?.timestamp === undefined ? now : Date.parse(dto.context.timestamp);
  if (occurredAt > now + MAX_CLOCK_SKEW_MS) {
    throw new BadRequestException(`${path}context.timestamp must not be more than 24 hours in the future`);
  }
  return {
    feedbackId: dto.feedback_id ?? null,
    userId: dto.user_id,
    itemId: dto.event_id,
    action: dto.action,
    value: dto.value ?? null,
    recommendationId: dto.context?.recommendation_id ?? null,
    position: dto.context?.position ?? null,
    occurredAt,
  };
}

function checkValue(dto: FeedbackDto, path: string): void {
  if (dto.action === 'rate' && (dto.value === undefined || dto.value < 0 || dto.value > 5)) {
    throw new BadRequestException(`${path}value must be a rating between 0 and 5 for action rate`);
  }
  if (dto.action === 'watch' && (dto.value === undefined || dto.value < 0 || dto.value > 1)) {
    throw new BadRequestException(`${path}value must be a completion fraction between 0 and 1 for action watch`);
  }
}
