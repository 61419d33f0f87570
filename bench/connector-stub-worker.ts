import { parentPort } from 'node:worker_threads';
import { ConnectorStub } from '../test/helpers/connector-stub';

/**
 * The connector stub in its own thread: in production the Bot Framework connector is another
 * machine, so the benchmark keeps its cost off the bot's event loop (for both bots alike).
 */
const stub = new ConnectorStub();
stub.keepCalls = false;
void stub.start().then((url) => parentPort?.postMessage({ url }));
parentPort?.on('message', (message: unknown) => {
  if (message === 'stop') void stub.stop().then(() => process.exit(0));
});
