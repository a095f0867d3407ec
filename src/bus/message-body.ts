import { BadRequestException } from '@nestjs/common';
import { jsonShapeViolation } from '../common/json-shape';
import { ServiceValidationPipe } from '../common/validation-pipe';

/** The HTTP API's own global pipe: a message is validated as a body would be. */
const pipe = new ServiceValidationPipe();

/**
 * A message's bytes as the DTO `type`, with the rules and messages of an HTTP body of that type
 * (JSON shape bounds, then class-validator). Throws a BadRequestException for an invalid one.
 */
export async function parseMessage<T extends object>(type: new () => T, data: Uint8Array): Promise<T> {
  return validateMessage(type, decodeMessage(data));
}

/** A message's bytes as a JSON object, within the JSON shape bounds of an HTTP body; else a BadRequestException. */
export function decodeMessage(data: Uint8Array): Record<string, unknown> {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const violation = jsonShapeViolation(bytes);
  if (violation !== null) throw new BadRequestException(violation);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new BadRequestException((error as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestException('message must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A decoded message as the DTO `type`, validated (and its messages worded) as an HTTP body of that type. */
export async function validateMessage<T extends object>(type: new () => T, value: object): Promise<T> {
  return (await pipe.transform(value, { type: 'body', metatype: type })) as T;
}
