import { message } from '../../helpers/activities';
import { alertSecret, fixture } from '../alerts/alert-test-kit';
import { startFixRig, type FixRig } from '../remediation/fix-rig';
import { FakeSlackApi } from '../slack/fake-slack-api';
import { botToken, rawFixture, sign, signingSecret } from '../slack/slack-test-kit';
import { type RawAnswer, type RawClient, head, openRaw } from './raw-client';

/**
 * Slow and silent senders on the four public routes, over bare sockets against the real app:
 * a body trickled slower than REQUEST_BODY_TIMEOUT_SECONDS gets 408 saying so and its connection
 * is closed; a body sent slowly but within the bound is handled as usual; headers that never end
 * get 408 after REQUEST_HEADERS_TIMEOUT_SECONDS; GET /api/audit, which takes no body, refuses one
 * at once. Both bounds are one second here (ten and sixty in production), so no sender holds a
 * socket, let alone a handler, longer than that, and the server answers others meanwhile.
 */
const auditKey = 'slow-audit-key-0123456789';
const bodyTimeoutSeconds = 1;
const headersTimeoutSeconds = 1;
/** How long a test waits for the server to close a connection before calling it held: far beyond either bound. */
const heldAfterMs = 8_000;
/** A byte every this often never finishes a body of a few hundred bytes within the bound. */
const trickleGapMs = 150;

const slackApi = new FakeSlackApi();
let rig: FixRig;
let port = 0;

/**
 * Most scenarios wait out a bound. They all start together once the server is up (so the file
 * waits about one bound, not one per scenario), and each test awaits its own.
 */
const scenarios: { name: string; run: () => Promise<void>; result?: Promise<void> }[] = [];
function scenario(name: string, run: () => Promise<void>): void {
  const entry: { name: string; run: () => Promise<void>; result?: Promise<void> } = { name, run };
  scenarios.push(entry);
  it(name, async () => {
    if (entry.result === undefined) throw new Error('the scenario was not started (the server did not start)');
    await entry.result;
  });
}

beforeAll(async () => {
  const apiUrl = await slackApi.start();
  rig = await startFixRig({
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_BOT_TOKEN: botToken,
    SLACK_API_URL: apiUrl,
    ALERTS_SHARED_SECRET: alertSecret,
    AUDIT_API_KEY: auditKey,
    POLL_INTERVAL_MINUTES: '0',
    REQUEST_BODY_TIMEOUT_SECONDS: String(bodyTimeoutSeconds),
    REQUEST_HEADERS_TIMEOUT_SECONDS: String(headersTimeoutSeconds),
  });
  port = rig.bot.running.port;
  for (const entry of scenarios) {
    entry.result = entry.run();
    // Reported by its own test; not an unhandled rejection meanwhile.
    entry.result.catch(() => undefined);
  }
});
afterAll(async () => {
  await rig.stop();
  await slackApi.stop();
});

interface BodyRoute {
  readonly path: string;
  /** A good body for the route, and the headers that go with it (the Slack signature is over this body). */
  readonly body: () => string;
  readonly headers: (body: string) => Record<string, string>;
  /** What the route answers a good body. */
  readonly accepted: number;
}

const json = { 'content-type': 'application/json' };
const bodyRoutes: BodyRoute[] = [
  {
    path: '/api/messages',
    body: () => JSON.stringify({ ...message('help', { serviceUrl: rig.serviceUrl, conversationId: 'c-slow' }), deliveryMode: 'expectReplies' }),
    headers: () => json,
    accepted: 200,
  },
  { path: '/api/alerts', body: () => JSON.stringify(fixture('minimal.json')), headers: () => ({ ...json, 'x-backup-doctor-key': alertSecret }), accepted: 202 },
  {
    path: '/api/slack/events',
    body: () => rawFixture('url-verification.json'),
    headers: (body) => {
      const timestamp = Math.floor(Date.now() / 1000);
      return { ...json, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': sign(body, timestamp) };
    },
    accepted: 200,
  },
];

/** Starts a POST of the route's good body: the headers declare its full length, the body is the caller's to send. */
async function startPost(route: BodyRoute, extra: Record<string, string> = {}): Promise<{ client: RawClient; body: string }> {
  const body = route.body();
  const client = await openRaw(port);
  client.write(head('POST', route.path, { ...route.headers(body), 'content-length': Buffer.byteLength(body), ...extra }));
  return { client, body };
}

function expectBodyTimeout(answer: RawAnswer): void {
  expect(answer.status).toBe(408);
  expect(answer.body).toEqual({ error: 'request_timeout', reason: `body not received within ${bodyTimeoutSeconds} s` });
  expect(answer.headers['connection']).toBe('close');
}

/** Every route still answers a good request. */
async function expectServing(): Promise<void> {
  for (const route of bodyRoutes) {
    const body = route.body();
    const response = await fetch(`${rig.bot.running.url}${route.path}`, { method: 'POST', headers: route.headers(body), body });
    expect(response.status).toBe(route.accepted);
    await response.arrayBuffer();
  }
  const audit = await fetch(`${rig.bot.running.url}/api/audit`, { headers: { authorization: `Bearer ${auditKey}` } });
  expect(audit.status).toBe(200);
  await audit.arrayBuffer();
}

/** Runs `check` for every route at once (each waits out a bound: together they take one), naming the route that failed. */
async function onEveryRoute<R extends { readonly path: string }>(routes: readonly R[], check: (route: R) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(routes.map(check));
  const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [`${routes[i]?.path}: ${String(result.reason)}`] : []));
  expect(failures).toEqual([]);
}

scenario('a body trickled a byte at a time, slower than the body timeout: 408 naming the bound, and the connection closed, on every route', async () => {
  await onEveryRoute(bodyRoutes, async (route) => {
    const { client, body } = await startPost(route);
    const trickling = client.trickle(body, trickleGapMs);
    const answer = await client.closed(heldAfterMs);
    await trickling;
    expectBodyTimeout(answer);
  });
});

scenario('while slow senders hold their sockets, every route serves everyone else', async () => {
  const slow = await Promise.all(bodyRoutes.map((route) => startPost(route)));
  const trickling = slow.map(({ client, body }) => client.trickle(body, trickleGapMs));
  await expectServing();
  for (const { client } of slow) expectBodyTimeout(await client.closed(heldAfterMs));
  await Promise.all(trickling);
});

scenario('a client that sends its headers and then nothing: 408 naming the bound, and the connection closed', async () => {
  await onEveryRoute(bodyRoutes, async (route) => {
    const { client } = await startPost(route);
    expectBodyTimeout(await client.closed(heldAfterMs));
  });
});

scenario('an answer sent before a trickled body has arrived (no credentials, a wrong content type, no such path) closes the connection', async () => {
  const early = [
    { path: '/api/alerts', headers: json, status: 401 },
    { path: '/api/messages', headers: { 'content-type': 'text/plain' }, status: 415 },
    { path: '/api/slack/events', headers: { 'content-type': 'text/plain' }, status: 415 },
    { path: '/api/nowhere', headers: json, status: 404 },
  ];
  await onEveryRoute(early, async ({ path, headers, status }) => {
    const client = await openRaw(port);
    client.write(head('POST', path, { ...headers, 'content-length': 400 }));
    const trickling = client.trickle('x'.repeat(400), trickleGapMs);
    const answer = await client.closed(heldAfterMs);
    await trickling;
    expect(answer.status).toBe(status);
    expect(answer.headers['connection']).toBe('close');
  });
});

describe('GET /api/audit, which takes no body', () => {
  scenario('refuses a declared body it is never sent: 400 at once, saying so, and the connection closed', async () => {
    for (const declared of [{ 'content-length': '1000' }, { 'transfer-encoding': 'chunked' }] as Record<string, string>[]) {
      const client = await openRaw(port);
      client.write(head('GET', '/api/audit', { authorization: `Bearer ${auditKey}`, ...declared }));
      const answer = await client.closed(heldAfterMs);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: { code: 'BadRequest', message: expect.stringMatching(/takes no request body/) } });
      expect(answer.headers['connection']).toBe('close');
    }
  });

  scenario('refuses a trickled body without waiting for it', async () => {
    const client = await openRaw(port);
    client.write(head('GET', '/api/audit', { authorization: `Bearer ${auditKey}`, 'content-length': '200' }));
    const trickling = client.trickle('x'.repeat(200), trickleGapMs);
    const answer = await client.closed(heldAfterMs);
    await trickling;
    expect(answer.status).toBe(400);
  });
});

scenario('headers that never end, or a connection that sends nothing: 408 naming the headers bound on every route, and the connection closed', async () => {
  const routes = [...bodyRoutes.map((r) => ({ path: r.path, method: 'POST' })), { path: '/api/audit', method: 'GET' }, { path: '(nothing sent)', method: '' }];
  await onEveryRoute(routes, async ({ path, method }) => {
    const client = await openRaw(port);
    if (method !== '') {
      // Half a request, then a header trickled in (as a slowloris sender does to keep the socket).
      client.write(`${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n`);
      void client.trickle(`x-padding: ${'a'.repeat(60)}`, trickleGapMs);
    }
    const answer = await client.closed(heldAfterMs);
    expect(answer.status).toBe(408);
    expect(answer.body).toEqual({ error: 'request_timeout', reason: `request headers not received within ${headersTimeoutSeconds} s` });
  });
});

describe('slow but within the bounds', () => {
  /** Sends `text` in 4 parts, 50 ms apart: a slow link, done well within a one-second bound. */
  async function inPieces(client: RawClient, text: string): Promise<void> {
    const size = Math.ceil(text.length / 4);
    for (let i = 0; i < text.length; i += size) {
      client.write(text.slice(i, i + size));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  scenario('a body sent in pieces is handled as usual on every route', async () => {
    await onEveryRoute(bodyRoutes, async (route) => {
      const { client, body } = await startPost(route, { connection: 'close' });
      await inPieces(client, body);
      const answer = await client.closed(heldAfterMs);
      expect(answer.status).toBe(route.accepted);
      if (route.path === '/api/slack/events') expect(JSON.stringify(answer.body)).toContain('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
    });
  });

  scenario('/api/audit: headers sent in pieces are answered', async () => {
    const client = await openRaw(port);
    await inPieces(client, head('GET', '/api/audit', { authorization: `Bearer ${auditKey}`, connection: 'close' }));
    expect((await client.closed(heldAfterMs)).status).toBe(200);
  });
});
