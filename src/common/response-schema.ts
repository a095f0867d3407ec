import { HttpStatus, Type } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import fastJson from 'fast-json-stringify';
import { FastifySerializerCompiler } from 'fastify';

/** The JSON Schema subset fast-json-stringify needs to write a response DTO. */
export type JsonSchema =
  | { type: string | string[] }
  | { type: string | string[]; items: JsonSchema }
  | { type: string | string[]; properties: Record<string, JsonSchema> };

/** What @ApiProperty stores per property (the keys this module reads). */
interface ApiPropertyMetadata {
  type?: unknown;
  isArray?: boolean;
  nullable?: boolean;
  enum?: unknown;
}

const PROPERTIES_KEY = 'swagger/apiModelPropertiesArray';
const PROPERTY_KEY = 'swagger/apiModelProperties';

const SCALARS = new Map<unknown, string>([
  [String, 'string'],
  [Number, 'number'],
  [Boolean, 'boolean'],
]);

/** Writes a response's bytes; must write exactly what fast-json-stringify would for the schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the payload is whatever the route's handler returned
export type ResponseWriter = (payload: any) => string | Buffer;

/** Schemas whose routes are answered by a hand-written writer instead of a compiled serializer. */
const writers = new WeakMap<JsonSchema, ResponseWriter>();

/**
 * Fastify writes the route's answer with a serializer compiled from this DTO's schema
 * (fast-json-stringify), or with `writer` when given, and only the DTO's documented properties
 * leave the service. The schema is the one Swagger documents, read from the @ApiProperty
 * metadata, so the two cannot drift.
 */
export function SerializedAs(
  dto: Type,
  { status = HttpStatus.OK, writer }: { status?: HttpStatus; writer?: ResponseWriter } = {},
): MethodDecorator {
  const schema = jsonSchemaOf(dto);
  if (writer) writers.set(schema, writer);
  return RouteSchema({ response: { [status]: schema } });
}

/**
 * For Fastify's setSerializerCompiler: a route's writer, else fast-json-stringify. Fastify sends
 * a Buffer as it is, though its type for a serializer says string only.
 */
export const compileResponseSerializer = (({ schema }: { schema: JsonSchema }): ResponseWriter =>
  writers.get(schema) ??
  fastJson(schema as Parameters<typeof fastJson>[0])) as unknown as FastifySerializerCompiler<JsonSchema>;

/**
 * The DTO's JSON Schema. Every property must say its type (`type: String` for a nullable
 * string, whose TypeScript type reflects only as Object): a property it cannot type is an error
 * at start-up, not a silently mangled response.
 */
export function jsonSchemaOf(dto: Type): JsonSchema {
  const prototype = dto.prototype as object;
  const names = (Reflect.getMetadata(PROPERTIES_KEY, prototype) as string[] | undefined) ?? [];
  if (names.length === 0) throw new Error(`${dto.name} has no @ApiProperty to build its response schema from`);
  const properties: Record<string, JsonSchema> = {};
  for (const name of names.map((key) => key.replace(/^:/, ''))) {
    const metadata = Reflect.getMetadata(PROPERTY_KEY, prototype, name) as ApiPropertyMetadata;
    properties[name] = propertySchema(metadata, `${dto.name}.${name}`);
  }
  return { type: 'object', properties };
}

function propertySchema(metadata: ApiPropertyMetadata, where: string): JsonSchema {
  const declared = Array.isArray(metadata.type) ? (metadata.type[0] as unknown) : metadata.type;
  const isArray = metadata.isArray === true || Array.isArray(metadata.type);
  const element = metadata.enum !== undefined ? { type: 'string' } : elementSchema(declared, where);
  const schema: JsonSchema = isArray ? { type: 'array', items: element } : element;
  return metadata.nullable ? { ...schema, type: [schema.type as string, 'null'] } : schema;
}

function elementSchema(type: unknown, where: string): JsonSchema {
  const scalar = SCALARS.get(type);
  if (scalar !== undefined) return { type: scalar };
  const isDto = typeof type === 'function' && Reflect.hasMetadata(PROPERTIES_KEY, type.prototype as object);
  if (isDto) return jsonSchemaOf(type as Type);
  throw new Error(`${where}: give @ApiProperty an explicit type (String, Number, Boolean, a DTO or [one of them])`);
}
