import autocannon from 'autocannon';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import restify from 'restify';
import type { RunningServer } from '../src/server/create-server';
import { FlakyConnector } from '../test/integration/alerts/flaky-connector';
import { type BenchFigure, type BenchSuite, pairedThroughput, percentile } from './bench-figure';
import { type CompiledBot, compiledBot } from './compiled-build';

/**
 * Alerts accepted per second on POST /api/alerts (auth, size and type checks, zod, code
 * identification, grouping and the outbox plan committed to SQLite before the 202) against a
 * bare restify JSON endpoint on the same set-up in the same run; and the time from an alert's
 * 202 to its card reaching the connector stub through the real CloudAdapter. Loopback, bounded.
 * The bot is the production build (compiled, as `npm start` runs it), loaded in this process.
 */
/** Twelve pairs of one-second runs (see pairedThroughput). */
const DURATION_S = 1;
const CONNECTIONS = 16;
const ROUNDS = 12;
const GOAL_RATIO = 0.5;
const LATENCY_SAMPLES = 100;
const SECRET = 'bench-alerts-secret-0123456789';

const template = JSON.parse(readFileSync(join(__dirname, '../test/fixtures/alerts/common-vm.json'), 'utf8')) as {
  data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> & { extendedInfo: Record<string, unknown> } };
};

/**
 * A distinct Azure Monitor Backup Failure alert per request (new job id, 300 VMs in rotation),
 * fired now, as a storm's alerts are: the fixture's own date is long past, which would send every
 * alert down the path for a sender clock that is wrong. Every field that names the VM names the
 * rotating one (the bot reads the VM from the protected item and the source, not only the linked resource).
 */
function alertBody(n: number): string {
  const vm = `vm-${n % 300}`;
  const vmId = `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${vm}`;
  const context = template.data.alertContext;
  template.data.essentials['firedDateTime'] = new Date().toISOString();
  context.extendedInfo['jobId'] = `bench-${process.pid}-${n}`;
  context['sourceId'] = vmId;
  context['affectedItems'] = vmId;
  context['linkedResourceId'] = vmId;
  context['linkedResourceName'] = vm;
  context['protectedItemId'] = `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/vault-prod-weu/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-app;${vm}/protectedItems/VM;iaasvmcontainerv2;rg-app;${vm}`;
  return JSON.stringify(template);
}

async function startBareEndpoint({ listen, maxBodyBytes }: CompiledBot): Promise<RunningServer> {
  const server = restify.createServer({ name: 'bare', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: maxBodyBytes, mapParams: false }));
  server.post('/api/alerts', (req, res, next) => {
    res.send(202, { status: 'accepted', size: JSON.stringify(req.body).length });
    return next();
  });
  return listen(server, 0, '127.0.0.1');
}

let counter = 0;
async function acceptedPerSecond(url: string): Promise<{ rps: number; errors: number }> {
  const result = await autocannon({
    url: `${url}/api/alerts`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backup-doctor-key': SECRET },
    connections: CONNECTIONS,
    duration: DURATION_S,
    // A fresh body per request (a repeated job id would only measure the duplicate path); both servers get the same generator.
    requests: [{ setupRequest: (req) => ({ ...req, body: alertBody(counter++) }) }],
  });
  return { rps: result.requests.average, errors: result.errors + result.non2xx };
}

export const alertsBench: BenchSuite = async () => {
  const bot = compiledBot();
  const { createApp, parseConfig, createLogger, createServer, listen } = bot;
  const connector = new FlakyConnector();
  const serviceUrl = await connector.start();
  const dir = mkdtempSync(join(tmpdir(), 'backup-doctor-alerts-bench-'));
  const env = { BOT_MODE: 'local', STATE_FILE: join(dir, 'bench.sqlite'), LOG_LEVEL: 'silent', ALERTS_SHARED_SECRET: SECRET, POLL_INTERVAL_MINUTES: '0' };
  const app = createApp(parseConfig(env), { logger: createLogger('silent'), alerts: { startWorkers: false } });
  const doctor = await listen(createServer(app), 0, '127.0.0.1');
  const bare = await startBareEndpoint(bot);
  const figures: BenchFigure[] = [];
  try {
    const measured = await pairedThroughput(ROUNDS, () => acceptedPerSecond(bare.url), () => acceptedPerSecond(doctor.url));
    figures.push({
      name: `alerts accepted/s on /api/alerts (${CONNECTIONS} connections, median of ${ROUNDS} paired rounds${measured.errors > 0 ? `, ${measured.errors} errors` : ''})`,
      unit: 'alerts/s',
      value: Math.round(measured.subject),
      baseline: Math.round(measured.baseline),
      ratio: Number(measured.ratio.toFixed(3)),
      goal: `ratio >= ${GOAL_RATIO} (bare restify JSON endpoint)`,
      met: measured.ratio >= GOAL_RATIO && measured.errors === 0,
    });
  } finally {
    await doctor.close();
    await bare.close();
    await app.close();
  }

  // Latency: a fresh app with its workers, one conversation per vault so Teams' per-conversation limits do not queue the samples.
  const latencyApp = createApp(parseConfig({ ...env, STATE_FILE: join(dir, 'latency.sqlite') }), { logger: createLogger('silent') });
  const server = await listen(createServer(latencyApp), 0, '127.0.0.1');
  try {
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      latencyApp.alerts.sqlite!.subscriptions.add({
        id: `bench-sub-${i}`,
        conversationKey: `bench-conv-${i}`,
        conversationReference: { channelId: 'msteams', serviceUrl, bot: { id: 'backup-doctor', name: 'Backup Doctor' }, conversation: { id: `bench-conv-${i}`, conversationType: 'channel' } },
        scope: { kind: 'vault', vault: `bench-vault-${i}` },
        language: 'en',
        createdAt: new Date(),
      });
    }
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const response = await fetch(`${server.url}/api/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-backup-doctor-key': SECRET },
        body: JSON.stringify({ vault: `bench-vault-${i}`, vm: `vm-${i}`, errorCode: 'UserErrorGuestAgentStatusUnavailable', jobId: `latency-${i}` }),
      });
      const acceptedAt = Date.now();
      await response.text();
      await connector.waitFor(() => connector.of(`bench-conv-${i}`, 'create').length === 1, 10_000);
      samples.push((connector.of(`bench-conv-${i}`, 'create')[0]?.at ?? acceptedAt) - acceptedAt);
    }
    samples.sort((a, b) => a - b);
    const p50 = percentile(samples, 50);
    const p99 = percentile(samples, 99);
    figures.push(
      { name: 'alert accepted -> card posted, p50 (connector stub)', unit: 'ms', value: p50, baseline: null, ratio: null, goal: 'p50 < 100 ms', met: p50 < 100 },
      { name: 'alert accepted -> card posted, p99 (connector stub)', unit: 'ms', value: p99, baseline: null, ratio: null, goal: 'p99 < 1000 ms', met: p99 < 1000 },
    );
  } finally {
    await server.close();
    await latencyApp.close();
    await connector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
};

if (require.main === module) {
  alertsBench()
    .then((figures) => console.table(figures))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
