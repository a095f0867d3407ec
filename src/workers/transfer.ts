import { Piscina } from 'piscina';

/**
 * Marks a task's result so piscina moves these buffers to the main thread instead of copying
 * them there: a copy of tens of megabytes would run on the event loop the worker exists to spare.
 */
export function transferring<T>(value: T, buffers: ArrayBufferLike[]): T {
  const transferable = {
    get [Piscina.transferableSymbol]() {
      return [...new Set(buffers)];
    },
    get [Piscina.valueSymbol]() {
      return value;
    },
  };
  // piscina types its Transferable with symbols it does not export; the getters above are that shape.
  return Piscina.move(transferable as unknown as Parameters<typeof Piscina.move>[0]) as T;
}
