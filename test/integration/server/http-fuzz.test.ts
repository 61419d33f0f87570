import { request } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { executeInvoke, message, submitMessage } from '../../helpers/activities';
import { alertSecret, fixture } from '../alerts/alert-test-kit';
import { startFixRig, type FixRig } from '../remediation/fix-rig';
import { FakeSlackApi } from '../slack/fake-slack-api';
import { botToken, eventBody, pressBody, rawFixture, sign, signingSecret } from '../slack/slack-test-kit';
import { hostileText } from '../../unit/properties/arbitraries';

/**
 * The four public routes, fuzzed over HTTP against the real app (restify, CloudAdapter, Bolt,
 * SQLite, fixes against the ARM simulator): malformed JSON, wrong types in every field, deep
 * nesting, 10 MB and chunked bodies, compressed bodies, wrong content types, control characters
 * and injection in names. Each gets a 4xx that names what is wrong (never a 5xx), and the process
 * keeps serving every route. Slow and silent senders are in slow-clients.test.ts; that memory returns
 * to its level after this kind of fuzz, in fuzz-memory.test.ts; memory under sustained load is the soak's.
 */
const auditKey = 'fuzz-audit-key-0123456789';
const slackApi = new FakeSlackApi();
let rig: FixRig;
let url = '';

beforeAll(async () => {
  const apiUrl = await slackApi.start();
  rig = await startFixRig({ SLACK_SIGNING_SECRET: signingSecret, SLACK_BOT_TOKEN: botToken, SLACK_API_URL: apiUrl, ALERTS_SHARED_SECRET: alertSecret, AUDIT_API_KEY: auditKey, POLL_INTERVAL_MINUTES: '0' });
  url = rig.bot.running.url;
});
afterAll(async () => {
  await rig.stop();
  await slackApi.stop();
});

type Answer = { status: number; body: Record<string, unknown> };

async function send(path: string, body: string | Buffer | undefined, headers: Record<string, string>, method = 'POST'): Promise<Answer> {
  const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed };
}

const json = { 'content-type': 'application/json' };
const alertHeaders = { ...json, 'x-backup-doctor-key': alertSecret };
const slackHeaders = (raw: string | Buffer, contentType = 'application/json'): Record<string, string> => {
  const timestamp = Math.floor(Date.now() / 1000);
  return { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': sign(raw.toString(), timestamp) };
};
const activity = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ...message('help', { serviceUrl: rig.serviceUrl, conversationId: 'c-fuzz' }), deliveryMode: 'expectReplies', ...extra });

const post = {
  messages: (raw: string | Buffer, headers: Record<string, string> = json) => send('/api/messages', raw, headers),
  alerts: (raw: string | Buffer, headers: Record<string, string> = alertHeaders) => send('/api/alerts', raw, headers),
  slack: (raw: string | Buffer, contentType = 'application/json') => send('/api/slack/events', raw, slackHeaders(raw, contentType)),
};

/** A good request on every route still gets its normal answer. */
async function expectServing(): Promise<void> {
  expect((await post.messages(JSON.stringify(activity()))).status).toBe(200);
  const challenge = await post.slack(rawFixture('url-verification.json'));
  expect(challenge.status).toBe(200);
  expect(JSON.stringify(challenge.body)).toContain('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
  expect((await post.alerts(JSON.stringify(fixture('minimal.json')))).status).toBe(202);
  expect((await send('/api/audit', undefined, { authorization: `Bearer ${auditKey}` }, 'GET')).status).toBe(200);
}

/** A refusal that says what is wrong: a 4xx with an error code and a non-empty reason (or field). */
function expectSpecificRefusal(answer: Answer, status: number | number[]): void {
  expect(Array.isArray(status) ? status : [status]).toContain(answer.status);
  const text = JSON.stringify(answer.body);
  expect(text).toMatch(/"(error|code)":/);
  expect(text).toMatch(/"(reason|message)":"[^"]{8,}/);
}

/** Every path to a leaf or branch of a JSON document. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const here = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value !== null && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return here;
}
function withValueAt(doc: unknown, path: (string | number)[], next: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let holder = copy;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
  holder[path.at(-1) as string | number] = next;
  return copy;
}
const wrongTypes: unknown[] = [42, true, null, [], {}, 'x'];
const deep = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('malformed JSON', () => {
  it.each([
    ['/api/messages', () => post.messages('{"type":"message",')],
    ['/api/alerts', () => post.alerts('{"vault":')],
    ['/api/slack/events', () => post.slack('{"type":')],
  ])('%s: 400 saying it is not valid JSON', async (_path, sendIt) => {
    const answer = await sendIt();
    expectSpecificRefusal(answer, 400);
    expect(JSON.stringify(answer.body)).toMatch(/JSON/);
  });

  it('a signed Slack form whose payload is broken JSON, not an object, or missing: 400 naming payload', async () => {
    for (const raw of ['payload=%7B%22type', 'a=b', `payload=${encodeURIComponent('[1]')}`]) {
      const answer = await post.slack(raw, 'application/x-www-form-urlencoded');
      expectSpecificRefusal(answer, 400);
      expect(answer.body['field']).toBe('payload');
    }
  });
});

describe('wrong types in every field', () => {
  it('/api/messages: every top-level field of an activity, each wrong type: answered in the chat or 400 naming the field, never 5xx', async () => {
    const good = activity();
    for (const field of Object.keys(good).filter((k) => k !== 'deliveryMode')) {
      for (const wrong of wrongTypes) {
        const answer = await post.messages(JSON.stringify({ ...good, [field]: wrong }));
        expect([200, 202, 400]).toContain(answer.status);
        if (answer.status === 400) {
          expect(String(answer.body['field'])).toMatch(new RegExp(`^${field}`));
          expectSpecificRefusal(answer, 400);
        }
      }
    }
    await expectServing();
  });

  it('/api/messages: every nested field of a message, a card press (invoke) and a press from an old client (submit), each wrong type: never 5xx', async () => {
    const options = { serviceUrl: rig.serviceUrl, conversationId: 'c-fuzz-nested' };
    const shapes = [activity(), { ...executeInvoke('troubleshoot.next', { sessionId: 'no-such-session', v: 1 }, 'm1', options), deliveryMode: 'expectReplies' }, { ...submitMessage({ verb: 'troubleshoot.next', sessionId: 'no-such-session' }, 'm1', options), deliveryMode: 'expectReplies' }];
    for (const shape of shapes) {
      for (const path of paths(shape).filter((p) => p[0] !== 'deliveryMode')) {
        for (const wrong of wrongTypes) {
          const answer = await post.messages(JSON.stringify(withValueAt(shape, path, wrong)));
          // The path and value in the comparison, so a failure names the field that broke it.
          expect({ path, wrong, answered: [200, 202, 400].includes(answer.status) }).toEqual({ path, wrong, answered: true });
          if (answer.status === 400) expectSpecificRefusal(answer, 400);
        }
      }
    }
    await expectServing();
  });

  it('an invoke without a name, or named for something the app does not declare: 400 naming "name" and what is answered', async () => {
    const press = executeInvoke('troubleshoot.next', { v: 1 }, 'm1', { serviceUrl: rig.serviceUrl, conversationId: 'c-invoke-names' });
    for (const name of [null, '', '  ', 'x', 'task/fetch', 'composeExtension/query']) {
      const answer = await post.messages(JSON.stringify({ ...press, name }));
      expect({ name, status: answer.status, field: answer.body['field'] }).toEqual({ name, status: 400, field: 'name' });
      expect(String(answer.body['reason'])).toContain('adaptiveCard/action');
    }
    await expectServing();
  });

  it('/api/alerts: every field of the Azure Backup alert and of the minimal JSON, each wrong type: 202, 200 ignored, or 400 naming a field', async () => {
    for (const doc of [fixture('common-vm.json'), fixture('minimal.json'), fixture('metric-health.json')]) {
      for (const path of paths(doc)) {
        for (const wrong of [42, null, {}, 'x']) {
          const answer = await post.alerts(JSON.stringify(withValueAt(doc, path, wrong)));
          expect([200, 202, 400]).toContain(answer.status);
          if (answer.status === 400) {
            expect(typeof answer.body['field']).toBe('string');
            expectSpecificRefusal(answer, 400);
          }
        }
      }
    }
    await expectServing();
  });

  it('/api/slack/events: every envelope and event field of a mention, each wrong type: acknowledged (200) or 400 naming the field', async () => {
    const doc = JSON.parse(eventBody('app-mention-code.json')) as Record<string, unknown>;
    let n = 0;
    for (const path of paths(doc)) {
      for (const wrong of wrongTypes) {
        const edited = withValueAt(doc, path, wrong) as Record<string, unknown>;
        // A new event id each time: Slack's retries of one event are answered once.
        const raw = JSON.stringify({ ...edited, event_id: path[0] === 'event_id' ? edited['event_id'] : `EvFUZZ${(n += 1)}` });
        const answer = await post.slack(raw);
        if (![200, 400].includes(answer.status)) throw new Error(`${path.join('.')} = ${JSON.stringify(wrong)}: ${answer.status} ${JSON.stringify(answer.body)}`);
        expect([200, 400]).toContain(answer.status);
        if (answer.status === 400) expectSpecificRefusal(answer, 400);
      }
    }
    // A button press (form-encoded payload) with any field of a wrong type.
    const press = JSON.parse(decodeURIComponent(pressBody({ actionId: 'troubleshoot.next', value: '{}', messageTs: '1700000100.000300' }).slice('payload='.length))) as Record<string, unknown>;
    for (const path of paths(press)) {
      for (const wrong of [42, null, {}]) {
        const answer = await post.slack(`payload=${encodeURIComponent(JSON.stringify(withValueAt(press, path, wrong)))}`, 'application/x-www-form-urlencoded');
        if (![200, 400].includes(answer.status)) throw new Error(`payload.${path.join('.')} = ${JSON.stringify(wrong)}: ${answer.status} ${JSON.stringify(answer.body)}`);
        if (answer.status === 400) expectSpecificRefusal(answer, 400);
      }
    }
    const shapes = [
      ['{"type":5}', 'type'],
      ['[]', '(body)'],
      ['{"type":"event_callback","event":"x"}', 'event'],
      [`{"type":"event_callback","event":${deep(1000)}}`, 'event'],
      ['{"type":"event_callback","event":{"type":7}}', 'event.type'],
    ] as const;
    for (const [raw, field] of shapes) {
      const answer = await post.slack(raw);
      expectSpecificRefusal(answer, 400);
      expect(answer.body['field']).toBe(field);
    }
    await expectServing();
  });

  it('a signed Slack request of a type nothing here answers is acknowledged at once (200), not left to time out into an empty 404', async () => {
    const form = (payload: object) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const team = { id: 'T0TEST' };
    const user = { id: 'U0OPERATOR', team_id: 'T0TEST' };
    const unanswered = [
      post.slack(form({ type: 'view_closed', team, user, view: { id: 'V1', callback_id: 'anything' } }), 'application/x-www-form-urlencoded'),
      post.slack(form({ type: 'block_suggestion', team, user, action_id: 'a', value: 'x' }), 'application/x-www-form-urlencoded'),
      post.slack(form({ type: 'interactive_message', team, user, callback_id: 'c', actions: [] }), 'application/x-www-form-urlencoded'),
      post.slack(form({ type: 'dialog_submission', team, user, callback_id: 'c', submission: {} }), 'application/x-www-form-urlencoded'),
      post.slack(JSON.stringify({ type: 'a_type_slack_adds_later', team_id: 'T0TEST' })),
    ];
    // Left to Bolt, each waited 3 s for an ack and got an empty 404.
    for (const answer of await Promise.all(unanswered)) expect(answer.status).toBe(200);
    const noView = await post.slack(form({ type: 'view_submission', team, user, view: {} }), 'application/x-www-form-urlencoded');
    expectSpecificRefusal(noView, 400);
    expect(noView.body['field']).toBe('payload.view');
    await expectServing();
  });

  it('a Slack timestamp in milliseconds (or any longer run of digits) is far in the future: 401, not waved through', async () => {
    const raw = rawFixture('url-verification.json');
    for (const timestamp of [Date.now(), 99_999_999_999_999]) {
      const answer = await send('/api/slack/events', raw, { ...json, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': sign(raw, timestamp) });
      expect(answer.status).toBe(401);
      expect(JSON.stringify(answer.body)).toContain('ahead');
    }
  });

  it('an unsigned or wrongly signed Slack request is refused (401) before anything about its body is said', async () => {
    const raw = '{"type":5}';
    const timestamp = Math.floor(Date.now() / 1000);
    const wrong = await send('/api/slack/events', raw, { ...json, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': sign(raw, timestamp, 'another-secret') });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toMatch(/"field"/);
    expect((await send('/api/slack/events', raw, json)).status).toBe(401);
  });
});

describe('deep nesting (100,000 levels, deeper than JSON.stringify can go)', () => {
  it('every route answers with a 4xx or its normal answer, and keeps serving', async () => {
    const nested = deep(100_000);
    const mention = eventBody('app-mention-code.json', {}, { event_id: 'EvDEEP1' });
    const answers = [
      await post.messages(`{"type":"message","text":"help","channelData":${nested}}`),
      await post.messages(JSON.stringify(activity()).replace(/}$/, `,"value":${nested}}`)),
      await post.alerts(nested),
      await post.alerts(`{"vault":"vault-1","vm":"vm-1","errorCode":${nested}}`),
      await post.slack(nested),
      await post.slack(mention.replace(/}$/, `,"authorizations":${nested}}`)),
    ];
    for (const answer of answers) expect(answer.status).toBeLessThan(500);
    await expectServing();
  });
});

describe('10 MB bodies', () => {
  const tenMegabytes = Buffer.alloc(10 * 1024 * 1024, 0x61);

  it.each(['/api/messages', '/api/alerts', '/api/slack/events'])('%s: 413 naming the limit, declared or chunked, and keeps serving', async (path) => {
    const headers = path === '/api/alerts' ? alertHeaders : path === '/api/slack/events' ? slackHeaders(tenMegabytes) : json;
    expectSpecificRefusal(await send(path, tenMegabytes, headers), 413);
    // Chunked: no Content-Length to refuse up front; counted as it arrives.
    const chunked = await new Promise<Answer>((resolve, reject) => {
      const req = request(`${url}${path}`, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      });
      // The server may answer and close before the rest is written.
      req.on('error', (error) => (String(error).includes('EPIPE') || String(error).includes('ECONNRESET') ? undefined : reject(error)));
      for (let i = 0; i < 10; i++) req.write(tenMegabytes.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
      req.end();
    });
    expectSpecificRefusal(chunked, 413);
    await expectServing();
  });
});

describe('compressed bodies and wrong content types', () => {
  it('Slack events: gzip and deflate bodies get 415 before the signature is checked', async () => {
    for (const [encoding, body] of [['gzip', gzipSync('{}')], ['deflate', deflateSync('{}')]] as const) {
      expectSpecificRefusal(await send('/api/slack/events', body, { ...slackHeaders(body), 'content-encoding': encoding }), 415);
    }
  });

  it.each(['text/plain', 'application/xml', 'text/html; charset=utf-8', ''])('content-type "%s": 415 naming the type on every route', async (type) => {
    const headers = { 'content-type': type };
    expectSpecificRefusal(await send('/api/messages', JSON.stringify(activity()), headers), 415);
    expectSpecificRefusal(await send('/api/alerts', JSON.stringify(fixture('minimal.json')), { ...headers, 'x-backup-doctor-key': alertSecret }), 415);
    const raw = rawFixture('url-verification.json');
    expectSpecificRefusal(await send('/api/slack/events', raw, { ...slackHeaders(raw), 'content-type': type }), 415);
  });
});

describe('too many header fields', () => {
  it('every route answers 431 naming the count, rather than dropping the fields past Node\'s own limit', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 500; i += 1) many[`x-h${i}`] = '1';
    const raw = rawFixture('url-verification.json');
    for (const [path, body, headers] of [
      ['/api/messages', JSON.stringify(activity()), json],
      ['/api/alerts', JSON.stringify(fixture('minimal.json')), alertHeaders],
      ['/api/slack/events', raw, slackHeaders(raw)],
    ] as const) {
      const answer = await send(path, body, { ...many, ...headers });
      expectSpecificRefusal(answer, 431);
      expect(JSON.stringify(answer.body)).toContain('at most 100 are accepted');
    }
    // A real caller's few dozen headers pass.
    const some: Record<string, string> = {};
    for (let i = 0; i < 60; i += 1) some[`x-h${i}`] = '1';
    expect((await send('/api/messages', JSON.stringify(activity()), { ...some, ...json })).status).toBe(200);
  });
});

describe('unicode, control characters and injection in texts and names', () => {
  it('a message of any text, from a user of any name, is answered (never a 5xx)', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText(300), hostileText(80), async (text, name) => {
        const answer = await post.messages(JSON.stringify(activity({ text, from: { id: '29:fuzz', name, aadObjectId: '00000000-0000-0000-0000-00000000f022' } })));
        expect(answer.status).toBe(200);
      }),
      { numRuns: 25 },
    );
  });

  it('an alert whose names carry markdown, templates or control characters: 400 naming the field with the rule, or accepted as plain text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('vault', 'vm', 'errorCode', 'message', 'jobId', 'resourceGroup'), hostileText(200), async (field, value) => {
        const answer = await post.alerts(JSON.stringify({ ...fixture('minimal.json'), [field]: value }));
        expect([202, 400]).toContain(answer.status);
        if (answer.status === 400) {
          expect(answer.body['field']).toBe(field);
          expect(String(answer.body['reason'])).not.toBe('Invalid input');
          expectSpecificRefusal(answer, 400);
        }
      }),
      { numRuns: 40 },
    );
    const injected = await post.alerts(JSON.stringify({ ...fixture('minimal.json'), vm: '*vm* {{DATE(2026-01-01T00:00:00Z)}} <at>x</at>' }));
    expect(injected.status).toBe(400);
    expect(injected.body).toMatchObject({ field: 'vm', reason: expect.stringMatching(/VM name/) });
    // The same characters written as %-escapes in an ARM id, whose name the bot reads decoded.
    const vmId = (name: string) => `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`;
    for (const encoded of ['vm%E2%80%AEexe.txt', 'vm%0A*bold*', 'vm%07']) {
      const answer = await post.alerts(JSON.stringify({ ...fixture('minimal.json'), vm: vmId(encoded) }));
      expect({ encoded, status: answer.status, body: answer.body }).toMatchObject({ status: 400, body: { field: 'vm', reason: expect.stringMatching(/text-direction marks/) } });
    }
  });

  it('a Slack mention of any text is acknowledged', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(hostileText(300), async (text) => {
        const answer = await post.slack(eventBody('app-mention-code.json', { text: `<@U0BOT> ${text}` }, { event_id: `EvTEXT${(n += 1)}` }));
        expect(answer.status).toBe(200);
      }),
      { numRuns: 20 },
    );
    await expectServing();
  });
});

describe('/api/audit with hostile queries and credentials', () => {
  const get = (query: string, authorization = `Bearer ${auditKey}`) => send(`/api/audit${query}`, undefined, { authorization }, 'GET');

  it('refuses bad queries with 400 naming the parameter, and bad credentials with 401, never echoing them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('since', 'vm', 'limit', '{{x}}'), hostileText(100), async (key, text) => {
        // A query string carries UTF-8: lone surrogates become U+FFFD on the way.
        const value = Buffer.from(text, 'utf8').toString('utf8');
        const answer = await get(`?${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
        expect([200, 400]).toContain(answer.status);
        if (answer.status === 400) expect(String((answer.body['error'] as { message?: string }).message)).toMatch(/since|vm|parameter/);
      }),
      { numRuns: 30 },
    );
    expect((await get('?since=%E0%A4%A')).status).toBe(400);
    for (const authorization of ['Bearer', `Bearer ${auditKey}x`, `Basic ${Buffer.from(`a:${auditKey}`).toString('base64')}`, `Bearer ${'k'.repeat(8_000)}`]) {
      const answer = await get('', authorization);
      expectSpecificRefusal(answer, 401);
      expect(JSON.stringify(answer.body)).not.toContain(auditKey);
    }
    // A URL beyond Node's header limit is refused by the HTTP parser itself, with the reason every route gives.
    expectSpecificRefusal(await get(`?vm=${'a'.repeat(20_000)}`), 431);
    await expectServing();
  });
});
