import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { BadRequestException } from '@nestjs/common';
import { BatchItemDto } from '../catalogue/catalogue.dto';
import { toItemWrite } from '../catalogue/catalogue.service';
import { BatchFeedbackDto } from '../feedback/feedback.dto';
import { toInteraction } from '../feedback/feedback.service';
import { InteractionWrite } from '../repositories/interactions.repository';
import { ItemWrite } from '../repositories/items.repository';

/**
 * Validates one imported record exactly as the HTTP API validates one element of a batch, so a
 * file imports if and only if its lines would have been accepted by POST /v1/items/batch or
 * /v1/feedback/batch. Messages read as the API's `detail`, without the `events[i].` prefix.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** What the API's global ValidationPipe passes to class-validator (app.factory.ts). */
const PIPE_OPTIONS = { whitelist: true, forbidNonWhitelisted: true };

export async function checkItem(plain: unknown): Promise<Checked<ItemWrite>> {
  const checked = await validated(BatchItemDto, plain);
  return checked.ok ? applying(() => toItemWrite(checked.value.id, checked.value)) : checked;
}

/** `now` stands for the time of receipt: the default occurred_at and the limit on future times. */
export async function checkFeedback(plain: unknown, now: number): Promise<Checked<InteractionWrite>> {
  const checked = await validated(BatchFeedbackDto, plain);
  return checked.ok ? applying(() => toInteraction(checked.value, now, '')) : checked;
}

/** The services' own rules answer a bad record with a 400; here that is a rejected line. */
function applying<T>(convert: () => T): Checked<T> {
  try {
    return { ok: true, value: convert() };
  } catch (error) {
    if (error instanceof BadRequestException) return { ok: false, reason: error.message };
    throw error;
  }
}

async function validated<T extends object>(type: new () => T, plain: unknown): Promise<Checked<T>> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { ok: false, reason: 'a line must hold one JSON object' };
  }
  const dto = plainToInstance(type, plain);
  const errors = await validate(dto, PIPE_OPTIONS);
  return errors.length === 0 ? { ok: true, value: dto } : { ok: false, reason: messagesOf(errors).join('; ') };
}

/** Flattens nested errors the way Nest's ValidationPipe does: `context.position must not be …`. */
function messagesOf(errors: ValidationError[], parentPath = ''): string[] {
  return errors.flatMap((error) =>
    error.children && error.children.length > 0
      ? messagesOf(error.children, `${parentPath}${error.property}.`)
      : Object.values(error.constraints ?? {}).map((message) => `${parentPath}${message}`),
  );
}
