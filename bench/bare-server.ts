import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';

/**
 * The machine's limit for an answer: a bare `node:http` server in its own process handing out
 * fixed bytes, started by bare-reference.ts. `GET|POST /<name>` answers the file <name> of
 * BARE_BODIES_DIR (read once, then from memory) after reading the request body; 404 when absent.
 * Nothing else runs: no routing, validation, headers or logging beyond what HTTP needs.
 */
const directory = process.env.BARE_BODIES_DIR ?? '.';
const bodies = new Map<string, Buffer>();

function bodyFor(path: string): Buffer | undefined {
  const name = basename(path.split('?')[0]);
  let body = bodies.get(name);
  if (!body) {
    try {
      body = readFileSync(join(directory, name));
    } catch {
      return undefined;
    }
    bodies.set(name, body);
  }
  return body;
}

createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const body = bodyFor(request.url ?? '/');
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    response.end(body);
  });
}).listen(Number(process.env.SERVICE_PORT), '127.0.0.1');
