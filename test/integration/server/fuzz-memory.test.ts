import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { type ArmSimulator, startArmSimulator } from '../../../dev/arm-simulator/server';
import { message } from '../../helpers/activities';
import { ConnectorStub } from '../../helpers/connector-stub';
import { hostileText } from '../../unit/properties/arbitraries';
import { fixture } from '../alerts/alert-test-kit';
import { remediationPolicy, remediationScenario, SUB } from '../remediation/remediation-scenario';
import { FakeSlackApi } from '../slack/fake-slack-api';
import { botToken, eventBody, rawFixture, sign, signingSecret } from '../slack/slack-test-kit';
import { type BotProcess, startBotProcess } from '../storage/bot-processes';

/**
 * After the HTTP fuzz (10 MB bodies declared and chunked, 100,000-level nesting, compressed bodies
 * and a gzip bomb, malformed JSON, wrong content types, hostile text, hostile audit queries), the
 * server's memory returns to where it was. The production entry runs in a child process of its own
 * (so nothing of the test's client is counted), started with --expose-gc: before each reading it
 * collects all garbage, and the reading is the V8 heap in use plus the Buffers' bytes held
 * outside it (RSS is not: the allocator keeps freed pages). The same round of requests is sent three times. The first warms up (code
 * compiled, modules loaded, each bounded cache filled); a request that leaves anything behind then
 * shows as growth from the end of the first round to the end of the third.
 */
const alertKey = 'fuzz-memory-alerts-0123456789';
const auditKey = 'fuzz-memory-audit-0123456789';

/**
 * Heap growth allowed from the end of the first round to the end of the third. What a collection
 * leaves varies by a few hundred KB (compiled code, V8's and the libraries' own caches, filling up
 * to their bounds): about 0.5 MB here. Keeping every body read would add more than 3 MB per
 * round (bodiesReadPerRound), over 6 MB in the two measured.
 */
const allowedGrowthBytes = 2 * 1024 * 1024;
/**
 * How far above the heap before the run it may end: the first round compiles code and loads the
 * modules it reaches (about 3-4 MB here). Each round is sent 60 MB of 10 MB bodies and 0.2 MB of
 * gzip bombs that would inflate to 192 MB, and the server reads about 3 MB of bodies to the end.
 */
const allowedWarmUpBytes = 10 * 1024 * 1024;

let sim: ArmSimulator;
let dir: string;
const slackApi = new FakeSlackApi();
const connector = new ConnectorStub();
let bot: BotProcess;
let serviceUrl = '';

beforeAll(async () => {
  sim = await startArmSimulator({ scenario: remediationScenario });
  serviceUrl = await connector.start();
  const slackUrl = await slackApi.start();
  dir = mkdtempSync(join(tmpdir(), 'backup-doctor-memory-'));
  writeFileSync(join(dir, 'ca.pem'), sim.caPem);
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(remediationPolicy()));
  bot = await startBotProcess(
    'fuzzed',
    {
      BOT_MODE: 'local',
      // Info: the test waits for the "listening" line.
      LOG_LEVEL: 'info',
      STATE_FILE: join(dir, 'state.sqlite'),
      ALERTS_SHARED_SECRET: alertKey,
      AUDIT_API_KEY: auditKey,
      AZURE_ENDPOINT: sim.endpoint,
      AZURE_CA_FILE: join(dir, 'ca.pem'),
      AZURE_SUBSCRIPTION_IDS: SUB,
      FIX_POLICY_FILE: join(dir, 'policy.json'),
      POLL_INTERVAL_MINUTES: '0',
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_BOT_TOKEN: botToken,
      SLACK_API_URL: slackUrl,
    },
    25_000,
    { entry: join(__dirname, 'heap-reporting-main.ts'), nodeArgs: ['--expose-gc'], ipc: true },
  );
});

afterAll(async () => {
  await bot?.stop();
  await slackApi.stop();
  await connector.stop();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The child's memory in use after collecting all garbage: the V8 heap, and the Buffers' bytes its objects hold outside it. */
function heapAfterGc(): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: unknown): void => {
      const { heapUsed, external } = reply as { heapUsed?: unknown; external?: unknown };
      if (typeof heapUsed !== 'number' || typeof external !== 'number') return;
      bot.child.off('message', onMessage);
      resolve(heapUsed + external);
    };
    bot.child.on('message', onMessage);
    if (!bot.child.send('heap')) reject(new Error('the bot process has no IPC channel'));
  });
}

/**
 * Sends one request and reads the whole answer. The status is 0 when the server closed the
 * connection before answering, as it may do while an oversized body is still being written.
 */
function send(path: string, body: Buffer | string | undefined, headers: Record<string, string>, options: { method?: string; chunked?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const bytes = body === undefined ? undefined : Buffer.from(body);
    const length = options.chunked || bytes === undefined ? {} : { 'content-length': String(bytes.length) };
    const req = request(`${bot.url}${path}`, { method: options.method ?? 'POST', headers: { ...headers, ...length, ...(options.chunked ? { 'transfer-encoding': 'chunked' } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => (['EPIPE', 'ECONNRESET'].includes(error.code ?? '') ? resolve(0) : reject(error)));
    if (bytes !== undefined && options.chunked) {
      for (let i = 0; i < bytes.length; i += 1024 * 1024) req.write(bytes.subarray(i, i + 1024 * 1024));
    }
    req.end(options.chunked ? undefined : bytes);
  });
}

const json = { 'content-type': 'application/json' };
const alertHeaders = { ...json, 'x-backup-doctor-key': alertKey };
const slackHeaders = (raw: Buffer | string, contentType = 'application/json'): Record<string, string> => {
  const timestamp = Math.floor(Date.now() / 1000);
  return { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': sign(raw.toString(), timestamp) };
};
const tenMegabytes = Buffer.alloc(10 * 1024 * 1024, 0x61);
const deep = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nested = deep(100_000);
const bomb = gzipSync(Buffer.concat([Buffer.from('{"type":"message","text":"'), Buffer.alloc(64 * 1024 * 1024, 0x61), Buffer.from('"}')]));
/** The same hostile texts every round (a fixed seed), so every round asks the same. */
const texts = fc.sample(hostileText(300), { numRuns: 6, seed: 7 });
const activity = (text: string): string => JSON.stringify({ ...message(text, { serviceUrl, conversationId: 'c-memory' }), deliveryMode: 'expectReplies' });

const deepRepeats = 3;
/** Bytes of body the server reads to the end in one round: the deep ones (five routes' worth each time, and one more); the rest are small or refused early. */
const bodiesReadPerRound = (deepRepeats * 5 + 1) * nested.length;

/** One round of the fuzz, the same every time; every answer is below 500. */
async function fuzzRound(): Promise<void> {
  const statuses: [string, number][] = [];
  const note = async (what: string, status: Promise<number>): Promise<void> => {
    statuses.push([what, await status]);
  };
  for (let i = 0; i < deepRepeats; i++) {
    // 100,000 levels, deeper than JSON.stringify can go: parsed, then refused or answered.
    await note('messages deep', send('/api/messages', `{"type":"message","text":"help","channelData":${nested}}`, json));
    await note('messages deep value', send('/api/messages', activity('help').replace(/}$/, `,"value":${nested}}`), json));
    await note('alerts deep', send('/api/alerts', nested, alertHeaders));
    await note('alerts deep field', send('/api/alerts', `{"vault":"vault-1","vm":"vm-1","errorCode":${nested}}`, alertHeaders));
    const mention = eventBody('app-mention-code.json', {}, { event_id: `EvMEMORY${i}` }).replace(/}$/, `,"authorizations":${nested}}`);
    await note('slack deep', send('/api/slack/events', mention, slackHeaders(mention)));
  }
  await note('slack deep body', send('/api/slack/events', nested, slackHeaders(nested)));
  for (const [path, headers] of [['/api/messages', json], ['/api/alerts', alertHeaders], ['/api/slack/events', slackHeaders(tenMegabytes)]] as const) {
    await note(`${path} 10 MB`, send(path, tenMegabytes, headers));
    await note(`${path} 10 MB chunked`, send(path, tenMegabytes, headers, { chunked: true }));
    await note(`${path} gzip`, send(path, gzipSync('{}'), { ...headers, 'content-encoding': 'gzip' }));
    await note(`${path} deflate`, send(path, deflateSync('{}'), { ...headers, 'content-encoding': 'deflate' }));
    await note(`${path} gzip bomb`, send(path, bomb, { ...headers, 'content-encoding': 'gzip' }));
    await note(`${path} malformed`, send(path, '{"type":', path === '/api/slack/events' ? slackHeaders('{"type":') : headers));
    await note(`${path} text/plain`, send(path, 'hello', { ...headers, 'content-type': 'text/plain' }));
  }
  for (const [i, text] of texts.entries()) {
    await note('messages hostile text', send('/api/messages', activity(text), json));
    await note('alerts hostile name', send('/api/alerts', JSON.stringify({ ...fixture('minimal.json'), vm: text }), alertHeaders));
    const mention = eventBody('app-mention-code.json', { text: `<@U0BOT> ${text}` }, { event_id: `EvMEMTEXT${i}` });
    await note('slack hostile text', send('/api/slack/events', mention, slackHeaders(mention)));
    await note('audit hostile query', send(`/api/audit?vm=${encodeURIComponent(text)}`, undefined, { authorization: `Bearer ${auditKey}` }, { method: 'GET' }));
  }
  await note('alert', send('/api/alerts', JSON.stringify(fixture('minimal.json')), alertHeaders));
  await note('slack challenge', send('/api/slack/events', rawFixture('url-verification.json'), slackHeaders(rawFixture('url-verification.json'))));
  await note('audit', send('/api/audit', undefined, { authorization: `Bearer ${auditKey}` }, { method: 'GET' }));
  await note('audit bad key', send('/api/audit', undefined, { authorization: `Bearer ${'k'.repeat(8_000)}` }, { method: 'GET' }));
  await note('audit long URL', send(`/api/audit?vm=${'a'.repeat(20_000)}`, undefined, {}, { method: 'GET' }));
  expect(statuses.filter(([, status]) => status >= 500)).toEqual([]);
}

it('the heap after garbage collection does not grow from round to round of the HTTP fuzz, and ends near where it began', async () => {
  const before = await heapAfterGc();
  await fuzzRound();
  const afterFirst = await heapAfterGc();
  await fuzzRound();
  await fuzzRound();
  const afterThird = await heapAfterGc();
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const summary = `heap before the run ${mb(before)}, after round 1 ${mb(afterFirst)}, after round 3 ${mb(afterThird)}`;
  expect({ summary, grewFromRoundToRound: afterThird - afterFirst > allowedGrowthBytes }).toEqual({ summary, grewFromRoundToRound: false });
  expect({ summary, farAboveBefore: afterThird - before > allowedWarmUpBytes }).toEqual({ summary, farAboveBefore: false });
  // The allowance is below what keeping the bodies of a single round would add (two are measured).
  expect(allowedGrowthBytes).toBeLessThan(bodiesReadPerRound);
  // And the process is still up and answering.
  expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
});
