import { AlertProcessor } from '../../../src/alerts/alert-processor';
import { codeIdentifierOf } from '../../../src/core/incidents/identify-alert-code';
import { AlertLedger } from '../../../src/core/incidents/accept-alert';
import type { AzurePort } from '../../../src/core/azure-port';
import type { BackupAlert } from '../../../src/core/incidents/backup-alert';
import { transactionalAcceptor } from '../../../src/core/incidents/alert-acceptor';
import { createIdentifier } from '../../../src/core/identify';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { createLogger } from '../../../src/logger';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteAlertInbox } from '../../../src/storage/sqlite-alert-inbox';
import { SqliteIncidentStore, sqliteUnitOfWork } from '../../../src/storage/sqlite-incident-store';
import { SqliteOutbox } from '../../../src/storage/sqlite-outbox';
import { SqliteSubscriptionStore } from '../../../src/storage/sqlite-subscription-store';
import { sqliteSharedStores } from '../../../src/storage/sqlite-shared-stores';
import type { IntervalTimer } from '../../../src/storage/session-purge';
import { type Harness, PROD_VAULT, SUB, startHarness } from '../azure/simulator-harness';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { ManualClock, alertEnv, metricValue, metricsText, postAlert } from './alert-test-kit';

/**
 * Alerts that wait for their job after the 202 (the message says nothing about the code): the
 * processor asks Azure (the real SDK clients against the ARM simulator) and groups them.
 */

const JOB = '6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0001'; // vm-sql01 in rsv-prod-weu: UserErrorGuestAgentStatusUnavailable
const vaultId = `/subscriptions/${SUB}/resourceGroups/${PROD_VAULT.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${PROD_VAULT.name}`;
const waitingAlert = { vault: vaultId, vm: 'vm-sql01', message: 'Backup failed (see the job)', jobId: JOB };
const jobLookups = (h: Harness) => h.sim.requests.filter((r) => r.method === 'GET' && r.path.toLowerCase().endsWith(`/backupjobs/${JOB}`)).length;

/** A timer the test fires by hand. */
class ManualTimer implements IntervalTimer {
  readonly runs: (() => void)[] = [];
  setInterval(run: () => void): unknown {
    this.runs.push(run);
    return this.runs.length;
  }
  clearInterval(): void {
    this.runs.length = 0;
  }
  fire(): void {
    for (const run of this.runs) run();
  }
}

describe('alerts waiting for their job (webhook -> processor -> Azure)', () => {
  let h: Harness;
  let bot: TestBot;
  let state: { file: string; cleanup: () => void };
  beforeEach(async () => {
    // No SDK retries: each throttled answer reaches the processor.
    h = await startHarness({}, { retry: { maxRetries: 0 } });
    state = tempStateFile();
    bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys'), { clock: new ManualClock(), alerts: { azure: h.gateway, startWorkers: false, sleep: () => Promise.resolve() } });
  });
  afterEach(async () => {
    await bot.stop();
    await h.sim.close();
    state.cleanup();
  });

  it('asks again when Azure throttles the job lookup, and identifies the alert', async () => {
    h.sim.faults.throttle(`/backupJobs/${JOB}`, { times: 2, retryAfterSeconds: 0 });
    const r = await postAlert(bot.running.url, waitingAlert);
    expect(r.status).toBe(202);
    expect(r.body['status']).toBe('pending');
    await bot.app.alerts.processor.processPending();
    const entry = bot.app.alerts.sqlite!.inbox.find(`fired:job:${JOB}`)!;
    expect(entry.status).toBe('grouped');
    expect(bot.app.alerts.sqlite!.incidents.get(entry.incidentId!)!.code).toBe('UserErrorGuestAgentStatusUnavailable');
    expect(jobLookups(h)).toBe(3);
    // The incident it opened is counted.
    expect(metricValue(await metricsText(bot.running.url), 'backup_doctor_incidents_opened_total')).toBe(1);
  });

  it('groups the alert as unidentified only after a few throttled answers', async () => {
    h.sim.faults.throttle(`/backupJobs/${JOB}`, { times: 50, retryAfterSeconds: 0 });
    await postAlert(bot.running.url, waitingAlert);
    await bot.app.alerts.processor.processPending();
    const entry = bot.app.alerts.sqlite!.inbox.find(`fired:job:${JOB}`)!;
    expect(entry.status).toBe('grouped');
    expect(bot.app.alerts.sqlite!.incidents.get(entry.incidentId!)!.code).toBeNull();
    expect(jobLookups(h)).toBe(4);
  });

  it('says on the incident card why the job could not be read when the identity may not read it', async () => {
    h.sim.faults.deny(vaultId);
    await postAlert(bot.running.url, waitingAlert);
    await bot.app.alerts.processor.processPending();

    const entry = bot.app.alerts.sqlite!.inbox.find(`fired:job:${JOB}`)!;
    const incident = bot.app.alerts.sqlite!.incidents.get(entry.incidentId!)!;
    expect(incident.code).toBeNull();
    const view = bot.app.alerts.delivery.view(incident, 'en');
    expect(view.message).toMatch(new RegExp(`^Backup failed \\(see the job\\) \\(The bot could not read backup job ${JOB}: .*Backup Reader`));
  });
});

describe('stopping the app while an alert waits for its job', () => {
  it('App.close() waits for the lookup under way, so the alert is grouped before the store closes', async () => {
    const h = await startHarness({}, { retry: { maxRetries: 0 } });
    const state = tempStateFile();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let asked!: () => void;
    const lookupStarted = new Promise<void>((resolve) => (asked = resolve));
    const slowAzure = new Proxy(h.gateway as AzurePort, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (prop === 'getBackupJob') {
          return async (...args: Parameters<AzurePort['getBackupJob']>) => {
            asked();
            await gate;
            return target.getBackupJob(...args);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    try {
      const bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys'), { alerts: { azure: slowAzure, startWorkers: false } });
      expect((await postAlert(bot.running.url, waitingAlert)).body['status']).toBe('pending');
      await lookupStarted;
      let closed = false;
      const closing = bot.stop().then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toBe(false);
      open();
      await closing;

      const db = openSqliteDatabase(state.file);
      try {
        const entry = new SqliteAlertInbox(db).find(`fired:job:${JOB}`)!;
        expect(entry.status).toBe('grouped');
        expect(new SqliteIncidentStore(db).get(entry.incidentId!)!.code).toBe('UserErrorGuestAgentStatusUnavailable');
      } finally {
        db.close();
      }
    } finally {
      await h.sim.close();
      state.cleanup();
    }
  });
});

describe('a processor run that fails', () => {
  let h: Harness;
  let db: SqliteDatabase;
  let state: { file: string; cleanup: () => void };
  beforeAll(async () => {
    h = await startHarness({}, { retry: { maxRetries: 0 } });
  });
  afterAll(() => h.sim.close());
  beforeEach(() => {
    state = tempStateFile();
    db = openSqliteDatabase(state.file);
  });
  afterEach(() => {
    db.close();
    state.cleanup();
  });

  it('is logged rather than thrown, and the timer processes the waiting alert without a new alert arriving', async () => {
    const clock = new ManualClock();
    const inbox = new SqliteAlertInbox(db);
    const incidents = new SqliteIncidentStore(db);
    let ids = 0;
    const ledger = new AlertLedger({
      unitOfWork: sqliteUnitOfWork(db),
      inbox,
      incidents,
      outbox: new SqliteOutbox(db, clock),
      subscriptions: new SqliteSubscriptionStore(db),
      ids: { next: () => `id-${++ids}` },
      windowMs: 3_600_000,
      coalesceMs: 5_000,
    });
    const alert: BackupAlert = {
      source: 'minimal',
      condition: 'fired',
      vault: { name: PROD_VAULT.name, subscriptionId: SUB, resourceGroup: PROD_VAULT.resourceGroup },
      vm: { name: 'vm-sql01' },
      jobId: JOB,
      message: 'Backup failed (see the job)',
      codeHints: [],
      occurredAt: clock.now(),
    };
    expect(ledger.acceptMany([{ alert, code: undefined, awaitJob: true, receivedAt: clock.now() }])[0]!.kind).toBe('pending');

    // The store fails once (a locked or full disk) when the processor reads what waits.
    let failures = 1;
    const flakyInbox = new Proxy(sqliteSharedStores(db, clock).inbox, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (prop === 'listByStatus' && failures > 0) {
          return () => {
            failures -= 1;
            throw new Error('SQLITE_BUSY: database is locked');
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const timer = new ManualTimer();
    const processor = new AlertProcessor({
      inbox: flakyInbox,
      ledger: transactionalAcceptor(ledger),
      identifier: codeIdentifierOf(createIdentifier(loadKnowledgeBase())),
      azure: h.gateway,
      clock,
      logger: createLogger('silent'),
      timer,
      retryIntervalMs: 60_000,
    });
    processor.start();
    await expect(processor.processPending()).resolves.toBe(0);
    expect(inbox.find(`fired:job:${JOB}`)!.status).toBe('needs-job');

    // No new alert: the timer's next tick processes it.
    timer.fire();
    await expect(processor.processPending()).resolves.toBe(1);
    const entry = inbox.find(`fired:job:${JOB}`)!;
    expect(entry.status).toBe('grouped');
    expect(incidents.get(entry.incidentId!)!.code).toBe('UserErrorGuestAgentStatusUnavailable');
    await processor.stop();
  });
});
