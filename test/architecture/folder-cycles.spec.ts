/**
 * The src folders form layers: a folder may import from folders below it, never from one that
 * (directly or through others) imports it back. This reads every src/**\/*.ts, builds the graph of
 * relative imports between top-level folders (`src/x/y/z.ts` belongs to `x`; files directly in
 * src/ are the app's root and left out) and fails naming the first cycle it finds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve(__dirname, '../../../src');
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|require\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The top-level src folder a path belongs to (an import of a folder itself, like '../repositories',
 * belongs to that folder), or undefined for files directly in src/ or outside it.
 */
function folderOf(path: string): string | undefined {
  const parts = relative(SRC, path).split(sep);
  if (parts[0] === '..' || parts[0] === '') return undefined;
  return parts.length > 1 || isFolder(path) ? parts[0] : undefined;
}

function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Folder → the folders its files import from (self-imports left out). */
export function folderGraph(files: string[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const from = folderOf(file);
    if (from === undefined) continue;
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const to = folderOf(resolve(dirname(file), match[1] ?? match[2] ?? match[3]));
      if (to !== undefined && to !== from) edges.add(to);
    }
  }
  return graph;
}

/** One cycle as a path `a → b → … → a`, or undefined when the graph has none. */
export function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const start = onPath.indexOf(node);
    if (start >= 0) return [...onPath.slice(start), node];
    if (done.has(node)) return undefined;
    onPath.push(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    onPath.pop();
    done.add(node);
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('folder imports', { timeout: 30_000 }, () => {
  it('should find a cycle in a graph that has one, and none in a layered graph', () => {
    const edges = (pairs: [string, string[]][]) => new Map(pairs.map(([k, v]) => [k, new Set(v)]));
    assert.deepEqual(
      findCycle(
        edges([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
      ['a', 'b', 'c', 'a'],
    );
    assert.equal(
      findCycle(
        edges([
          ['a', ['b', 'c']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
      undefined,
    );
  });

  it('should have no cycle between src folders', () => {
    const files = sourceFiles(SRC);
    assert.ok(files.length > 50, `read only ${files.length} files under ${SRC}`);
    const graph = folderGraph(files);
    assert.ok(graph.size > 5, `found only ${graph.size} folders`);
    const cycle = findCycle(graph);
    assert.equal(cycle, undefined, `import cycle between src folders: ${cycle?.join(' → ')}`);
  });
});

describe('src/domain', { timeout: 30_000 }, () => {
  it('should import nothing but itself and the algorithms types: no Nest, no knex, no other src folder', () => {
    const files = sourceFiles(join(SRC, 'domain'));
    assert.ok(files.length > 0);
    const outside = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from\s+['"]([^'"]+)['"]/g)]
        .map((match) => match[1])
        .filter((spec) => !spec.startsWith('./') && spec !== '../algorithms/types')
        .map((spec) => `${relative(SRC, file)} imports ${spec}`),
    );
    assert.deepEqual(outside, []);
  });
});
