import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { ImportSource, SourceRecord } from './import-source';

/** A JSON-lines file read line by line, so its size is bounded by the disk, not the heap. */
export function jsonlSource(kind: ImportSource['kind'], path: string): ImportSource {
  // Stat now, so a missing file fails the import before anything is written.
  const size = statSync(path).size;
  return {
    kind,
    size,
    async *records() {
      const input = createReadStream(path, { encoding: 'utf8' });
      let lineNumber = 0;
      for await (const line of createInterface({ input, crlfDelay: Infinity })) {
        lineNumber++;
        // Editors on Windows start UTF-8 files with a byte-order mark.
        const text = lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line;
        if (text.trim() === '') continue;
        yield parseLine(text, `${basename(path)}:${lineNumber}`, input.bytesRead);
      }
    },
  };
}

function parseLine(text: string, where: string, done: number): SourceRecord {
  try {
    return { where, done, value: JSON.parse(text) };
  } catch (error) {
    return { where, done, unreadable: `invalid JSON: ${(error as Error).message}` };
  }
}
