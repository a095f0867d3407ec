import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';

/** Answers true only for a body the full validation would accept unchanged; anything else goes the full way. */
export type WellFormedCheck = (value: unknown) => boolean;

const WELL_FORMED_CHECK = Symbol('wellFormedCheck');

/**
 * Gives a hot request DTO a hand-written check of its common well-formed case. Class-validator and
 * class-transformer cost tens of microseconds per body; this costs one pass over its keys. The
 * check may refuse more than the full validation (it falls back then), never accept more:
 * validation-pipe.spec.ts compares the two on a table of bodies.
 */
export function WellFormedWhen(check: WellFormedCheck): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(WELL_FORMED_CHECK, check, target);
  };
}

/** A plain JSON object (what the body parser produces), not an array or a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * The service's global pipe: Nest's ValidationPipe (whitelist, unknown properties refused,
 * transform), except that a body its DTO's well-formed check accepts becomes the DTO's instance
 * directly. Refusals always come from the full path, so their `{"detail"}` messages are its own.
 */
@Injectable()
export class ServiceValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    if (metadata.type === 'body' && type !== undefined) {
      const check = Reflect.getMetadata(WELL_FORMED_CHECK, type) as WellFormedCheck | undefined;
      if (check?.(value)) return Promise.resolve(Object.assign(new (type as new () => object)(), value));
    }
    return super.transform(value, metadata);
  }
}
