/**
 * `npm run demo`: the bot in local mode with its embedded defaults, the local ARM simulator,
 * and the Microsoft 365 Agents Playground (a local Teams client) connected to it.
 * Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type App, createApp } from '../src/app';
import { startArmSimulator } from '../dev/arm-simulator';
import { loadConfig } from '../src/config';
import { type RunningServer, createServer, listen } from '../src/server/create-server';

export interface DemoOptions {
  /** Bot port (default 3978). */
  readonly botPort?: number;
  /** Interface the bot listens on (default 127.0.0.1: local mode is anonymous, so never on the network). */
  readonly botHost?: string;
  /** Playground UI port (default 56150). */
  readonly playgroundPort?: number;
  /** Folder for the SQLite file and the simulator's CA (default ./data). */
  readonly dataDir?: string;
  /** Fixed playground conversation id for the personal chat (scripted tests). */
  readonly conversationId?: string;
  /** Start the local ARM simulator (default true). */
  readonly simulator?: boolean;
  /** Where the playground writes its own output (default: inherit). */
  readonly playgroundOutput?: 'inherit' | 'ignore';
}

export interface Demo {
  readonly app: App;
  readonly bot: RunningServer;
  readonly playgroundUrl: string;
  readonly playground: ChildProcess;
  /** Rejects if the playground process exits on its own. */
  readonly exitedEarly: Promise<never>;
  stop(): Promise<void>;
}

const repoRoot = resolve(__dirname, '..');

/** The demo's local secrets (local mode only; production requires its own). */
export const demoAlertsSecret = 'local-demo-secret';
export const demoAuditKey = 'local-demo-audit-key';

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const dataDir = resolve(options.dataDir ?? join(repoRoot, 'data'));
  mkdirSync(dataDir, { recursive: true });
  const botPort = options.botPort ?? 3978;
  const playgroundPort = options.playgroundPort ?? 56150;

  // ---- Azure: the local ARM simulator (dev/arm-simulator) -----------------------------------
  // HOOK for the Azure engineer: the simulator is started here and the bot is pointed at it
  // through the same settings production uses for a custom endpoint (AZURE_ENDPOINT / AZURE_CA_FILE).
  const overrides: Record<string, string> = {
    BOT_MODE: 'local',
    PORT: String(botPort),
    STATE_FILE: join(dataDir, 'backup-doctor.sqlite'),
    // The demo policy lets the playground's users request and approve fixes (two people for high-risk ones).
    FIX_POLICY_FILE: process.env['FIX_POLICY_FILE'] ?? join(repoRoot, 'config', 'demo-policy.json'),
    // The simulator finishes jobs in seconds, so the verifying backup is followed closely.
    FIX_VERIFY_POLL_SECONDS: process.env['FIX_VERIFY_POLL_SECONDS'] ?? '1',
    // GET /api/audit is off without a key; the demo turns it on with a local one (printed below).
    AUDIT_API_KEY: process.env['AUDIT_API_KEY'] ?? demoAuditKey,
  };
  let stopSimulator: (() => Promise<void>) | undefined;
  if (options.simulator !== false) {
    const scenario = loadConfig(overrides).azure.simulatorScenario ?? join(repoRoot, 'scenarios', 'default.json');
    const simulator = await startArmSimulator({ scenario });
    const caFile = join(dataDir, 'demo-arm-simulator-ca.pem');
    writeFileSync(caFile, simulator.caPem);
    overrides['AZURE_ENDPOINT'] = simulator.endpoint;
    overrides['AZURE_CA_FILE'] = caFile;
    // Log search alerts on backup jobs are answered from the simulator's query endpoint (its scenario's failed jobs).
    overrides['LOG_ANALYTICS_WORKSPACE_ID'] = process.env['LOG_ANALYTICS_WORKSPACE_ID'] ?? '00000000-0000-0000-0000-00000000da7a';
    overrides['LOG_ANALYTICS_ENDPOINT'] = simulator.endpoint;
    stopSimulator = () => simulator.close();
  }
  // ---------------------------------------------------------------------------------------------

  const config = loadConfig(overrides);
  const app = createApp(config);
  const bot = await listen(createServer(app), config.port, options.botHost ?? '127.0.0.1');

  const args = ['-e', `http://127.0.0.1:${bot.port}/api/messages`, '-c', 'msteams', '-p', String(playgroundPort), '--dt'];
  if (options.conversationId) args.push('--conversation-id', options.conversationId);
  const playground = spawn(join(repoRoot, 'node_modules', '.bin', 'agentsplayground'), args, {
    cwd: dataDir,
    stdio: options.playgroundOutput === 'ignore' ? 'ignore' : ['ignore', 'inherit', 'inherit'],
    // The playground would open a browser with xdg-open and exit where there is none (servers,
    // containers): the URL is printed instead.
    env: { ...processEnvForChild(), TEAMSAPPTESTER_BROWSER: 'none' },
  });
  const playgroundUrl = `http://localhost:${playgroundPort}`;
  // Watched from the start so an early exit (port taken...) is reported, not waited on.
  const exitedEarly = new Promise<never>((_, reject) =>
    playground.once('exit', (code) => reject(new Error(`Agents Playground exited with code ${String(code)}; see ${join(dataDir, 'devTools')}`))),
  );
  exitedEarly.catch(() => undefined);

  let stopped = false;
  return {
    app,
    bot,
    playgroundUrl,
    playground,
    exitedEarly,
    async stop() {
      if (stopped) return;
      stopped = true;
      // The bot first, while the playground still answers: a turn in flight finishes its reply
      // instead of retrying against a dead connector for seconds after everything else stopped.
      await withinMs(bot.close(), 3000);
      await app.close();
      if (playground.exitCode === null) {
        const exited = new Promise<void>((done) => playground.once('exit', () => done()));
        playground.kill('SIGTERM');
        await withinMs(exited, 3000);
        if (playground.exitCode === null) playground.kill('SIGKILL');
      }
      await stopSimulator?.();
    },
  };
}

/** Waits for `promise`, at most `ms`. */
async function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((done) => (timer = setTimeout(done, ms)))]);
  clearTimeout(timer);
}

/** The child's environment: the playground needs PATH and HOME like any CLI. */
function processEnvForChild(): NodeJS.ProcessEnv {
  return { ...process.env };
}

/** Waits until the playground answers HTTP (it takes a few seconds to start). */
export async function waitForPlayground(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${url}/_internal/v1/testConfig`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Agents Playground did not start at ${url} within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

async function main(): Promise<void> {
  const demo = await startDemo();
  try {
    await Promise.race([waitForPlayground(demo.playgroundUrl), demo.exitedEarly]);
  } catch (error) {
    await demo.stop();
    throw error;
  }
  process.stdout.write(
    [
      '',
      'Backup Doctor is running (local mode, anonymous: do not expose this port).',
      `  Bot endpoint:     ${demo.bot.url}/api/messages`,
      `  Open the local Teams client: ${demo.playgroundUrl}`,
      '  Try: UserErrorGuestAgentStatusUnavailable | Could not communicate with the VM agent for snapshot status | help | kody',
      '       why did the backup of vm-sql01 fail? (then Run checks, a fix button) | failed backups in the last 24 hours | audit vm-sql01',
      '       at risk (the fleet health sweep: the VMs that will fail tonight, by cause, with their fix buttons)',
      '       in the channel General: @Test Bot subscribe, then in another terminal: npm run demo:alerts',
      `  Alerts webhook:   POST ${demo.bot.url}/api/alerts (header x-backup-doctor-key: ${process.env['ALERTS_SHARED_SECRET'] ?? demoAlertsSecret})`,
      `  Audit export:     curl -H 'Authorization: Bearer ${process.env['AUDIT_API_KEY'] ?? demoAuditKey}' ${demo.bot.url}/api/audit`,
      `  Health:           ${demo.bot.url}/healthz  ${demo.bot.url}/readyz  ${demo.bot.url}/metrics`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  const shutdown = (): void => {
    demo.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  demo.playground.once('exit', (code) => {
    process.stderr.write(`Agents Playground exited (${String(code)}); stopping.\n`);
    shutdown();
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
