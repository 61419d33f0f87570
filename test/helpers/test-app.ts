import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import { type App, type AppOverrides, createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { type RunningServer, createServer, listen } from '../../src/server/create-server';

export interface TestBot {
  readonly app: App;
  readonly running: RunningServer;
  /** POSTs an activity to /api/messages like a channel would; returns the HTTP status and JSON body. */
  post(activity: Partial<Activity>): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

/** A temp folder for one test file's SQLite state, removed by the returned cleanup. */
export function tempStateFile(): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'backup-doctor-'));
  return { file: join(dir, 'state.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The real app (local mode, real SQLite, real CloudAdapter) on a free port. */
export async function startTestBot(stateFile: string, env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<TestBot> {
  const config = parseConfig({ BOT_MODE: 'local', STATE_FILE: stateFile, LOG_LEVEL: 'silent', ...env });
  const app = createApp(config, { logger: createLogger('silent'), ...overrides });
  const running = await listen(createServer(app), 0, '127.0.0.1');
  return {
    app,
    running,
    async post(activity) {
      const response = await fetch(`${running.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      const text = await response.text();
      return { status: response.status, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
    },
    async stop() {
      await running.close();
      await app.close();
    },
  };
}
