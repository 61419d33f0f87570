import autocannon from 'autocannon';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import restify from 'restify';
import type { RunningServer } from '../src/server/create-server';
import { Worker } from 'node:worker_threads';
import { type BenchFigure, type BenchSuite, pairedThroughput } from './bench-figure';
import { type CompiledBot, compiledBot } from './compiled-build';

/**
 * Message turns per second through the real restify server and CloudAdapter, each turn
 * answered through a local connector stub: Backup Doctor (identify, new session in SQLite,
 * card render, send, record the message id) against a plain echo bot on the same stack in
 * the same run. Bounded: a few seconds per run, loopback only. The bot and the echo bot's server
 * parts are the production build (compiled, as `npm start` runs it), loaded in this process.
 */
/** Twelve pairs of one-second runs (see pairedThroughput). */
const DURATION_S = 1;
const CONNECTIONS = 8;
const ROUNDS = 12;
const GOAL_RATIO = 0.7;

function activity(serviceUrl: string, text: string): string {
  return JSON.stringify({
    type: 'message',
    id: 'bench-1',
    channelId: 'msteams',
    serviceUrl,
    text,
    locale: 'en-US',
    from: { id: '29:bench', name: 'Bench', aadObjectId: '00000000-0000-0000-0000-00000000b3c4' },
    recipient: { id: '28:bot', name: 'Backup Doctor' },
    conversation: { id: 'bench-conversation', conversationType: 'personal', tenantId: 't' },
  });
}

/** The echo baseline: the same restify set-up and an anonymous CloudAdapter, one reply per turn. */
async function startEchoBot({ listen, maxBodyBytes, jsonBody, refuseUnsafeBodies, boundSlowClients }: CompiledBot): Promise<RunningServer> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const bot = new ActivityHandler();
  bot.onMessage(async (context, next) => {
    await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
    await next();
  });
  const server = restify.createServer({ name: 'echo', handleUncaughtExceptions: false });
  // The same body handling and slow-client bounds as Backup Doctor's own server (no server-wide parser; capped JSON read per route).
  server.pre(refuseUnsafeBodies);
  boundSlowClients(server, { headersTimeoutMs: 60_000 });
  server.post('/api/messages', jsonBody({ maxBytes: maxBodyBytes }), async (req: restify.Request, res: restify.Response) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  return listen(server, 0, '127.0.0.1');
}

async function turnsPerSecond(url: string, body: string): Promise<{ rps: number; errors: number }> {
  const result = await autocannon({
    url: `${url}/api/messages`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: DURATION_S,
    // The load generator runs in a worker thread, so it does not share the bots' event loop.
    workers: 1,
  });
  return { rps: result.requests.average, errors: result.errors + result.non2xx };
}

/** Starts the connector stub in a worker thread (tsx's loader compiles it there too). */
async function startStubWorker(): Promise<{ url: string; stop(): Promise<void> }> {
  const worker = new Worker(join(__dirname, 'connector-stub-worker.js'));
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', (message: { url: string }) => resolve(message.url));
    worker.once('error', reject);
  });
  return {
    url,
    stop: async () => {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      await exited;
    },
  };
}

export const turnsBench: BenchSuite = async () => {
  const bot = compiledBot();
  const { createApp, parseConfig, createLogger, createServer, listen } = bot;
  const stub = await startStubWorker();
  const serviceUrl = stub.url;
  const dir = mkdtempSync(join(tmpdir(), 'backup-doctor-bench-'));
  const app = createApp(parseConfig({ BOT_MODE: 'local', STATE_FILE: join(dir, 'bench.sqlite'), LOG_LEVEL: 'silent' }), {
    logger: createLogger('silent'),
    alerts: { startWorkers: false },
  });
  const doctor = await listen(createServer(app), 0, '127.0.0.1');
  const echo = await startEchoBot(bot);
  try {
    const doctorBody = activity(serviceUrl, 'UserErrorGuestAgentStatusUnavailable');
    const echoBody = activity(serviceUrl, 'UserErrorGuestAgentStatusUnavailable');
    const measured = await pairedThroughput(ROUNDS, () => turnsPerSecond(echo.url, echoBody), () => turnsPerSecond(doctor.url, doctorBody));
    return [
      {
        name: `message turns/s through CloudAdapter (${CONNECTIONS} connections, median of ${ROUNDS} paired rounds${measured.errors > 0 ? `, ${measured.errors} errors` : ''})`,
        unit: 'turns/s',
        value: Math.round(measured.subject),
        baseline: Math.round(measured.baseline),
        ratio: Number(measured.ratio.toFixed(3)),
        goal: `ratio >= ${GOAL_RATIO} (echo bot on the same stack)`,
        met: measured.ratio >= GOAL_RATIO && measured.errors === 0,
      },
    ] satisfies BenchFigure[];
  } finally {
    await doctor.close();
    await echo.close();
    await app.close();
    await stub.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  turnsBench()
    .then((figures) => console.table(figures))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
