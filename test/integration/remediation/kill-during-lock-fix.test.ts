import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startArmSimulator, type ArmSimulator } from '../../../dev/arm-simulator/server';
import { executeInvoke } from '../../helpers/activities';
import { cardOf, cardText, ConnectorStub } from '../../helpers/connector-stub';
import { startTestBot } from '../../helpers/test-app';
import { alexAad, meganAad, remediationPolicy, remediationScenario, SUB } from './remediation-scenario';

/**
 * The lock fix's worst moment: the resource-group lock is off and the collection delete is on
 * its way when the bot is killed with SIGKILL. The restarted bot (a real process on the same
 * SQLite file) must find the identical lock back in Azure, and say where it put it.
 */

const repoRoot = join(__dirname, '..', '..', '..');
const alex = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: alexAad };
const megan = { id: 'user-id-1', name: 'Megan Bowen', aadObjectId: meganAad };
const CONV = '19:ops@thread.tacv2';
const LOCK = { name: 'keep-backups', level: 'CanNotDelete', notes: 'Change board CB-1234: do not remove' };
const LOCK_RG = 'AzureBackupRG_westeurope_1';
const AUDIT_KEY = 'audit-key-0123456789abcdef';

interface BotProcess {
  readonly child: ChildProcess;
  readonly url: string;
}

let sim: ArmSimulator;
let connector: ConnectorStub;
let serviceUrl: string;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sim = await startArmSimulator({ scenario: remediationScenario });
  connector = new ConnectorStub();
  serviceUrl = await connector.start();
  dir = mkdtempSync(join(tmpdir(), 'backup-doctor-kill-'));
  writeFileSync(join(dir, 'ca.pem'), sim.caPem);
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(remediationPolicy()));
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await connector.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({
  BOT_MODE: 'local',
  PORT: '0',
  LOG_LEVEL: 'info',
  STATE_FILE: join(dir, 'state.sqlite'),
  AZURE_ENDPOINT: sim.endpoint,
  AZURE_CA_FILE: join(dir, 'ca.pem'),
  AZURE_SUBSCRIPTION_IDS: SUB,
  FIX_POLICY_FILE: join(dir, 'policy.json'),
  FIX_HEARTBEAT_SECONDS: '0.4',
  FIX_SWEEP_SECONDS: '1',
  FIX_VERIFY_POLL_SECONDS: '0.05',
  POLL_INTERVAL_MINUTES: '0',
  AUDIT_API_KEY: AUDIT_KEY,
});

/** The production entry point in a process of its own (node with tsx's loader: one process, so SIGKILL kills the bot). */
async function startBot(): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'main.ts')], { cwd: repoRoot, env: { PATH: process.env['PATH'] ?? '', ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot did not start: ${stderr}`)), 20_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg?.includes('listening') && entry.port) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${entry.port}`);
        }
      } catch {
        // Not a log line.
      }
    });
    child.on('exit', (code) => reject(new Error(`the bot exited with ${code}: ${stderr}`)));
  });
  return { child, url };
}

async function press(bot: BotProcess, verb: string, data: Record<string, unknown>, from: typeof alex, replyToId: string): Promise<unknown> {
  const response = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(executeInvoke(verb, data, replyToId, { serviceUrl, from, conversationId: CONV, conversationType: 'channel' })),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { value: unknown }).value;
}

async function eventually<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const locksInGroup = () => sim.state.locks.filter((l) => l.scope.toLowerCase().endsWith(`/resourcegroups/${LOCK_RG.toLowerCase()}`)).map((l) => ({ name: l.name, level: l.level, notes: l.notes }));

test('SIGKILL between "lock removed" and "collection deleted": after the restart the identical lock is back, audited, and the card names its resource group', async () => {
  // A troubleshooting session on win-rp at the lock cause, as a card would have started it.
  const seeding = await startTestBot(join(dir, 'state.sqlite'), { FIX_POLICY_FILE: join(dir, 'policy.json') }, { alerts: { startWorkers: false } });
  let session = await seeding.app.troubleshoot.start({ codeId: 'UserErrorRpCollectionLimitReached', language: 'en', conversationId: CONV, createdBy: alexAad, target: { vm: 'win-rp' } });
  session = await seeding.app.troubleshoot.attachActivity(session, 'msg-session');
  await seeding.stop();

  const first = await startBot();
  const data = { v: 1, sessionId: session.id, fixId: 'clear-restore-points-behind-lock' };
  await press(first, 'fix.plan', data, alex, 'msg-session');
  const messageId = (await connector.waitFor((c) => c.some((x) => x.kind === 'send' || x.kind === 'reply'))).find((x) => x.kind === 'send' || x.kind === 'reply')?.createdId ?? '';
  const requested = (await press(first, 'fix.request', data, alex, messageId)) as { actions?: { verb: string; data: { requestId?: string } }[] };
  const requestId = requested.actions?.find((a) => a.verb === 'fix.approve')?.data.requestId ?? '';
  expect(requestId).not.toBe('');

  const hold = sim.faults.hold(/restorePointCollections\//i, { method: 'DELETE' });
  expect(locksInGroup()).toEqual([LOCK]);
  await press(first, 'fix.approve', { v: 1, requestId }, megan, messageId);
  // The lock is off and the delete of the collection is in flight: kill the bot here.
  await eventually(() => hold.held, (n) => n === 1, 'the collection delete');
  expect(locksInGroup()).toEqual([]);
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  hold.release();

  connector.clear();
  const second = await startBot();
  // The restarted bot finds the run silent, puts the lock back as it was, and ends the request.
  expect(await eventually(locksInGroup, (locks) => locks.length === 1, 'the lock back')).toEqual([LOCK]);
  const audit = await eventually(
    async () => {
      const response = await fetch(`${second.url}/api/audit`, { headers: { authorization: `Bearer ${AUDIT_KEY}` } });
      return (await response.text()).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; requestId?: string; detail: string });
    },
    (entries) => entries.some((e) => e.action === 'fix.interrupted' && e.requestId === requestId),
    'the interrupted run in the audit',
  );
  const restored = audit.find((e) => e.action === 'fix.lock-restored' && e.requestId === requestId);
  expect(restored?.detail).toContain(`keep-backups (CanNotDelete, notes "Change board CB-1234: do not remove") on resource group ${LOCK_RG}`);
  // Never run again: one lock removal in all, one put back by the recovery.
  expect(sim.requests.filter((r) => r.method === 'DELETE' && /locks\//i.test(r.path))).toHaveLength(1);
  const card = await connector.waitFor((c) => c.some((x) => x.kind === 'update' && x.activityId === messageId && cardText(cardOf(x)).includes('Interrupted')), 10_000);
  const text = cardText(cardOf(card.find((x) => x.kind === 'update' && x.activityId === messageId && cardText(cardOf(x)).includes('Interrupted'))));
  expect(text).toContain(`on resource group ${LOCK_RG}`);
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
}, 90_000);
