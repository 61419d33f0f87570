/**
 * One run of checks reads each piece of Azure evidence once, however many checks ask for it: the
 * first caller starts the read, the others share its promise.
 */
export type ReadOnce = <T>(key: string, load: () => Promise<T>) => Promise<T>;

export function readOncePerRun(): ReadOnce {
  const cache = new Map<string, Promise<unknown>>();
  return <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let promise = cache.get(key) as Promise<T> | undefined;
    if (promise === undefined) {
      // Deferred by one tick so a synchronous throw in the port becomes a rejection like any other.
      promise = Promise.resolve().then(load);
      // Every consumer awaits it; this only keeps an abandoned straggler from being an unhandled rejection.
      promise.catch(() => undefined);
      cache.set(key, promise);
    }
    return promise;
  };
}
