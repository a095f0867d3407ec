import { BadRequestException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { jsonShapeViolation } from './json-shape';

export const MAX_JSON_BODY_BYTES = 5 * 1024 * 1024;

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * The only body parser (Fastify's own are removed, so any other media type is 415): reads at
 * most 5 MB, refuses a body whose shape exceeds the bounds in one pass over its bytes
 * (json-shape.ts), and only then runs JSON.parse. Bodies must be plain UTF-8 (RFC 8259), which
 * the byte scan relies on: no other charset, no compression.
 */
export function parseJsonBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', async (request: FastifyRequest, payload: Readable) => {
    const refusal = unsupportedEncoding(request.headers);
    if (refusal) throw refusal;
    return parse(await readAtMost(payload, request.headers, MAX_JSON_BODY_BYTES));
  });
}

function unsupportedEncoding(headers: IncomingHttpHeaders): Error | null {
  const charset = /;\s*charset="?([^";\s]+)/i.exec(headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    return new UnsupportedMediaTypeException('JSON bodies must be UTF-8');
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity')
    return new UnsupportedMediaTypeException('compressed request bodies are not accepted');
  return null;
}

function tooLarge(): Error {
  return new PayloadTooLargeException('request body exceeds the 5 MB limit');
}

/** The body's bytes; refused as soon as it is announced or found to be longer than `limit`. */
function readAtMost(body: Readable, headers: IncomingHttpHeaders, limit: number): Promise<Buffer> {
  if (Number(headers['content-length']) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // The rest is drained unread, so the answer can still reach the client.
      body.off('data', onData);
      body.resume();
      reject(tooLarge());
    };
    body.on('data', onData);
    body.once('end', () => resolve(Buffer.concat(chunks, size)));
    body.once('error', reject);
  });
}

/** As body-parser's strict mode: an empty body is `{}`, anything but an object or array a 400. */
function parse(bytes: Buffer): unknown {
  if (bytes.length === 0) return {};
  const violation = jsonShapeViolation(bytes);
  if (violation !== null) throw new BadRequestException(violation);
  let text = bytes.toString('utf8');
  if (text.startsWith(BYTE_ORDER_MARK)) text = text.slice(1);
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') throw new BadRequestException('request body must be a JSON object or array');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestException((error as Error).message);
  }
}
