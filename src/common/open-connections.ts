import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

interface ConnectionState {
  /** Requests read from the connection and not yet answered. */
  requests: number;
  /** `socket.bytesRead` when last looked at: growth means a request is arriving. */
  bytesRead: number;
  /** Since when nothing has arrived and nothing has been answered. */
  quietSince: number;
  /** Looks in a row that found it quiet. */
  quietLooks: number;
}

/**
 * The HTTP server's accepted connections and what each is doing, so a shutdown can close the
 * truly idle ones. Node's own `server.close()` also destroys every connection without a request
 * in progress, including those whose request has arrived but not been read yet because the event
 * loop was busy: their clients got a reset instead of an answer.
 *
 * When is a request "arrived but unread"? A busy loop accepts one connection per turn, and reads
 * a new connection's data only in the poll phase of the turn after. So a connection is judged
 * idle only by two looks in a row from the check phase (setImmediate), with a poll in between.
 */
export class OpenConnections {
  private readonly states = new Map<Socket, ConnectionState>();
  private acceptedCount = 0;

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.acceptedCount++;
      this.states.set(socket, { requests: 0, bytesRead: 0, quietSince: Date.now(), quietLooks: 0 });
      socket.once('close', () => this.states.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const state = this.states.get(request.socket);
      if (!state) return;
      state.requests++;
      response.once('close', () => {
        state.requests--;
        state.quietSince = Date.now();
      });
    });
  }

  get size(): number {
    return this.states.size;
  }

  /** How many connections have been accepted so far. */
  get accepted(): number {
    return this.acceptedCount;
  }

  /**
   * Closes each connection with no request in progress on which nothing has arrived for
   * `quietMs`, nor since the look before. Call it from setImmediate, once per turn of the loop.
   */
  closeIdle(quietMs: number): void {
    const now = Date.now();
    for (const [socket, state] of this.states) {
      if (socket.bytesRead !== state.bytesRead || state.requests > 0) {
        state.bytesRead = socket.bytesRead;
        state.quietSince = now;
        state.quietLooks = 0;
      } else if (++state.quietLooks >= 2 && now - state.quietSince >= quietMs) {
        socket.destroy();
      }
    }
  }

  /** Cuts every connection still open; returns how many there were and how many requests they were answering. */
  destroyAll(): { connections: number; requests: number } {
    const cut = { connections: this.states.size, requests: 0 };
    for (const [socket, state] of this.states) {
      cut.requests += state.requests;
      socket.destroy();
    }
    return cut;
  }
}
