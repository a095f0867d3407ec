/**
 * Bounds on the shape of a JSON request body, checked on its raw bytes before JSON.parse, so a
 * hostile body is refused in one linear pass instead of being parsed, transformed and validated
 * value by value (seconds of blocked event loop for a few MB) or overflowing the stack.
 * The largest legitimate bodies — 1,000-event feedback batches, 1,000-item catalogue batches —
 * are 4 levels deep with 1,000-element arrays.
 */
const MAX_JSON_DEPTH = 32;
/**
 * Per array, and per object (its members). No list the API accepts is longer, and a longer one
 * would cost more than its refusal is worth: the ValidationPipe validates every element of a
 * list before it reports the list too long.
 */
const MAX_JSON_ELEMENTS = 1_000;
/**
 * In the whole body. Nest's ValidationPipe, class-transformer and class-validator each visit every
 * value, at a few microseconds apiece: 5 MB of tiny arrays within the bounds above is still over a
 * million values and seconds of work. A 1,000-item catalogue batch with lists and metadata is ~50,000.
 */
const MAX_JSON_VALUES = 100_000;

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const MAX_KEY_IN_MESSAGE = 100;

/** One open array or object: its commas so far and, for an object, where its current key lies in the bytes. */
interface Container {
  isObject: boolean;
  isEmpty: boolean;
  commas: number;
  expectsKey: boolean;
  keyStart: number;
  keyEnd: number;
}

/**
 * Why `body` (UTF-8 JSON) exceeds the bounds, naming where (`events`, `context[0][0]`), or null.
 * Understands strings and escapes; says nothing about syntax, which JSON.parse checks next.
 * UTF-8 never uses bytes below 0x80 inside a multi-byte character, so structural bytes are exact.
 */
export function jsonShapeViolation(
  body: Uint8Array,
  maxDepth = MAX_JSON_DEPTH,
  maxElements = MAX_JSON_ELEMENTS,
  maxValues = MAX_JSON_VALUES,
): string | null {
  const open: Container[] = [];
  let top: Container | undefined;
  let inString = false;
  let stringStart = 0;
  let values = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) {
        inString = false;
        if (top?.expectsKey) {
          top.expectsKey = false;
          top.keyStart = stringStart;
          top.keyEnd = i;
        }
      }
      continue;
    }
    // A container's first element: every later one follows a comma, counted below.
    if (top?.isEmpty && byte > SPACE && byte !== CLOSE_ARRAY && byte !== CLOSE_OBJECT) {
      top.isEmpty = false;
      if (++values > maxValues) return tooManyValues(maxValues);
    }
    if (byte === QUOTE) {
      inString = true;
      stringStart = i + 1;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (open.length === maxDepth)
        return `request body is nested deeper than ${maxDepth} levels at ${pathOf(open, body)}`;
      top = {
        isObject: byte === OPEN_OBJECT,
        isEmpty: true,
        commas: 0,
        expectsKey: byte === OPEN_OBJECT,
        keyStart: 0,
        keyEnd: 0,
      };
      open.push(top);
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      open.pop();
      top = open[open.length - 1];
    } else if (byte === COMMA && top) {
      if (++values > maxValues) return tooManyValues(maxValues);
      if (++top.commas >= maxElements) {
        const what = top.isObject ? 'members' : 'elements';
        return `${pathOf(open.slice(0, -1), body)} must have at most ${maxElements} ${what}`;
      }
      top.expectsKey = top.isObject;
    }
  }
  return null;
}

function tooManyValues(maxValues: number): string {
  return `request body must have at most ${maxValues} array elements and object members in all`;
}

/** The path to the child now being written inside the last of `containers`, e.g. `events[3].context`. */
function pathOf(containers: Container[], body: Uint8Array): string {
  if (containers.length === 0) return 'request body';
  let path = '';
  for (const c of containers) {
    if (!c.isObject) path += `[${c.commas}]`;
    else {
      const key = Buffer.from(
        body.buffer,
        body.byteOffset + c.keyStart,
        Math.min(c.keyEnd - c.keyStart, MAX_KEY_IN_MESSAGE),
      ).toString('utf8');
      path += path === '' ? key : `.${key}`;
    }
  }
  return path;
}
