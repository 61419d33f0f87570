import { type Socket, connect } from 'node:net';

/**
 * An HTTP/1.1 client on a bare socket, for what fetch cannot do: send a request a byte at a time,
 * stop in the middle of the headers or the body, and see whether the server closes the connection.
 */
export interface RawAnswer {
  /** 0 when the server closed without answering. */
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

export interface RawClient {
  readonly socket: Socket;
  /** Writes now (nothing once the server has closed the connection). */
  write(bytes: string | Buffer): void;
  /** Writes `bytes` one at a time, `gapMs` apart, until all are sent or the server closes the connection. */
  trickle(bytes: string | Buffer, gapMs: number): Promise<void>;
  /**
   * What the server answered, once it has closed the connection. Rejects when the connection is
   * still open `waitMs` later: the server keeps a socket for a client that sends nothing.
   */
  closed(waitMs: number): Promise<RawAnswer>;
}

export async function openRaw(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  // A reset after the answer is the server dropping what it will not read: the answer is still what was received.
  socket.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const open = (): boolean => !socket.destroyed && socket.writable;
  const write = (bytes: string | Buffer): void => {
    if (open()) socket.write(bytes);
  };
  return {
    socket,
    write,
    async trickle(bytes, gapMs) {
      const all = Buffer.from(bytes);
      for (let i = 0; i < all.length && open(); i++) {
        write(all.subarray(i, i + 1));
        await Promise.race([new Promise((resolve) => setTimeout(resolve, gapMs)), ended]);
      }
    },
    async closed(waitMs) {
      let timer: NodeJS.Timeout | undefined;
      const stillOpen = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`the server kept the connection open ${waitMs} ms after the request stopped; received: ${Buffer.concat(received).toString().slice(0, 200)}`));
        }, waitMs);
      });
      try {
        await Promise.race([ended, stillOpen]);
      } finally {
        clearTimeout(timer);
      }
      return parse(Buffer.concat(received).toString('utf8'));
    },
  };
}

/** A request line and headers (and the blank line that ends them). */
export function head(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ host: '127.0.0.1', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

function parse(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: {} };
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  const rest = text.slice(end + 4);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body: jsonOrText(rest) };
}

function jsonOrText(text: string): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return { text };
  }
}
