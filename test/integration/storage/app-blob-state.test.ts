import { Writable } from 'node:stream';
import { parseConfig } from '../../../src/config';
import type { BackupJob } from '../../../src/core/azure-port';
import { createLogger } from '../../../src/logger';
import { BlobAuditLog } from '../../../src/storage/blob-audit-log';
import { createStateContainerClient } from '../../../src/storage/blob-container';
import { BlobSessionStore } from '../../../src/storage/blob-session-store';
import { ConnectorStub, cardActions, cardOf } from '../../helpers/connector-stub';
import { executeInvoke, message } from '../../helpers/activities';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { alice, RecordingAzure, vm } from '../../unit/remediation/fixtures';
import { uniqueContainerName, uniqueTablePrefix, useAzuriteAccount } from './azurite';

/**
 * STATE_STORE=blob end to end: the real app, the real CloudAdapter over HTTP, Azurite for
 * Blob Storage. Each bot instance gets its own SQLite file, as separate machines would, so
 * whatever works across them went through Blob Storage.
 */

const account = useAzuriteAccount();
/** Each container's instances share their tables too; other tests' tables are another prefix. */
const tablePrefixes = new Map<string, string>();
let stub: ConnectorStub;
let serviceUrl: string;
const files: ReturnType<typeof tempStateFile>[] = [];
const bots: TestBot[] = [];

beforeAll(async () => {
  stub = new ConnectorStub();
  serviceUrl = await stub.start();
}, 60_000);

afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.stop().catch(() => undefined);
  for (const file of files.splice(0)) file.cleanup();
});

afterAll(async () => {
  await stub.stop();
});

/** Every text in a card (TextBlock or rich-text run), whichever way the renderer writes it. */
function cardText(card: unknown): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (key === 'text' && typeof value === 'string') texts.push(value);
        else if (key !== 'fallback') walk(value);
      }
    }
  };
  walk(card);
  return texts.join('\n');
}

function blobEnv(container: string, extra: Record<string, string> = {}): Record<string, string> {
  if (!tablePrefixes.has(container)) tablePrefixes.set(container, uniqueTablePrefix('app'));
  return { STATE_STORE: 'blob', STATE_BLOB_CONNECTION_STRING: account()?.connectionString ?? '', STATE_BLOB_CONTAINER: container, STATE_TABLE_PREFIX: tablePrefixes.get(container) ?? '', ...extra };
}

/** A bot instance on its own machine: its own SQLite file, the shared container. */
async function instance(container: string, extra: Record<string, string> = {}, overrides: Parameters<typeof startTestBot>[2] = {}): Promise<TestBot> {
  const file = tempStateFile();
  files.push(file);
  const bot = await startTestBot(file.file, blobEnv(container, extra), overrides);
  bots.push(bot);
  return bot;
}

test('a troubleshooting card sent by one instance keeps working on another instance after a restart, and the same press on two live instances steps once', async () => {
  const container = uniqueContainerName('app');
  const first = await instance(container);
  expect(first.app.sessions).toBeInstanceOf(BlobSessionStore);
  stub.clear();
  await first.post(message('UserErrorGuestAgentStatusUnavailable', { serviceUrl }));
  const sent = (await stub.waitFor((c) => c.length === 1))[0];
  const next = cardActions(cardOf(sent)).find((a) => a.title === 'Next');
  expect(next).toBeDefined();
  await first.stop();
  bots.splice(bots.indexOf(first), 1);

  // A different machine (another SQLite file): the session can only have come from Blob Storage.
  const second = await instance(container);
  stub.clear();
  const response = await second.post(executeInvoke(next?.verb as string, next?.data, sent?.createdId, { serviceUrl }));
  expect(response.status).toBe(200);
  expect(cardText((response.body as { value: unknown }).value)).toContain('Cause 2 of');

  // Two instances up at once, each pressed with the card at cause 2: the session moves once, whichever
  // instance lost the race answers with where it stands (the check is inside the blob's compare-and-swap).
  const current = cardActions((response.body as { value: unknown }).value).find((a) => a.title === 'Next');
  const third = await instance(container);
  const [a, b] = await Promise.all([
    second.post(executeInvoke(current?.verb as string, current?.data, sent?.createdId, { serviceUrl })),
    third.post(executeInvoke(current?.verb as string, current?.data, sent?.createdId, { serviceUrl })),
  ]);
  expect([a.status, b.status]).toEqual([200, 200]);
  const texts = [a, b].map((r) => cardText((r.body as { value: unknown }).value));
  expect(texts.every((t) => t.includes('Cause 3 of'))).toBe(true);

  // Presses that carry no cause (cards made before buttons carried one) both land: the CAS retries on the latest version.
  const legacy = { v: 1, sessionId: (current?.data as { sessionId: string }).sessionId };
  const [c, d] = await Promise.all([
    second.post(executeInvoke(current?.verb as string, legacy, sent?.createdId, { serviceUrl })),
    third.post(executeInvoke(current?.verb as string, legacy, sent?.createdId, { serviceUrl })),
  ]);
  const legacyTexts = [c, d].map((r) => cardText((r.body as { value: unknown }).value));
  // Started at cause 3, two presses of Next: whichever answered last shows cause 5.
  expect(legacyTexts.filter((t) => t.includes('Cause 5 of'))).toHaveLength(1);
  expect(legacyTexts.filter((t) => t.includes('Cause 4 of'))).toHaveLength(1);
});

/** Counts job polls: only the instance holding the lease may run the poller. */
class PollCountingAzure extends RecordingAzure {
  polls = 0;
  override async listFailedBackupJobs(): Promise<BackupJob[]> {
    this.polls += 1;
    return [];
  }
}

test('only the lease holder runs the job poller; when it shuts down another instance takes over', async () => {
  const container = uniqueContainerName('poller');
  const env = { WATCHED_VAULTS: '11111111-1111-1111-1111-111111111111/rg-backup/vault-prod', POLL_INTERVAL_MINUTES: '1' };
  const lease = { blobState: { lease: { acquireIntervalMs: 100, renewIntervalMs: 1_000 } } };
  const azureA = new PollCountingAzure();
  const azureB = new PollCountingAzure();
  const a = await instance(container, env, { azure: azureA, ...lease });
  const b = await instance(container, env, { azure: azureB, ...lease });
  const wait = async (condition: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await wait(() => azureA.polls + azureB.polls > 0);
  await new Promise((r) => setTimeout(r, 500));
  const [leader, leaderAzure, follower, followerAzure] = azureA.polls > 0 ? [a, azureA, b, azureB] : [b, azureB, a, azureA];
  expect(followerAzure.polls).toBe(0);
  expect(leader.app.blobState?.pollerLease.isLeader()).toBe(true);
  expect(follower.app.blobState?.pollerLease.isLeader()).toBe(false);

  await leader.stop();
  bots.splice(bots.indexOf(leader), 1);
  const pollsBefore = leaderAzure.polls;
  await wait(() => followerAzure.polls > 0);
  expect(follower.app.blobState?.pollerLease.isLeader()).toBe(true);
  expect(leaderAzure.polls).toBe(pollsBefore);
});

test('fix audit entries written by one instance are exported by another through GET /api/audit, oldest first', async () => {
  const container = uniqueContainerName('audit');
  const key = 'audit-key-0123456789abcdef';
  const a = await instance(container, { AUDIT_API_KEY: key }, { azure: new RecordingAzure() });
  const b = await instance(container, { AUDIT_API_KEY: key }, { azure: new RecordingAzure() });
  expect(a.app.remediation?.audit).toBeInstanceOf(BlobAuditLog);
  for (let i = 0; i < 3; i++) {
    await a.app.remediation?.audit.append({ id: `e${i}`, at: `2026-03-01T10:0${i}:00.000Z`, correlationId: 'c', action: 'fix.requested', outcome: 'ok', actor: alice, target: vm, detail: `entry ${i}` });
  }
  const response = await fetch(`${b.running.url}/api/audit?since=2026-03-01T10:01:00Z`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/x-ndjson');
  const lines = (await response.text()).trim().split('\n').map((l) => JSON.parse(l) as { id: string });
  expect(lines.map((l) => l.id)).toEqual(['e1', 'e2']);
  expect((await b.app.remediation?.audit.list({ vm: 'VM-WEB-01', limit: 1 }))?.map((e) => e.id)).toEqual(['e2']);
});

test('with the default SQLite store the same export still works (GET /api/audit reads either kind of log)', async () => {
  const key = 'audit-key-0123456789abcdef';
  const file = tempStateFile();
  files.push(file);
  const bot = await startTestBot(file.file, { AUDIT_API_KEY: key }, { azure: new RecordingAzure() });
  bots.push(bot);
  expect(bot.app.blobState).toBeUndefined();
  for (let i = 0; i < 2; i++) {
    await bot.app.remediation?.audit.append({ id: `s${i}`, at: `2026-03-01T10:0${i}:00.000Z`, correlationId: 'c', action: 'fix.requested', outcome: 'ok', actor: alice, target: vm, detail: `entry ${i}` });
  }
  const response = await fetch(`${bot.running.url}/api/audit?since=2026-03-01T10:01:00Z`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  expect((await response.text()).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['s1']);
});

describe('blob state settings', () => {
  test('STATE_STORE=blob needs an account URL or a connection string; the container name is checked; sqlite is the default', () => {
    expect(parseConfig({ BOT_MODE: 'local' }).state).toEqual({ store: 'sqlite', blobAccountUrl: undefined, blobContainer: 'bot-state', blobConnectionString: undefined, tableAccountUrl: undefined, tablePrefix: 'backupdoctor', leaseSeconds: 60 });
    expect(() => parseConfig({ BOT_MODE: 'local', STATE_STORE: 'blob' })).toThrow(/STATE_BLOB_ACCOUNT_URL/);
    expect(() => parseConfig({ BOT_MODE: 'local', STATE_STORE: 'blob', STATE_BLOB_ACCOUNT_URL: 'https://acct.blob.core.windows.net/', STATE_BLOB_CONTAINER: 'Bad_Name' })).toThrow(/STATE_BLOB_CONTAINER/);
    expect(() => parseConfig({ BOT_MODE: 'local', STATE_STORE: 'cosmos' })).toThrow(/STATE_STORE/);
    // A blob lease lasts 15 to 60 seconds: anything else is refused at start-up, not at the first acquire.
    expect(parseConfig({ BOT_MODE: 'local', STATE_LEASE_SECONDS: '15' }).state.leaseSeconds).toBe(15);
    expect(() => parseConfig({ BOT_MODE: 'local', STATE_LEASE_SECONDS: '10' })).toThrow(/STATE_LEASE_SECONDS/);
    expect(() => parseConfig({ BOT_MODE: 'local', STATE_LEASE_SECONDS: '90' })).toThrow(/STATE_LEASE_SECONDS/);
    expect(parseConfig({ BOT_MODE: 'local', STATE_STORE: 'blob', STATE_BLOB_ACCOUNT_URL: 'https://acct.blob.core.windows.net/' }).state).toMatchObject({ store: 'blob', blobAccountUrl: 'https://acct.blob.core.windows.net/', blobContainer: 'bot-state' });
  });

  test('production signs in with a token credential on the account URL (shared keys can stay disabled); Azurite uses its connection string', () => {
    const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };
    const production = createStateContainerClient({ accountUrl: 'https://acct.blob.core.windows.net/', container: 'bot-state' }, credential);
    expect(production.url).toBe('https://acct.blob.core.windows.net/bot-state');
    expect(production.credential).toBe(credential);
    const local = createStateContainerClient({ connectionString: account()?.connectionString ?? '', accountUrl: 'https://ignored.example/', container: 'c1' });
    expect(local.url).toBe(`http://127.0.0.1:${account()?.blobPort ?? 0}/devstoreaccount1/c1`);
    expect(() => createStateContainerClient({ container: 'bot-state' })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });

  test('the connection string never reaches the log', () => {
    let written = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        written += String(chunk);
        done();
      },
    });
    const config = parseConfig({ BOT_MODE: 'local', STATE_STORE: 'blob', STATE_BLOB_CONNECTION_STRING: 'AccountName=x;AccountKey=very-secret-key' });
    createLogger('info', sink).info({ config }, 'started');
    expect(written).toContain('[redacted]');
    expect(written).not.toContain('very-secret-key');
  });
});
