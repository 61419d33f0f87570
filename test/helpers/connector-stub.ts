import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the bot made to the Bot Framework connector. */
export interface CapturedCall {
  readonly kind: 'send' | 'reply' | 'update';
  readonly conversationId: string;
  /** For replies: the activity replied to; for updates: the activity replaced. */
  readonly activityId?: string;
  /** The id the stub gave a new message (send and reply). */
  readonly createdId?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- activities are free-form JSON; tests read the fields they check
  readonly activity: any;
}

/**
 * A tiny stand-in for the Bot Framework connector (the serviceUrl of an activity):
 * it records what the bot sends and updates, answering like the real service.
 */
export class ConnectorStub {
  readonly calls: CapturedCall[] = [];
  /** When false (benchmarks), bodies are drained but neither parsed nor kept, so the stub costs both bots the same. */
  keepCalls = true;
  /** Calls answered, recorded or not. */
  answered = 0;
  /** While true, every call is read and then never answered, like a connector that hangs. */
  hang = false;
  /** Calls left hanging so far. */
  hung = 0;
  /** While set, every call is refused with this status (503 failing, 429 throttling), like a connector in trouble. */
  refuseWith: { status: number; retryAfterSeconds?: number } | undefined;
  /** Calls refused so far. */
  refused = 0;
  /** Called with every call recorded, before `calls` is trimmed by anyone (a long run counts here). */
  onCall: ((call: CapturedCall) => void) | undefined;
  private server: Server | undefined;
  private counter = 0;
  private waiters: { predicate: (calls: CapturedCall[]) => boolean; resolve: () => void }[] = [];

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/`;
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

  /** Resolves once the captured calls satisfy `predicate` (or rejects after `timeoutMs`). */
  async waitFor(predicate: (calls: CapturedCall[]) => boolean, timeoutMs = 5000): Promise<CapturedCall[]> {
    if (predicate(this.calls)) return this.calls;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connector stub: condition not met in ${timeoutMs} ms; calls: ${JSON.stringify(this.calls.map((c) => c.kind))}`)), timeoutMs);
      this.waiters.push({
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
    return this.calls;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.hang) {
      this.hung += 1;
      return;
    }
    if (this.refuseWith) {
      this.refused += 1;
      const retryAfter = this.refuseWith.retryAfterSeconds;
      res.writeHead(this.refuseWith.status, { 'content-type': 'application/json', ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}) });
      res.end(JSON.stringify({ error: { code: 'ServiceError', message: 'refused by the test' } }));
      return;
    }
    this.answered += 1;
    if (!this.keepCalls) {
      this.counter += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"id":"msg-${this.counter}"}`);
      return;
    }
    const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    const url = new URL(req.url ?? '/', 'http://stub');
    const match = url.pathname.match(/^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/);
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NotFound', message: url.pathname } }));
      return;
    }
    const conversationId = decodeURIComponent(match[1] as string);
    const activityId = match[2] ? decodeURIComponent(match[2]) : undefined;
    if (req.method === 'PUT' && activityId) {
      this.record({ kind: 'update', conversationId, activityId, activity: body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: activityId }));
      return;
    }
    if (req.method === 'POST') {
      this.counter += 1;
      const createdId = `msg-${this.counter}`;
      this.record({ kind: activityId ? 'reply' : 'send', conversationId, ...(activityId ? { activityId } : {}), createdId, activity: body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: createdId }));
      return;
    }
    res.writeHead(405);
      res.end();
  }

  private record(call: CapturedCall): void {
    this.calls.push(call);
    this.onCall?.(call);
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate(this.calls)) return true;
      w.resolve();
      return false;
    });
  }
}

/** The Adaptive Card in a captured message, if it has one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- card JSON
export function cardOf(call: CapturedCall | undefined): any {
  return call?.activity?.attachments?.[0]?.content;
}

/** A card's Action.Execute: its title, verb and data. */
export interface CardAction {
  readonly title: string;
  readonly verb: string;
  readonly data: Record<string, unknown>;
}

/** Every Action.Execute in a card, body action sets and show-cards included (fallbacks skipped). */
export function cardExecutes(node: unknown): CardAction[] {
  if (Array.isArray(node)) return node.flatMap(cardExecutes);
  if (node === null || typeof node !== 'object') return [];
  const r = node as Record<string, unknown>;
  const own = r['type'] === 'Action.Execute' ? [{ title: String(r['title']), verb: String(r['verb']), data: r['data'] as Record<string, unknown> }] : [];
  return [...own, ...Object.entries(r).flatMap(([k, v]) => (k === 'fallback' ? [] : cardExecutes(v)))];
}

/** Every TextBlock text in a card, in order, joined by newlines (for readable assertions). */
export function cardText(card: unknown): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      // Cards show plain text as RichTextBlock > TextRun (src/channels/teams/plain-text.ts), timestamps as TextBlock.
      if ((record['type'] === 'TextBlock' || record['type'] === 'TextRun') && typeof record['text'] === 'string') texts.push(record['text']);
      for (const [key, value] of Object.entries(record)) if (key !== 'fallback') walk(value);
    }
  };
  walk(card);
  return texts.join('\n');
}

/** The card's top-level actions as { title, verb, data }. */
export function cardActions(card: unknown): { title: string; verb: string; data: Record<string, unknown> }[] {
  const actions = (card as { actions?: { title: string; verb: string; data: Record<string, unknown> }[] } | undefined)?.actions ?? [];
  return actions.map((a) => ({ title: a.title, verb: a.verb, data: a.data }));
}
