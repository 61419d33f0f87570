import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { message } from '../../helpers/activities';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { alertSecret, fixture } from '../alerts/alert-test-kit';

/** What an attacker can send before any authentication runs: the server must refuse it cheaply and keep answering. */
describe('request bodies over HTTP (real restify, no global body parser)', () => {
  let bot: TestBot;
  let state: { file: string; cleanup: () => void };

  beforeAll(async () => {
    state = tempStateFile();
    bot = await startTestBot(state.file, { ALERTS_SHARED_SECRET: alertSecret, POLL_INTERVAL_MINUTES: '0' }, { alerts: { startWorkers: false } });
  });
  afterAll(async () => {
    await bot.stop();
    state.cleanup();
  });

  const post = async (path: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${bot.running.url}${path}`, { method: 'POST', headers, body });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const healthy = async (): Promise<boolean> => (await fetch(`${bot.running.url}/healthz`)).status === 200;
  const uploads = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith('upload_'));

  it('refuses a gzip bomb to /api/messages with 415 without inflating it, and keeps answering', async () => {
    // 64 MB of JSON-ish padding in about 64 KB: inflated, it used to take the process down.
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"type":"message","text":"'), Buffer.alloc(64 * 1024 * 1024, 0x61), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(200 * 1024);
    const before = process.memoryUsage().rss;
    const r = await post('/api/messages', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(r.status).toBe(415);
    expect(r.body['error']).toBe('unsupported_media_type');
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
    expect(await healthy()).toBe(true);
  });

  it('refuses compressed bodies on every route before authentication (alerts, unknown encodings)', async () => {
    const body = gzipSync(JSON.stringify(fixture('minimal.json')));
    expect((await post('/api/alerts', body, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(415);
    expect((await post('/api/alerts', body, { 'content-type': 'application/json', 'content-encoding': 'deflate', 'x-backup-doctor-key': alertSecret })).status).toBe(415);
    expect((await post('/api/messages', '{}', { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(415);
    // identity is no encoding at all: it reaches the route (here: a JSON object that is no activity).
    expect((await post('/api/messages', '[]', { 'content-type': 'application/json', 'content-encoding': 'identity' })).status).toBe(400);
  });

  it('refuses multipart uploads with 415 and writes nothing to the temp folder', async () => {
    const before = uploads();
    const boundary = '----backupdoctor';
    const file = Buffer.alloc(8 * 1024 * 1024, 0x41);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    for (const path of ['/api/messages', '/api/alerts', '/api/slack/events']) {
      const r = await post(path, body, { 'content-type': `multipart/form-data; boundary=${boundary}` });
      expect(r.status).toBe(415);
    }
    expect(uploads()).toEqual(before);
    expect(await healthy()).toBe(true);
  });

  it('refuses plain JSON over the limit with 413, counted on the bytes sent, and keeps answering', async () => {
    const big = JSON.stringify({ type: 'message', text: 'a'.repeat(2 * 1024 * 1024) });
    const r = await post('/api/messages', big, { 'content-type': 'application/json' });
    expect(r.status).toBe(413);
    expect(r.body['error']).toBe('payload_too_large');
    expect(await healthy()).toBe(true);
  });

  it('/api/messages takes JSON objects only: 415 for other types, 400 for malformed JSON', async () => {
    expect((await post('/api/messages', 'type=message', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post('/api/messages', 'hello', { 'content-type': 'text/plain' })).status).toBe(415);
    const malformed = await post('/api/messages', '{"type":', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.body['error']).toBe('invalid_json');
    expect((await post('/api/messages', '"text"', { 'content-type': 'application/json' })).status).toBe(400);
  });

  it('still hands a real activity to the bot, parsed as CloudAdapter expects', async () => {
    const r = await bot.post({ ...message('help', { serviceUrl: 'http://127.0.0.1:1' }), deliveryMode: 'expectReplies' });
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).toMatch(/activities/);
  });

  describe('a percent-encoded alert path (/api/%61lerts) is the alert route, with its own body handling', () => {
    it('without the secret: 401 before reading the body', async () => {
      const r = await post('/api/%61lerts', JSON.stringify(fixture('minimal.json')), { 'content-type': 'application/json' });
      expect(r.status).toBe(401);
    });

    it('with the secret: accepted (202) instead of hanging', async () => {
      const r = await post('/api/%61lerts', JSON.stringify(fixture('minimal.json')), { 'content-type': 'application/json', 'x-backup-doctor-key': alertSecret });
      expect(r.status).toBe(202);
      expect(typeof r.body['alertId']).toBe('string');
    });

    it('with the secret and an oversized body: 413 by the alert limit', async () => {
      const r = await post('/api/%61lerts', JSON.stringify({ vault: 'v', vm: 'x'.repeat(400 * 1024) }), { 'content-type': 'application/json', 'x-backup-doctor-key': alertSecret });
      expect(r.status).toBe(413);
    });
  });
});
