import { join } from 'node:path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { Csr } from './types';
import { RowJob, RowPart, runRows } from './row-jobs';

/**
 * Splits the independent rows of a fit (an ALS half-step, a kNN similarity pass) over
 * TRAINING_THREADS threads: the calling thread and `threads - 1` helper threads it spawns, all
 * reading the same SharedArrayBuffers. The caller blocks on an atomic counter while the helpers
 * finish: it is a training worker thread, never the event loop. Each row is computed by the same
 * code on the same inputs whichever thread takes it, so the result does not depend on the count.
 */

const HELPER = join(__dirname, 'row-split.worker.js');
/** Chunks per thread: threads claim them one at a time, so a thread given heavy rows does not hold the rest up. */
const CHUNKS_PER_THREAD = 16;
/** Below this much work per split, a helper's round trip costs more than it saves. */
const MIN_SPLIT_WORK = 20_000;

let threads = 1;

/** How many threads the fits in this thread use from now on (TRAINING_THREADS). */
export function setTrainingThreads(count: number): void {
  threads = Math.max(1, Math.floor(count));
}

export function trainingThreads(): number {
  return threads;
}

/** `array`, in shared memory when the fit is split (helpers can only see shared memory); unchanged otherwise. */
export function inShared<T extends Int32Array | Float32Array | Float64Array>(array: T): T {
  if (threads <= 1 || array.buffer instanceof SharedArrayBuffer) return array;
  const shared = new (array.constructor as new (buffer: SharedArrayBuffer) => T)(
    new SharedArrayBuffer(array.byteLength),
  );
  shared.set(array);
  return shared;
}

export function sharedCsr(m: Csr): Csr {
  return { ...m, indptr: inShared(m.indptr), indices: inShared(m.indices), values: inShared(m.values) };
}

/** A copy in ordinary memory, for arrays that leave the fit (artifacts are encoded and moved between threads). */
export function unshared<T extends Int32Array | Float32Array | Float64Array>(array: T): T {
  return array.buffer instanceof SharedArrayBuffer ? (array.slice() as T) : array;
}

/**
 * Runs `job` over rows `[0, rows)` and returns the parts in row order, one per chunk. `cost(row)`
 * weighs the rows so chunks carry about equal work. With one thread, or little work, it runs here
 * as one chunk.
 */
export function splitRows(job: RowJob, rows: number, cost: (row: number) => number): RowPart[] {
  const total = totalCost(rows, cost);
  if (threads <= 1 || total < MIN_SPLIT_WORK || rows < 2) return [runRows(job, 0, rows)];
  const bounds = chunkBounds(rows, cost, total, threads * CHUNKS_PER_THREAD);
  const chunks = bounds.length - 1;
  // [0]: the next chunk to claim; [1]: helpers finished.
  const control = new Int32Array(new SharedArrayBuffer(8));
  const team = helperTeam(threads - 1);
  for (const helper of team) helper.worker.postMessage({ job, bounds, control });

  const parts: RowPart[] = new Array<RowPart>(chunks);
  let failure: Error | undefined;
  try {
    for (let chunk = Atomics.add(control, 0, 1); chunk < chunks; chunk = Atomics.add(control, 0, 1))
      parts[chunk] = runRows(job, bounds[chunk], bounds[chunk + 1]);
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    // The helpers stop claiming; the chunks they hold finish first.
    Atomics.store(control, 0, chunks);
  }
  for (let done = Atomics.load(control, 1); done < team.length; done = Atomics.load(control, 1))
    Atomics.wait(control, 1, done);
  for (const helper of team) {
    const reply = receiveMessageOnPort(helper.port)?.message as HelperReply | undefined;
    if (!reply) throw new Error('a training helper thread finished without a reply');
    if (reply.error !== undefined) failure ??= new Error(`training helper thread: ${reply.error}`);
    for (const [chunk, part] of reply.parts) parts[chunk] = part;
  }
  if (failure !== undefined) throw failure;
  return parts;
}

/** What a helper posts back after a split: its chunks' parts, or why it stopped. */
export interface HelperReply {
  parts: [number, RowPart][];
  error?: string;
}

/** What a helper is sent for a split. */
export interface HelperTask {
  job: RowJob;
  bounds: Int32Array;
  control: Int32Array;
}

function totalCost(rows: number, cost: (row: number) => number): number {
  let total = 0;
  for (let row = 0; row < rows; row++) total += cost(row);
  return total;
}

/** Row boundaries of up to `chunks` consecutive ranges of about equal cost, never empty. */
function chunkBounds(rows: number, cost: (row: number) => number, total: number, chunks: number): Int32Array {
  const bounds = [0];
  const target = total / chunks;
  let acc = 0;
  for (let row = 0; row < rows; row++) {
    acc += cost(row);
    if (acc >= target * bounds.length && row + 1 < rows) bounds.push(row + 1);
  }
  bounds.push(rows);
  return Int32Array.from(bounds);
}

interface Helper {
  worker: Worker;
  /** Replies arrive here and are read synchronously: this thread's event loop is not running. */
  port: MessagePort;
}

let team: Helper[] = [];

/** Helpers live as long as this thread and are reused by every fit; a different count respawns them. */
function helperTeam(size: number): Helper[] {
  if (team.length === size) return team;
  void stopHelpers();
  team = Array.from({ length: size }, () => {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(HELPER, { workerData: { port: port2 }, transferList: [port2] });
    // Idle helpers must not keep a process alive; their owner ends them with it.
    worker.unref();
    port1.unref();
    return { worker, port: port1 };
  });
  return team;
}

/** Helper threads alive in this thread. */
export function helperThreads(): number {
  return team.length;
}

/** Ends the helper threads (tests; a training worker's helpers end with it). */
export async function stopHelpers(): Promise<void> {
  const stopping = team;
  team = [];
  for (const helper of stopping) helper.port.close();
  await Promise.all(stopping.map((helper) => helper.worker.terminate()));
}
