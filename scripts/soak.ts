import Database from 'better-sqlite3';
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startArmSimulator } from '../dev/arm-simulator/server';
import { ConnectorStub, type CapturedCall } from '../test/helpers/connector-stub';
import { median } from '../bench/bench-figure';
import type { SoakCommand, SoakSample } from './soak-bot';

/**
 * `npm run soak`: the bot (scripts/soak-bot.ts, a process of its own) under a steady load for
 * about ten minutes, loopback only: 100,000 alerts to /api/alerts and 10,000 message turns
 * through /api/messages (the real CloudAdapter; every fifth question is followed by a press of
 * "Run checks", which runs the checks through the real SDK clients against the ARM simulator).
 * Alert cards go to a connector stub. Prints RSS and event-loop delay over time, alerts accepted
 * against alerts delivered, and errors, each against its goal; exits 1 when a goal is missed.
 * `--minutes 1` (or SOAK_MINUTES=1) runs a shorter soak with the load scaled down alike.
 */
const { values: args } = parseArgs({ options: { minutes: { type: 'string' } } });
const minutes = Number(args.minutes ?? process.env['SOAK_MINUTES'] ?? 10);
if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 60) throw new Error(`--minutes must be a number of minutes in (0, 60], got ${String(args.minutes ?? process.env['SOAK_MINUTES'])}`);

const DURATION_MS = minutes * 60_000;
const ALERTS = Math.round(10_000 * minutes);
const TURNS = Math.round(1_000 * minutes);
const ALERT_CONNECTIONS = 8;
const TURN_CONNECTIONS = 4;
const CHECKS_EVERY = 5;
const VAULTS = 10;
/** Personal chats the questions come from (lanes never share one at a time). */
const CONVERSATIONS = 200;
const VMS_PER_VAULT = 300;
/**
 * RSS and event-loop delay before this share of the run are the warm-up and not judged: V8 grows
 * its old space for the first few minutes of a steady load before its collections settle.
 */
const WARM_UP_SHARE = 1 / 3;

const SAMPLE_EVERY_MS = Math.max(1_000, Math.min(10_000, DURATION_MS / 60));
const DRAIN_LIMIT_MS = 120_000;
const TURN_TIMEOUT_MS = 30_000;
const SECRET = 'soak-alerts-secret-0123456789abcdef';
const GOALS = { rssGrowth: 0.1, eventLoopP99Ms: 50 };
const VMS = ['vm-sql01', 'vm-web01', 'vm-app02', 'vm-linux01', 'vm-linux02', 'vm-files01'];

const template = readFileSync(join(__dirname, '../test/fixtures/alerts/common-vm.json'), 'utf8');

/** A distinct Azure Monitor Backup Failure alert: its own job and alert id, one of VAULTS vaults, one of their VMs, fired now. */
function alertBody(n: number): string {
  const vault = `vault-soak-${n % VAULTS}`;
  const vm = `vm-soak-${Math.floor(n / VAULTS) % VMS_PER_VAULT}`;
  const alert = JSON.parse(template.replaceAll('vault-prod-weu', vault).replaceAll('app-vm-01', vm)) as {
    data: { essentials: Record<string, unknown>; alertContext: { extendedInfo: Record<string, unknown> } };
  };
  alert.data.essentials['alertId'] = `/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.AlertsManagement/alerts/soak-${process.pid}-${n}`;
  alert.data.essentials['firedDateTime'] = new Date().toISOString();
  alert.data.alertContext.extendedInfo['jobId'] = `soak-${process.pid}-${n}`;
  return JSON.stringify(alert);
}

interface Tally {
  alertsSent: number;
  alertsAccepted: number;
  alertErrors: number;
  turns: number;
  checksRuns: number;
  turnErrors: number;
  firstErrors: string[];
}

const tally: Tally = { alertsSent: 0, alertsAccepted: 0, alertErrors: 0, turns: 0, checksRuns: 0, turnErrors: 0, firstErrors: [] };

function noteError(kind: 'alert' | 'turn', detail: string): void {
  if (kind === 'alert') tally.alertErrors += 1;
  else tally.turnErrors += 1;
  if (tally.firstErrors.length < 10) tally.firstErrors.push(`${kind}: ${detail}`);
}

/** Runs `count` jobs spread evenly over the duration on `connections` parallel lanes (closed loop, paced). */
async function paced(count: number, connections: number, started: number, job: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const n = next++;
      const due = started + (n * DURATION_MS) / count;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await job(n);
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
}

async function postAlert(botUrl: string, n: number): Promise<void> {
  tally.alertsSent += 1;
  try {
    const response = await fetch(`${botUrl}/api/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-backup-doctor-key': SECRET },
      body: alertBody(n),
      signal: AbortSignal.timeout(TURN_TIMEOUT_MS),
    });
    const body = (await response.json()) as { status?: string };
    if (response.status === 202 && (body.status === 'grouped' || body.status === 'pending')) tally.alertsAccepted += 1;
    else noteError('alert', `${response.status} ${JSON.stringify(body)}`);
  } catch (error) {
    noteError('alert', (error as Error).message);
  }
}

let activityCount = 0;

function activity(serviceUrl: string, conversationId: string, extra: Record<string, unknown>): string {
  return JSON.stringify({
    // Unique like Teams' own ids: the bot runs a press it has seen before (the same id) only once.
    id: `soak-${conversationId}-${++activityCount}`,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    locale: 'en-US',
    from: { id: '29:soak', name: 'Soak', aadObjectId: '00000000-0000-0000-0000-00000000504b' },
    recipient: { id: '28:backup-doctor', name: 'Backup Doctor' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: 'tenant-1' },
    channelData: { tenant: { id: 'tenant-1' } },
    ...extra,
  });
}

/** Every Action.Execute of a card (fallbacks skipped). */
function executes(node: unknown): { title: string; verb: string; data: unknown }[] {
  if (Array.isArray(node)) return node.flatMap(executes);
  if (node === null || typeof node !== 'object') return [];
  const r = node as Record<string, unknown>;
  const own = r['type'] === 'Action.Execute' ? [{ title: String(r['title']), verb: String(r['verb']), data: r['data'] }] : [];
  return [...own, ...Object.entries(r).flatMap(([k, v]) => (k === 'fallback' ? [] : executes(v)))];
}

async function postActivity(botUrl: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${botUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(TURN_TIMEOUT_MS) });
  return { status: response.status, text: await response.text() };
}

/**
 * One question (a new troubleshooting session, identified and looked up in Azure) from one of
 * CONVERSATIONS users; every CHECKS_EVERY-th question is followed by a "Run checks" press on its card.
 */
async function turn(botUrl: string, serviceUrl: string, stub: ConnectorStub, n: number): Promise<number> {
  const conversationId = `soak-user-${n % CONVERSATIONS}`;
  const vm = VMS[n % VMS.length] as string;
  const asked = await postActivity(botUrl, activity(serviceUrl, conversationId, { type: 'message', text: `why did the backup of ${vm} fail?` }));
  if (asked.status !== 200) throw new Error(`question answered ${asked.status}: ${asked.text.slice(0, 200)}`);
  if (n % CHECKS_EVERY !== 0) return 1;
  const isCard = (c: CapturedCall): boolean => c.conversationId === conversationId && c.kind !== 'update';
  // The answer's card reached the connector before the turn's 200, so the newest card of the conversation is this one.
  const sent = stub.calls.findLast(isCard);
  const run = executes(sent?.activity).find((a) => a.title === 'Run checks');
  if (run === undefined) throw new Error(`no "Run checks" on the card for ${vm}`);
  const pressed = await postActivity(botUrl, activity(serviceUrl, conversationId, { type: 'invoke', name: 'adaptiveCard/action', replyToId: sent?.createdId, value: { action: { type: 'Action.Execute', verb: run.verb, data: run.data }, trigger: 'manual' } }));
  if (pressed.status !== 200 || !pressed.text.includes('Check results')) throw new Error(`Run checks answered ${pressed.status}: ${pressed.text.slice(0, 200)}`);
  tally.checksRuns += 1;
  return 2;
}

function startBot(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(join(__dirname, 'soak-bot.ts'), { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bot process exited with ${String(code)} before listening`)));
    child.on('message', (message: { url?: string }) => {
      if (message.url !== undefined) resolve({ child, url: message.url });
    });
  });
}

function ask(child: ChildProcess, command: SoakCommand): void {
  child.send(command);
}

function sample(child: ChildProcess): Promise<SoakSample> {
  return new Promise((resolve) => {
    const onMessage = (message: { sample?: SoakSample }): void => {
      if (message.sample === undefined) return;
      child.off('message', onMessage);
      resolve(message.sample);
    };
    child.on('message', onMessage);
    ask(child, 'sample');
  });
}

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'backup-doctor-soak-'));
  const stateFile = join(dir, 'soak.sqlite');
  const sim = await startArmSimulator({ scenario: join(__dirname, '../scenarios/default.json'), settings: { jobCompletionDelayMs: 0 } });
  const stub = new ConnectorStub();
  const serviceUrl = await stub.start();
  const { child, url } = await startBot({
    SOAK_STATE_FILE: stateFile,
    SOAK_ARM_ENDPOINT: sim.endpoint,
    SOAK_ARM_CA: sim.caPem,
    SOAK_SECRET: SECRET,
    SOAK_SERVICE_URL: serviceUrl,
    SOAK_VAULTS: String(VAULTS),
  });
  const crashed = new Promise<never>((_resolve, reject) => child.once('exit', (code) => reject(new Error(`the bot process exited with ${String(code)} during the soak`))));
  process.stdout.write(`soak: ${minutes} min, ${ALERTS} alerts (${ALERT_CONNECTIONS} connections), ${TURNS} turns (${TURN_CONNECTIONS} connections, "Run checks" after every ${CHECKS_EVERY}th question), bot pid ${String(child.pid)}\n`);

  const samples: (SoakSample & { atMs: number })[] = [];
  const started = Date.now();
  let warm = false;
  const sampler = setInterval(() => {
    void sample(child).then((s) => {
      const atMs = Date.now() - started;
      samples.push({ ...s, atMs });
      if (!warm && atMs >= DURATION_MS * WARM_UP_SHARE) {
        warm = true;
        ask(child, 'warm');
      }
      process.stdout.write(
        `${String(Math.round(atMs / 1000)).padStart(5)} s  rss ${mb(s.rssBytes)} MB  heap ${mb(s.heapUsedBytes)} MB  loop p99 ${s.intervalP99Ms} ms  alerts ${tally.alertsAccepted}/${tally.alertsSent}  turns ${tally.turns} (checks ${tally.checksRuns})  errors ${tally.alertErrors + tally.turnErrors + s.errorLogs}${warm ? '' : '  (warm-up)'}\n`,
      );
    });
  }, SAMPLE_EVERY_MS);

  // Bounded: the bot's own watchdog is the parent; a hung run ends here rather than holding the machine.
  const hardStop = setTimeout(() => {
    console.error('soak: over its time bound; stopping');
    child.kill('SIGKILL');
    process.exit(2);
  }, DURATION_MS * 2 + DRAIN_LIMIT_MS + 60_000);
  hardStop.unref();

  // Every incident card the bot posted (the turns' conversations aside), counted as the stub answers:
  // one post per incident and channel, or a card was posted twice.
  const incidentPosts = new Set<string>();
  let incidentPostCount = 0;
  stub.onCall = (call) => {
    if (call.kind !== 'send' || call.conversationId.startsWith('soak-user-')) return;
    incidentPostCount += 1;
    if (call.createdId) incidentPosts.add(call.createdId);
  };
  const turnsLoad = paced(Math.ceil(TURNS / (1 + 1 / CHECKS_EVERY)), TURN_CONNECTIONS, started, async (n) => {
    try {
      const made = await turn(url, serviceUrl, stub, n);
      tally.turns += made;
    } catch (error) {
      noteError('turn', (error as Error).message);
    }
    // The stub keeps what it captured; only the newest matter to the next press.
    if (stub.calls.length > 2_000) stub.calls.splice(0, stub.calls.length - 200);
  });
  await Promise.race([Promise.all([paced(ALERTS, ALERT_CONNECTIONS, started, (n) => postAlert(url, n)), turnsLoad]), crashed]);
  const loadEndedMs = Date.now() - started;

  // Let the delivery worker finish: every incident's card at its latest revision.
  const db = new Database(stateFile, { readonly: true, fileMustExist: true });
  const undelivered = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox_entry WHERE delivered_revision < wanted_revision OR status <> 'delivered'");
  const drainStarted = Date.now();
  while ((undelivered.get()?.n ?? 0) > 0 && Date.now() - drainStarted < DRAIN_LIMIT_MS) await new Promise((resolve) => setTimeout(resolve, 500));
  clearInterval(sampler);
  const last = await sample(child);
  samples.push({ ...last, atMs: Date.now() - started });

  const stored = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM incidents_inbox').get()?.n ?? 0;
  // An alert is delivered when its incident's card reached every subscribed channel at the incident's latest revision.
  const delivered =
    db
      .prepare<[], { n: number }>(
        `SELECT COUNT(*) AS n FROM incidents_inbox i WHERE i.incident_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM outbox_entry o WHERE o.incident_id = i.incident_id)
           AND NOT EXISTS (SELECT 1 FROM outbox_entry o WHERE o.incident_id = i.incident_id AND (o.delivered_revision < o.wanted_revision OR o.status <> 'delivered'))`,
      )
      .get()?.n ?? 0;
  const failedDeliveries = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox_entry WHERE status = 'failed'").get()?.n ?? 0;
  const cardIds = db.prepare<[], { activity_id: string | null }>('SELECT activity_id FROM outbox_entry').all();
  const recordedPosted = cardIds.filter((row) => row.activity_id !== null && incidentPosts.has(row.activity_id)).length;
  db.close();

  ask(child, 'stop');
  await new Promise((resolve) => child.once('exit', resolve));
  await stub.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });

  const judged = samples.filter((s) => s.atMs >= DURATION_MS * WARM_UP_SHARE && s.atMs <= loadEndedMs);
  // RSS saws up and down with each major collection: compare the medians of the first and last quarter, not two points.
  const windowSize = Math.max(1, Math.round(judged.length / 4));
  const rssAfterWarmUp = median(judged.slice(0, windowSize).map((s) => s.rssBytes));
  const rssAtEnd = median(judged.slice(-windowSize).map((s) => s.rssBytes));
  const growth = (rssAtEnd - rssAfterWarmUp) / rssAfterWarmUp;
  const errors = tally.alertErrors + tally.turnErrors + last.errorLogs + failedDeliveries;
  const rows = [
    { figure: 'RSS growth after warm-up', value: `${(growth * 100).toFixed(1)} % (median ${mb(rssAfterWarmUp)} -> ${mb(rssAtEnd)} MB, peak ${mb(Math.max(...judged.map((s) => s.rssBytes)))} MB)`, goal: `< ${GOALS.rssGrowth * 100} %`, met: growth < GOALS.rssGrowth },
    { figure: 'event-loop delay p99 (bot, after warm-up)', value: `${last.runP99Ms} ms (max ${last.runMaxMs} ms)`, goal: `< ${GOALS.eventLoopP99Ms} ms`, met: last.runP99Ms < GOALS.eventLoopP99Ms },
    { figure: 'alerts delivered / accepted', value: `${delivered} / ${tally.alertsAccepted} (stored ${stored}, sent ${tally.alertsSent})`, goal: 'delivered = accepted', met: delivered === tally.alertsAccepted && stored === tally.alertsAccepted },
    {
      figure: 'incident cards posted (at the connector) / incident-channel pairs',
      value: `${incidentPostCount} / ${cardIds.length} (${recordedPosted} recorded with the id the connector gave)`,
      goal: 'one post each',
      met: incidentPostCount === cardIds.length && recordedPosted === cardIds.length,
    },
    { figure: 'message turns', value: `${tally.turns} (${tally.checksRuns} Run checks)`, goal: `${TURNS}`, met: tally.turns >= TURNS },
    { figure: 'errors', value: `${errors} (alerts ${tally.alertErrors}, turns ${tally.turnErrors}, logged ${last.errorLogs}, failed deliveries ${failedDeliveries})`, goal: '0', met: errors === 0 },
  ];
  console.table(rows.map((r) => ({ ...r, met: r.met ? 'yes' : 'NO' })));
  if (tally.firstErrors.length > 0) process.stdout.write(`first errors:\n  ${tally.firstErrors.join('\n  ')}\n`);
  if (rows.some((r) => !r.met)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
