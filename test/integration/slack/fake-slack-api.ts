import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'node:querystring';

/** One Web API call the bot made, with its arguments decoded (blocks parsed back from JSON). */
export interface SlackApiCall {
  readonly method: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Web API arguments are free-form; tests read the fields they check
  readonly args: Record<string, any>;
  readonly token: string | undefined;
  /** The ts the fake gave a new message (chat.postMessage). */
  readonly ts?: string;
}

/**
 * A loopback stand-in for https://slack.com/api/: answers like Slack and records every call,
 * so the real WebClient inside Bolt runs end to end without the network.
 */
export class FakeSlackApi {
  readonly calls: SlackApiCall[] = [];
  /** The Web API base URL once started (SLACK_API_URL). */
  url: string | undefined;
  private server: Server | undefined;
  private counter = 0;
  /** The next n chat.postMessage / chat.update calls answer 429 "ratelimited" with this Retry-After (seconds). */
  private rateLimited = { calls: 0, retryAfterSeconds: 1 };

  rateLimitNext(calls: number, retryAfterSeconds: number): void {
    this.rateLimited = { calls, retryAfterSeconds };
  }

  /** The next chat.postMessage / chat.update calls fail in turn: an HTTP status each, or 'reset' (the connection dropped, no answer). */
  private failures: (number | 'reset')[] = [];
  failNext(...failures: (number | 'reset')[]): void {
    this.failures.push(...failures);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/api/`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  clear(): void {
    this.calls.length = 0;
  }

  /** Calls other than auth.test (which Bolt makes on its own). */
  messages(method?: string): SlackApiCall[] {
    return this.calls.filter((c) => c.method !== 'auth.test' && (method === undefined || c.method === method));
  }

  async waitFor(predicate: (calls: SlackApiCall[]) => boolean, timeoutMs = 5000): Promise<SlackApiCall[]> {
    const started = Date.now();
    while (!predicate(this.messages())) {
      if (Date.now() - started > timeoutMs) throw new Error(`fake Slack API: condition not met in ${timeoutMs} ms; calls: ${JSON.stringify(this.messages().map((c) => c.method))}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.messages();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '');
    const type = req.headers['content-type'] ?? '';
    const args: Record<string, unknown> = type.startsWith('application/json') ? (JSON.parse(raw || '{}') as Record<string, unknown>) : { ...parse(raw) };
    for (const key of ['blocks', 'attachments']) {
      const value = args[key];
      if (typeof value === 'string') args[key] = JSON.parse(value) as unknown;
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof args['token'] === 'string' ? args['token'] : undefined;
    if ((method === 'chat.postMessage' || method === 'chat.update') && this.rateLimited.calls > 0) {
      this.rateLimited.calls -= 1;
      this.calls.push({ method: `${method} (rate limited)`, args, token });
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(this.rateLimited.retryAfterSeconds) });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const failure = method === 'chat.postMessage' || method === 'chat.update' ? this.failures.shift() : undefined;
    if (failure !== undefined) {
      this.calls.push({ method: `${method} (failed ${failure})`, args, token });
      if (failure === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(failure, { 'content-type': 'text/html' });
      res.end('<html>upstream error</html>');
      return;
    }
    let body: Record<string, unknown> = { ok: true };
    let ts: string | undefined;
    if (method === 'auth.test') body = { ok: true, user_id: 'UBACKUPDOC', bot_id: 'BBACKUPDOC', team_id: 'T0TEST', user: 'backup-doctor' };
    if (method === 'chat.postMessage') {
      this.counter += 1;
      ts = `1700000${String(this.counter).padStart(3, '0')}.000100`;
      body = { ok: true, channel: args['channel'], ts, message: { text: args['text'] } };
    }
    if (method === 'chat.update') body = { ok: true, channel: args['channel'], ts: args['ts'] };
    if (method === 'chat.postEphemeral') body = { ok: true, message_ts: '1700009999.000100' };
    this.calls.push({ method, args, token, ...(ts ? { ts } : {}) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
