/**
 * The production entry (src/main.ts), plus one thing for a test that measures memory: asked
 * "heap" over the IPC channel, it collects all garbage and answers with the V8 heap in use and the memory outside it that
 * its objects hold (Buffers' bytes are there).
 * Started with --expose-gc and an IPC channel (test/integration/server/fuzz-memory.test.ts).
 */
import '../../../src/main';

const collectGarbage = (globalThis as { gc?: () => void }).gc;

process.on('message', (message) => {
  if (message !== 'heap' || collectGarbage === undefined || process.send === undefined) return;
  collectGarbage();
  // Objects freed by the first collection's finalizers (sockets, streams) go in a second one.
  setImmediate(() => {
    collectGarbage();
    const { heapUsed, external } = process.memoryUsage();
    process.send?.({ heapUsed, external });
  });
});
