import { once } from 'node:events';
import { createServer, IncomingHttpHeaders, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

const PROBE_INTERVAL_MS = 100;
/** A probe slower than this counts as a failed one, as a Kubernetes probe's timeoutSeconds does. */
const PROBE_TIMEOUT_MS = 2000;
/** Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * A load balancer in front of the replicas, as a Kubernetes Service is: it probes every endpoint's
 * /health/ready every ~100 ms and sends each request to the next ready one (round robin). Requests
 * and answers pass through unchanged; it never retries, so a replica that fails a request fails it
 * for the caller too — a 502 naming the cause when nothing was answered yet, a cut connection
 * when the answer broke off.
 */
export class ReadinessBalancer {
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private readonly readiness = new Map<string, boolean>();
  private readonly probing = new Set<string>();
  private next = 0;
  url = '';

  /** `endpoints` is read on every probe round and request, so replicas may come and go. */
  constructor(private readonly endpoints: () => string[]) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.forward(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.timer = setInterval(() => this.probeAll(), PROBE_INTERVAL_MS);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((done) => this.server?.close(done));
  }

  /** The endpoints whose last readiness probe answered 200. */
  ready(): string[] {
    return this.endpoints().filter((url) => this.readiness.get(url) === true);
  }

  /** Resolves once `count` endpoints are ready here, i.e. receive requests. */
  async waitForReady(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.ready().length < count) {
      if (Date.now() > deadline)
        throw new Error(`balancer: ${this.ready().length} of ${count} endpoints ready after ${timeoutMs} ms`);
      await sleep(PROBE_INTERVAL_MS);
    }
  }

  private probeAll(): void {
    for (const url of this.endpoints()) {
      if (this.probing.has(url)) continue;
      this.probing.add(url);
      void probe(url).then((ok) => {
        this.readiness.set(url, ok);
        this.probing.delete(url);
      });
    }
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const ready = this.ready();
    if (ready.length === 0) return answer(res, 503, 'balancer: no ready replica');
    const target = new URL(ready[this.next++ % ready.length]);
    // A new connection per request: a pooled one the replica closed meanwhile would fail here, not there.
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: endToEnd(req.headers),
        agent: false,
      },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.statusMessage, endToEnd(reply.headers));
        pipeline(reply, res, (error) => error && res.destroy(error));
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (res.headersSent) res.destroy(error);
      else answer(res, 502, `balancer: ${target.host} failed the request: ${error.code ?? error.message}`);
    });
    req.pipe(upstream);
  }
}

async function probe(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

function answer(res: ServerResponse, status: number, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ detail }));
}
