import { Injectable } from '@nestjs/common';

type Listener<T> = (value: T) => void;

/**
 * Tells the serving side that catalogue rows, profiles or histories changed, so caches drop what they built from them.
 * In-process only: other replicas catch up through their cache TTL.
 */
@Injectable()
export class ChangeEvents {
  private readonly itemListeners: Listener<string[]>[] = [];
  private readonly userListeners: Listener<string>[] = [];

  onItemsChanged(listener: Listener<string[]>): void {
    this.itemListeners.push(listener);
  }

  onUserChanged(listener: Listener<string>): void {
    this.userListeners.push(listener);
  }

  itemsChanged(ids: string[]): void {
    for (const listener of this.itemListeners) listener(ids);
  }

  userChanged(id: string): void {
    for (const listener of this.userListeners) listener(id);
  }
}
