import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** dist/test/conventions → the repository, where the TypeScript sources are. */
const ROOT = resolve(__dirname, '../../..');

function specFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return specFiles(path);
    return name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * The `describe`/`it`/`test` calls at a file's top level, or directly inside a top-level loop
 * (`for (const dialect of DIALECTS) {`), with their line numbers and their head: the text up to
 * the body's arrow, which Prettier may spread over several lines.
 */
export function topLevelTests(source: string): { line: number; text: string }[] {
  const lines = source.split('\n');
  let inLoop = false;
  return lines.flatMap((text, index) => {
    if (/^for \(.*\{$/.test(text)) inLoop = true;
    else if (text === '}') inLoop = false;
    const top = /^(describe|it|test)\(/.test(text) || (inLoop && /^ {2}(describe|it|test)\(/.test(text));
    if (!top) return [];
    const end = lines.findIndex((line, k) => k >= index && line.includes('=>'));
    return [{ line: index + 1, text: lines.slice(index, end === -1 ? index + 1 : end + 1).join('\n') }];
  });
}

describe('test timeouts', { timeout: 30_000 }, () => {
  // Without one, a test that hangs stalls CI until the job is killed, naming nothing.
  it('should give every top-level describe and it of every spec a timeout', () => {
    const files = ['src', 'test'].flatMap((dir) => specFiles(join(ROOT, dir)));
    assert.ok(files.length > 0, `no spec files under ${ROOT}`);
    const missing = files.flatMap((file) => {
      const tests = topLevelTests(readFileSync(file, 'utf8'));
      if (tests.length === 0) return [`${relative(ROOT, file)}: no top-level describe or it found`];
      return tests
        .filter(({ text }) => !text.includes('timeout'))
        .map(({ line, text }) => `${relative(ROOT, file)}:${line}: ${text.trim()}`);
    });
    assert.deepEqual(missing, [], 'these set no { timeout }');
  });

  it('should find the calls inside a top-level loop and leave nested ones alone', () => {
    const source = [
      "describe('a', { timeout: 1 }, () => {",
      "  it('nested', () => {});",
      '});',
      'for (const d of D) {',
      '  describe(`b on ${d}`, () => {',
      '  });',
      '}',
    ].join('\n');
    assert.deepEqual(
      topLevelTests(source).map(({ line }) => line),
      [1, 5],
    );
  });

  it('should read a head that Prettier spread over several lines up to the arrow', () => {
    const source = [
      'describe(',
      "  'c',",
      '  { timeout: 5 },',
      '  () => {',
      "    it('x', () => {});",
      '  },',
      ');',
    ].join('\n');
    const [head] = topLevelTests(source);
    assert.ok(head.text.includes('timeout'), head.text);
    assert.ok(!head.text.includes("it('x'"), head.text);
  });
});
