import { Injectable } from '@nestjs/common';
import { ServerResponse } from 'node:http';

/**
 * Where the process is in a graceful shutdown. Once draining, readiness answers 503 and every
 * response — including those already being prepared — tells the client to close its kept-alive
 * connection, so clients reconnect to other replicas and no idle connection is left to cut.
 */
@Injectable()
export class ShutdownState {
  private isDraining = false;
  private readonly open = new Set<ServerResponse>();

  get draining(): boolean {
    return this.isDraining;
  }

  /** Called for every request as it arrives. */
  track(response: ServerResponse): void {
    if (this.isDraining) {
      response.setHeader('Connection', 'close');
      return;
    }
    this.open.add(response);
    response.once('close', () => this.open.delete(response));
  }

  beginDraining(): void {
    this.isDraining = true;
    for (const response of this.open) {
      if (!response.headersSent) response.setHeader('Connection', 'close');
    }
    this.open.clear();
  }
}
