import { Injectable } from '@nestjs/common';

type Listener<T> = (value: T) => void | Promise<void>;

/**
 * Tells the serving side that catalogue rows, profiles or histories changed, so in-memory
 * copies catch up before the write is acknowledged. In-process only: other replicas catch up
 * through their periodic reload and cache TTL.
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

  async itemsChanged(ids: string[]): Promise<void> {
    await Promise.all(this.itemListeners.map((listener) => listener(ids)));
  }

  async userChanged(id: string): Promise<void> {
    await Promise.all(this.userListeners.map((listener) => listener(id)));
  }
}
