import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { createApp } from '../src/app';
import { LocalSimulatorCredential } from '../src/azure/credential';
import { SdkAzureGateway } from '../src/azure/sdk-azure-gateway';
import { parseConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createServer, listen } from '../src/server/create-server';

/**
 * The bot under `npm run soak`, in a process of its own so that its RSS and event-loop delay are
 * the bot's alone (the load, the ARM simulator and the connector stub run in the parent). Started
 * by scripts/soak.ts with its settings in the environment; answers the parent's requests for a
 * sample over IPC.
 */
export interface SoakSample {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Event-loop delay p99 since the previous sample, in ms. */
  readonly intervalP99Ms: number;
  /** Event-loop delay p99 since the end of the warm-up (or the start), in ms. */
  readonly runP99Ms: number;
  readonly runMaxMs: number;
  /** Log lines at level error or fatal so far. */
  readonly errorLogs: number;
}

export type SoakCommand = 'sample' | 'warm' | 'stop';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set (scripts/soak.ts starts this process)`);
  return value;
}

async function main(): Promise<void> {
  const vaults = Number(required('SOAK_VAULTS'));
  const serviceUrl = required('SOAK_SERVICE_URL');
  let errorLogs = 0;
  // Errors are counted, not printed: a pino line at level 50 (error) or 60 (fatal).
  const counter = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (/"level":(50|60)/.test(line)) errorLogs += 1;
      callback();
    },
  });
  const azure = new SdkAzureGateway({
    credential: new LocalSimulatorCredential(),
    endpoint: required('SOAK_ARM_ENDPOINT'),
    ca: required('SOAK_ARM_CA'),
    retry: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 50 },
    lroPollIntervalInMs: 20,
  });
  const config = parseConfig({
    BOT_MODE: 'local',
    STATE_FILE: required('SOAK_STATE_FILE'),
    LOG_LEVEL: 'error',
    ALERTS_SHARED_SECRET: required('SOAK_SECRET'),
    POLL_INTERVAL_MINUTES: '0',
  });
  const app = createApp(config, { logger: createLogger('error', counter), azure });
  const subscriptions = app.alerts.sqlite?.subscriptions;
  if (subscriptions === undefined) throw new Error('the soak runs on the SQLite state file');
  // One channel per vault, so every incident's card has somewhere to go.
  for (let i = 0; i < vaults; i++) {
    subscriptions.add({
      id: `soak-sub-${i}`,
      conversationKey: `soak-channel-${i}`,
      conversationReference: { channelId: 'msteams', serviceUrl, bot: { id: 'backup-doctor', name: 'Backup Doctor' }, conversation: { id: `soak-channel-${i}`, conversationType: 'channel' } },
      scope: { kind: 'vault', vault: `vault-soak-${i}` },
      language: 'en',
      createdAt: new Date(),
    });
  }
  const server = await listen(createServer(app), 0, '127.0.0.1');

  const interval = monitorEventLoopDelay({ resolution: 10 });
  const run = monitorEventLoopDelay({ resolution: 10 });
  interval.enable();
  run.enable();
  const ms = (ns: number): number => Number((ns / 1e6).toFixed(1));
  process.on('message', (command: SoakCommand) => {
    if (command === 'warm') {
      run.reset();
      return;
    }
    if (command === 'sample') {
      const memory = process.memoryUsage();
      const sample: SoakSample = {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        intervalP99Ms: ms(interval.percentile(99)),
        runP99Ms: ms(run.percentile(99)),
        runMaxMs: ms(run.max),
        errorLogs,
      };
      interval.reset();
      process.send?.({ sample });
      return;
    }
    void server
      .close()
      .then(() => app.close())
      .then(() => process.exit(0));
  });
  process.send?.({ url: server.url });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
