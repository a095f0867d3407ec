import { Injectable } from '@nestjs/common';
import { FeedbackAction } from '../domain/feedback-actions';

type Listener<T> = (value: T) => void | Promise<void>;

export interface StoredFeedback {
  userId: string;
  itemId: string;
  action: FeedbackAction;
}

/**
 * Tells the serving side that catalogue rows, profiles or histories changed, so in-memory
 * copies catch up before the write is acknowledged. In-process only: other replicas catch up
 * through their periodic reload, and cached lists are checked against the log on every hit.
 */
@Injectable()
export class ChangeEvents {
  private readonly itemListeners: Listener<string[]>[] = [];
  private readonly userListeners: Listener<string>[] = [];
  private readonly feedbackListeners: Listener<StoredFeedback[]>[] = [];

  onItemsChanged(listener: Listener<string[]>): void {
    this.itemListeners.push(listener);
  }

  onUserChanged(listener: Listener<string>): void {
    this.userListeners.push(listener);
  }

  /** Feedback committed to the log, before it is acknowledged. */
  onFeedbackStored(listener: Listener<StoredFeedback[]>): void {
    this.feedbackListeners.push(listener);
  }

  async feedbackStored(events: StoredFeedback[]): Promise<void> {
    await Promise.all(this.feedbackListeners.map(async (listener) => listener(events)));
  }

  async itemsChanged(ids: string[]): Promise<void> {
    await Promise.all(this.itemListeners.map(async (listener) => listener(ids)));
  }

  async userChanged(id: string): Promise<void> {
    await Promise.all(this.userListeners.map(async (listener) => listener(id)));
  }
}
