import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Bot instances as separate operating-system processes: the production entry (src/main.ts under
 * tsx's loader, so no build step and one process per bot: SIGKILL kills the bot itself), each on
 * a port of its own, configured only through the environment, as App Service runs them.
 */

const repoRoot = join(__dirname, '..', '..', '..');

/** One pino line of a bot's stdout. */
export interface LogLine {
  readonly msg?: string;
  readonly time?: number;
  readonly level?: number;
  readonly [field: string]: unknown;
}

export interface BotProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Every log line the bot wrote so far. */
  readonly logs: LogLine[];
  /** `kill -9`: no shutdown, no lease release, sends in flight cut off. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: the bot's own shutdown (releases the lease). */
  stop(): Promise<void>;
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

const exitOf = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

/** Another entry than src/main.ts (one that wraps it), Node flags before it, and an IPC channel to the child. */
export interface BotProcessOptions {
  readonly entry?: string;
  readonly nodeArgs?: readonly string[];
  readonly ipc?: boolean;
  /** Run `entry` as plain JavaScript, without tsx's loader (a compiled build, as `npm start` runs it). */
  readonly compiled?: boolean;
}

/** Starts `src/main.ts` with `env` (and nothing else of the test's environment but PATH); resolves once it listens. */
export async function startBotProcess(name: string, env: Record<string, string>, timeoutMs = 60_000, options: BotProcessOptions = {}): Promise<BotProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...(options.compiled ? [] : ['--import', 'tsx']), options.entry ?? join(repoRoot, 'src', 'main.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const logs: LogLine[] = [];
  let waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return; // Not a log line.
    }
    logs.push(line);
    waiters = waiters.filter((w) => {
      if (!w.match(line)) return true;
      w.resolve(line);
      return false;
    });
  });
  const waitForLog = (match: (line: LogLine) => boolean, waitMs = 30_000): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no matching log line in ${waitMs} ms; stderr: ${stderr.trim()}`)), waitMs);
      waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  };
  const exited = new Promise<never>((_resolve, reject) => child.once('exit', (code, signal) => reject(new Error(`${name} exited (${String(code ?? signal)}) before listening: ${stderr.trim()}`))));
  exited.catch(() => undefined);
  let listening: LogLine;
  try {
    listening = await Promise.race([waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('listening') && typeof l['port'] === 'number', timeoutMs), exited]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    name,
    url: `http://127.0.0.1:${String(listening['port'])}`,
    child,
    logs,
    waitForLog,
    async kill() {
      child.kill('SIGKILL');
      await exitOf(child);
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitOf(child);
      clearTimeout(timer);
    },
  };
}

/** POSTs a JSON body; a refused connection (a killed instance) is status 0, as a webhook sender would see it. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  } catch {
    return { status: 0, body: {} };
  }
}

/** Runs `tasks` with at most `limit` at a time; results in order. */
export async function inParallel<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) results[i] = await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}
