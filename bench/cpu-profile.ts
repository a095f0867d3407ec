import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  /** Milliseconds of samples. */
  ms: number;
  /** Share of the busy (non-idle) samples. */
  percent: number;
}

export interface ProfileSummary {
  label: string;
  file: string;
  /** Samples before this were left out (server start-up and warm-up). */
  skippedMs: number;
  busyMs: number;
  idlePercent: number;
  /** Functions by time spent in their own code. */
  self: ProfileEntry[];
  /** The service's own functions (dist/src) by time including what they call. */
  inclusive: ProfileEntry[];
  /** Self time by where the code lives: a package, a service folder, Node internals, GC. */
  byArea: ProfileEntry[];
}

const IDLE = '(idle)';

/** The main thread's profile in `dir` (thread id 0 in Node's CPU.<date>.<pid>.<tid>.<seq> names), newest first. */
export function mainThreadProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((name) => /^CPU\..*\.\d+\.0\.\d+\.cpuprofile$/.test(name))
    .map((name) => join(dir, name));
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/**
 * Top functions by self time, the service's functions by inclusive time, and self time per area,
 * over the samples between `skipMs` and `untilMs` after the process started (start-up and
 * warm-up are not the path being measured).
 */
export function summariseProfile(
  label: string,
  file: string,
  skipMs: number,
  untilMs = Infinity,
  top = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  let elapsedUs = 0;
  profile.samples.forEach((id, k) => {
    const delta = profile.timeDeltas[k] ?? 0;
    elapsedUs += delta;
    const node = byId.get(id);
    if (!node || elapsedUs < skipMs * 1000 || elapsedUs > untilMs * 1000) return;
    if (node.callFrame.functionName === IDLE) {
      idleUs += delta;
      return;
    }
    busyUs += delta;
    add(self, frameName(node.callFrame), delta);
    add(areas, areaOf(node.callFrame), delta);
    // Each function counts once per sample however deep it recurses.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || !isServiceCode(frame.url)) continue;
      const name = frameName(frame);
      if (!seen.has(name)) {
        seen.add(name);
        add(inclusive, name, delta);
      }
    }
  });
  const entries = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: busyUs > 0 ? (100 * us) / busyUs : 0 }));
  return {
    label,
    file,
    skippedMs: skipMs,
    busyMs: busyUs / 1000,
    idlePercent: busyUs + idleUs > 0 ? (100 * idleUs) / (busyUs + idleUs) : 0,
    self: entries(self),
    inclusive: entries(inclusive),
    byArea: entries(areas),
  };
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

function isServiceCode(url: string): boolean {
  return url.includes('/dist/src/');
}

/** `function (file:line)`, with dist/src/x.js shown as src/x.ts (lines are the compiled file's). */
function frameName(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} (${shortPath(frame.url)}:${frame.lineNumber + 1})`;
}

function shortPath(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const service = /\/dist\/(src\/.*)\.js$/.exec(path);
  if (service) return `${service[1]}.ts→js`;
  const module = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
  if (module) return `${module[1]}/${module[2]}`;
  return path;
}

function areaOf(frame: CallFrame): string {
  const path = frame.url.replace(/^file:\/\//, '');
  if (!path) return frame.functionName.startsWith('(') ? frame.functionName : '(native/builtin)';
  const service = /\/dist\/src\/([^/]+)\//.exec(path);
  if (service) return `src/${service[1]}`;
  const module = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (module) return module[1];
  if (path.startsWith('node:')) return 'node internals';
  return path;
}
