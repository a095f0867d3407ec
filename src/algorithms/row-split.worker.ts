import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { RowPart, runRows } from './row-jobs';
import { HelperReply, HelperTask } from './row-split';

/**
 * A helper thread of a split fit (row-split.ts): claims chunks of rows until none is left, replies
 * with their parts on its port, then counts itself done, waking the thread that split the work.
 */
// No priority of its own: on Linux a thread starts with the nice value of the thread that spawned
// it, so the helpers of a background training worker run in the background too.
const port = (workerData as { port: MessagePort }).port;

parentPort?.on('message', ({ job, bounds, control }: HelperTask) => {
  const parts: [number, RowPart][] = [];
  const reply: HelperReply = { parts };
  try {
    const chunks = bounds.length - 1;
    for (let chunk = Atomics.add(control, 0, 1); chunk < chunks; chunk = Atomics.add(control, 0, 1))
      parts.push([chunk, runRows(job, bounds[chunk], bounds[chunk + 1])]);
  } catch (error) {
    reply.error = error instanceof Error ? error.message : String(error);
    reply.parts = [];
  }
  // Posted before counting: once the splitting thread sees the count, the reply is on its port.
  port.postMessage(reply, transfers(reply.parts));
  Atomics.add(control, 1, 1);
  Atomics.notify(control, 1);
});

function transfers(parts: [number, RowPart][]): ArrayBuffer[] {
  return parts.flatMap(([, part]) =>
    part ? ([part.indptr.buffer, part.indices.buffer, part.values.buffer] as ArrayBuffer[]) : [],
  );
}
