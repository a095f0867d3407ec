import { BadRequestException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { jsonShapeViolation } from './json-shape';

const MAX_JSON_BODY_BYTES = 5 * 1024 * 1024;

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * The JSON body parser: reads at most 5 MB, refuses a body whose shape exceeds the bounds in one
 * pass over its bytes (json-shape.ts), and only then runs JSON.parse. body-parser has a hook for
 * the check (`verify`), but Nest keeps it for its rawBody option and does not let applications set it.
 * Bodies must be plain UTF-8 (RFC 8259), which the byte scan relies on: no other charset, no compression.
 */
export function parseJsonBodies() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    // req.is() is null without a body and false for other media types: both pass through untouched.
    if (!req.is('application/json')) {
      next();
      return;
    }
    const refusal = unsupportedEncoding(req);
    if (refusal) {
      next(refusal);
      return;
    }
    readAtMost(req, MAX_JSON_BODY_BYTES)
      .then(parse)
      .then(
        (body) => {
          req.body = body;
          next();
        },
        (error: unknown) => next(error),
      );
  };
}

function unsupportedEncoding(req: Request): Error | null {
  const charset = /;\s*charset="?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    return new UnsupportedMediaTypeException('JSON bodies must be UTF-8');
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity')
    return new UnsupportedMediaTypeException('compressed request bodies are not accepted');
  return null;
}

function tooLarge(): Error {
  return new PayloadTooLargeException('request body exceeds the 5 MB limit');
}

/** The body's bytes; refused as soon as it is announced or found to be longer than `limit`. */
function readAtMost(req: Request, limit: number): Promise<Buffer> {
  if (Number(req.headers['content-length']) > limit) return Promise.reject(tooLarge());
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
      req.off('data', onData);
      req.resume();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
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
