import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  readonly kind: 'create' | 'reply' | 'update';
  readonly conversationId: string;
  readonly activityId: string;
  readonly at: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- activities are free-form JSON; tests read the fields they check
  readonly activity: any;
}

/**
 * A Bot Framework connector stand-in that can fail on demand (429 with Retry-After, 412, 502...,
 * a reset connection)
 * and records only the calls it accepted, so "delivered once" is countable.
 */
export class FlakyConnector {
  readonly calls: ConnectorCall[] = [];
  /** Calls answered with a failure, with the size of the card each carried. */
  readonly refused: { status: number; conversationId: string; cardBytes: number }[] = [];
  private failures: { status: number; headers: Record<string, string>; conversationId?: string }[] = [];
  /** Conversations whose calls are parked (a connector that does not answer) until release(). */
  private readonly holding = new Map<string, (() => void)[]>();
  private server: Server | undefined;
  private counter = 0;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  /** The next `count` calls (for a conversation, or any) are answered with `status`. */
  failNext(count: number, status: number, headers: Record<string, string> = {}, conversationId?: string): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, headers, ...(conversationId ? { conversationId } : {}) });
  }

  /** The next `count` calls (for a conversation, or any) get their connection reset, with no answer at all. */
  resetNext(count: number, conversationId?: string): void {
    for (let i = 0; i < count; i++) this.failures.push({ status: 0, headers: {}, ...(conversationId ? { conversationId } : {}) });
  }

  /** Failures asked for and not yet used are forgotten: the connector answers normally again. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Calls for this conversation get no answer until release(conversationId). */
  hold(conversationId: string): void {
    if (!this.holding.has(conversationId)) this.holding.set(conversationId, []);
  }

  /** How many calls for this conversation are parked. */
  held(conversationId: string): number {
    return this.holding.get(conversationId)?.length ?? 0;
  }

  /** Answers the parked calls (as they would have been answered) and stops holding. */
  release(conversationId: string): void {
    const parked = this.holding.get(conversationId) ?? [];
    this.holding.delete(conversationId);
    for (const go of parked) go();
  }

  of(conversationId: string, kind?: ConnectorCall['kind']): ConnectorCall[] {
    return this.calls.filter((c) => c.conversationId === conversationId && (kind === undefined || c.kind === kind));
  }

  /** The latest card shown in each message of a conversation (create, then its updates). */
  latestCards(conversationId: string): Map<string, unknown> {
    const cards = new Map<string, unknown>();
    for (const c of this.of(conversationId)) if (c.kind !== 'reply') cards.set(c.activityId, c.activity?.attachments?.[0]?.content);
    return cards;
  }

  async waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
    const start = Date.now();
    while (!predicate()) {
      if (Date.now() - start > timeoutMs) throw new Error(`flaky connector: condition not met in ${timeoutMs} ms (${this.calls.length} calls)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    const match = (req.url ?? '').match(/^\/v3\/conversations\/([^/?]+)\/activities(?:\/([^/?]+))?/);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    };
    if (!match) return send(404, { error: { code: 'NotFound', message: req.url } });
    const conversationId = decodeURIComponent(match[1] as string);
    const pathActivity = match[2] ? decodeURIComponent(match[2]) : undefined;
    const parked = this.holding.get(conversationId);
    if (parked) {
      let senderGone = false;
      res.once('close', () => (senderGone = true));
      await new Promise<void>((resolve) => parked.push(resolve));
      // The sender died (kill -9) while its call was held: no answer reached it, so the call never happened.
      if (senderGone || res.destroyed) return;
    }
    const index = this.failures.findIndex((f) => f.conversationId === undefined || f.conversationId === conversationId);
    if (index >= 0) {
      const failure = this.failures.splice(index, 1)[0]!;
      this.refused.push({ status: failure.status, conversationId, cardBytes: Buffer.byteLength(JSON.stringify(body?.attachments?.[0]?.content ?? null)) });
      if (failure.status === 0) {
        req.socket.destroy();
        return;
      }
      return send(failure.status, { error: { code: 'Throttled', message: `stub answered ${failure.status}` } }, failure.headers);
    }
    if (req.method === 'PUT' && pathActivity) {
      this.calls.push({ kind: 'update', conversationId, activityId: pathActivity, at: Date.now(), activity: body });
      return send(200, { id: pathActivity });
    }
    if (req.method === 'POST') {
      const id = `act-${++this.counter}`;
      // A reply (POST .../activities/{replyTo}) is the bot answering a command; a bare POST is a proactive card.
      this.calls.push({ kind: pathActivity ? 'reply' : 'create', conversationId, activityId: id, at: Date.now(), activity: body });
      return send(200, { id });
    }
    return send(405, {});
  }
}
