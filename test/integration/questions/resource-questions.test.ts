import { createResourceQuestions, resolveWindow, troubleshootJobVerb } from '../../../src/core/questions';
import { systemClock } from '../../../src/core/ports';
import { ConnectorStub, cardOf, cardText, type CapturedCall } from '../../helpers/connector-stub';
import { executeInvoke, message, submitMessage } from '../../helpers/activities';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { type Harness, PROD_VAULT, SUB, startHarness } from '../azure/simulator-harness';
import { cardFacts } from '../../helpers/card-facts';

/**
 * Questions about real resources, end to end: activities POSTed to the real CloudAdapter, the
 * real SDK gateway against the ARM simulator with scenarios/default.json, replies captured by
 * the connector stub.
 */

const prodScope = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-prod-weu`;

/** The seeded failures of scenarios/default.json in rsv-prod-weu, all "now-2h", and the code each job's error names. */
const seeded: Record<string, string> = {
  'vm-sql01': 'UserErrorGuestAgentStatusUnavailable',
  'vm-web01': 'ExtensionSnapshotFailedNoNetwork',
  'vm-app02': 'ExtensionOperationFailedForManagedDisks',
  'vm-linux01': 'GuestAgentSnapshotTaskStatusError',
  'vm-files01': 'BackUpOperationFailed',
  'vm-linux02': 'BackUpOperationFailedV2',
  'vm-linux03': 'GuestAgentSnapshotTaskStatusError',
};

let stub: ConnectorStub;
let serviceUrl: string;
let bot: TestBot;
let harness: Harness;
let state: ReturnType<typeof tempStateFile>;

beforeAll(async () => {
  stub = new ConnectorStub();
  serviceUrl = await stub.start();
  harness = await startHarness();
  state = tempStateFile();
  // The app's own composition (src/app.ts) registers the questions once it has an Azure port.
  bot = await startTestBot(state.file, {}, { alerts: { azure: harness.gateway, startWorkers: false } });
}, 30_000);

afterAll(async () => {
  await bot.stop();
  await harness.sim.close();
  await stub.stop();
  state.cleanup();
});

beforeEach(() => stub.clear());

/** POSTs a message and waits for the bot's first new message. */
async function ask(text: string, locale = 'en-US'): Promise<CapturedCall> {
  const before = stub.calls.length;
  const res = await bot.post(message(text, { serviceUrl, locale, conversationId: 'conv-questions' }));
  expect(res.status).toBe(200);
  const calls = await stub.waitFor((c) => c.slice(before).some((x) => x.kind !== 'update'), 15_000);
  return calls.slice(before).find((x) => x.kind !== 'update') as CapturedCall;
}

/** Every Action.Execute in a card (rows carry their own ActionSets). */
function executeActions(card: unknown): { title: string; verb: string; data: Record<string, unknown> }[] {
  const found: { title: string; verb: string; data: Record<string, unknown> }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const r = node as Record<string, unknown>;
      if (r['type'] === 'Action.Execute') found.push({ title: String(r['title']), verb: String(r['verb']), data: r['data'] as Record<string, unknown> });
      Object.values(r).forEach(walk);
    }
  };
  walk(card);
  return found;
}

/** The session behind a troubleshooting card (its buttons carry only the session id). */
async function sessionOf(card: unknown): Promise<Awaited<ReturnType<TestBot['app']['sessions']['get']>>> {
  const sessionId = executeActions(card).find((a) => typeof a.data['sessionId'] === 'string')?.data['sessionId'];
  expect(typeof sessionId).toBe('string');
  return bot.app.sessions.get(String(sessionId));
}

describe('why did the backup of <vm> fail?', () => {
  test('opens the troubleshooting card for the code of the latest failed job, with VM, vault and job filled in', async () => {
    const reply = await ask('why did the backup of vm-sql01 fail?');
    const card = cardOf(reply);
    const text = cardText(card);
    expect(text).toContain('UserErrorGuestAgentStatusUnavailable');
    expect(text).toContain('vm-sql01');
    expect(text).toContain('rsv-prod-weu');
    // The newer of vm-sql01's two failed jobs (now-2h, not now-1d-2h).
    expect(text).toContain('6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0001');
    const session = await sessionOf(card);
    expect(session).toMatchObject({
      codeId: 'UserErrorGuestAgentStatusUnavailable',
      language: 'en',
      target: { vm: 'vm-sql01', vault: 'rsv-prod-weu', jobId: '6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0001', subscriptionId: SUB, resourceGroup: 'rg-sql' },
    });
  });

  test.each(Object.entries(seeded))('%s opens %s', async (vm, code) => {
    const card = cardOf(await ask(`what happened to ${vm}'s backup`));
    expect((await sessionOf(card))?.codeId).toBe(code);
  });

  test('in Polish, the answer is in Polish', async () => {
    const card = cardOf(await ask('dlaczego kopia zapasowa vm-sql01 się nie powiodła?'));
    expect(cardText(card)).toContain('Przyczyna 1 z');
    expect(await sessionOf(card)).toMatchObject({ language: 'pl', codeId: 'UserErrorGuestAgentStatusUnavailable', target: { vm: 'vm-sql01', vault: 'rsv-prod-weu' } });
  });

  test('czemu backup vm-web01 padł (Polish, colloquial)', async () => {
    const card = cardOf(await ask('czemu backup vm-web01 padł'));
    expect(await sessionOf(card)).toMatchObject({ language: 'pl', codeId: 'ExtensionSnapshotFailedNoNetwork' });
  });

  test('an unknown VM gets a clear answer with the vaults searched', async () => {
    const text = cardText(cardOf(await ask('why did the backup of vm-nope99 fail?')));
    expect(text).toContain('I could not find vm-nope99');
    expect(text).toContain('rsv-prod-weu');
  });

  test('a misspelt VM name gets a suggestion', async () => {
    const text = cardText(cardOf(await ask('why did the backup of vm-sql1 fail?')));
    expect(text).toContain('Did you mean: vm-sql01?');
  });

  test('a healthy protected VM: no failed backup, with its last backup', async () => {
    const text = cardText(cardOf(await ask('why did the backup of vm-ok01 fail?')));
    expect(text).toContain('No failed backup of vm-ok01 in the last 7 days');
    expect(text).toContain('Completed');
  });

  test('a 403 from Azure names the missing role and its scope', async () => {
    const denials = harness.sim.state.denials;
    harness.sim.faults.deny(prodScope);
    try {
      const en = cardText(cardOf(await ask('why did the backup of vm-sql01 fail?')));
      expect(en).toContain('The bot is missing a permission in Azure');
      expect(en).toContain(`needs the Backup Reader role on ${prodScope}`);
      const pl = cardText(cardOf(await ask('dlaczego kopia zapasowa vm-sql01 się nie powiodła?')));
      expect(pl).toContain(`potrzebuje roli Backup Reader w zakresie ${prodScope}`);
    } finally {
      denials.splice(denials.findIndex((d) => d.scope === prodScope), 1);
    }
  });
});

describe('failed backups in a window', () => {
  test('"failed backups in the last 24 hours" lists every seeded failure with a Troubleshoot button each', async () => {
    const card = cardOf(await ask('failed backups in the last 24 hours'));
    const text = cardText(card);
    expect(text).toContain('Failed backups in the last 24 hours');
    for (const [vm, code] of Object.entries(seeded)) {
      expect(text).toContain(vm);
      expect(text).toContain(code);
    }
    expect(text).not.toContain('vm-ok01');
    const buttons = executeActions(card).filter((a) => a.verb === troubleshootJobVerb);
    expect(buttons).toHaveLength(Object.keys(seeded).length);
    expect(Object.keys(buttons[0]?.data ?? {}).sort()).toEqual(['jobId', 'lang', 'rg', 'sub', 'v', 'vault']);
  });

  test('"failed backups today" lists today\'s seeded failures', async () => {
    const card = cardOf(await ask('failed backups today'));
    expect(cardText(card)).toContain('Failed backups today');
    // The seeded jobs are "now-2h": before 02:00 UTC they belong to yesterday.
    const today = resolveWindow({ kind: 'today' }, new Date());
    const expected = (await harness.gateway.listFailedBackupJobs(PROD_VAULT, today)).map((j) => j.vmName);
    const rows = executeActions(card).filter((a) => a.verb === troubleshootJobVerb);
    expect(rows).toHaveLength(expected.length);
    if (new Date().getUTCHours() >= 3) expect(new Set(expected)).toEqual(new Set(Object.keys(seeded)));
  });

  /** An activity from a Teams client whose local clock reads `localMinutes` past midnight, as Teams sends it. */
  function fromClientAt(text: string, localMinutes: number, how: 'timestamp' | 'timezone') {
    const now = new Date();
    const utcMinutes = now.getUTCHours() * 60 + now.getUTCMinutes();
    let offset = (((localMinutes - utcMinutes) % 1440) + 1440) % 1440;
    if (offset > 14 * 60) offset -= 1440;
    const local = new Date(now.getTime() + offset * 60_000).toISOString().slice(0, 19);
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const stamp = `${local}.000${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    // Etc/GMT zones have whole-hour offsets with the sign reversed (Etc/GMT-5 is UTC+5).
    const hours = Math.round(offset / 60);
    const zone = hours === 0 ? 'Etc/UTC' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
    const base = message(text, { serviceUrl, conversationId: 'conv-questions' });
    return how === 'timestamp' ? { ...base, localTimestamp: stamp as unknown as Date } : { ...base, localTimezone: zone };
  }

  async function todayRows(activity: ReturnType<typeof fromClientAt>): Promise<string[]> {
    const before = stub.calls.length;
    expect((await bot.post(activity)).status).toBe(200);
    const calls = await stub.waitFor((c) => c.slice(before).some((x) => x.kind !== 'update'), 15_000);
    const card = cardOf(calls.slice(before).find((x) => x.kind !== 'update'));
    expect(cardText(card)).toContain('Failed backups today');
    return executeActions(card)
      .filter((a) => a.verb === troubleshootJobVerb)
      .map((a) => String(a.data['jobId']));
  }

  test('"today" is the asker\'s today: at 01:00 their time the failures of two hours ago were yesterday; at noon they are today', async () => {
    // The seeded jobs failed two hours ago (vm-sql01 also a day before that).
    expect(await todayRows(fromClientAt('failed backups today', 60, 'timestamp'))).toEqual([]);
    const atNoon = await todayRows(fromClientAt('failed backups today', 12 * 60, 'timestamp'));
    expect(atNoon).toHaveLength(Object.keys(seeded).length);
    expect(atNoon).toContain('6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0001');
  });

  test('newer clients that send only the IANA time zone get the same answer', async () => {
    // Whole-hour zones: 01:xx local means midnight was under two hours ago, so nothing of two hours ago is today.
    expect(await todayRows(fromClientAt('failed backups today', 60, 'timezone'))).toEqual([]);
    expect(await todayRows(fromClientAt('failed backups today', 12 * 60, 'timezone'))).toHaveLength(Object.keys(seeded).length);
  });

  test('"nieudane kopie zapasowe dzisiaj" answers in Polish', async () => {
    const card = cardOf(await ask('nieudane kopie zapasowe dzisiaj'));
    expect(cardText(card)).toContain('Nieudane kopie zapasowe dzisiaj');
    expect(executeActions(card).every((a) => a.title === 'Diagnozuj')).toBe(true);
  });

  test('"Troubleshoot" on a listed job opens its troubleshooting card as a reply (Action.Execute and the Action.Submit fallback)', async () => {
    const listed = await ask('failed backups in the last 24 hours');
    const button = executeActions(cardOf(listed)).find((a) => a.verb === troubleshootJobVerb && a.data['jobId'] === '6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0003');
    expect(button).toBeDefined();

    const before = stub.calls.length;
    const res = await bot.post(executeInvoke(troubleshootJobVerb, button?.data, listed.createdId, { serviceUrl, conversationId: 'conv-questions' }));
    expect(res.status).toBe(200);
    const calls = await stub.waitFor((c) => c.slice(before).some((x) => x.kind !== 'update'));
    const opened = cardOf(calls.slice(before).find((x) => x.kind !== 'update'));
    expect(cardText(opened)).toContain('ExtensionSnapshotFailedNoNetwork');
    expect(await sessionOf(opened)).toMatchObject({ target: { vm: 'vm-web01', vault: 'rsv-prod-weu', jobId: '6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0003', resourceGroup: 'rg-web' } });
    // The list stays as it was.
    expect(calls.slice(before).some((x) => x.kind === 'update')).toBe(false);

    const beforeSubmit = stub.calls.length;
    await bot.post(submitMessage({ ...(button?.data ?? {}), verb: troubleshootJobVerb }, listed.createdId, { serviceUrl, conversationId: 'conv-questions' }));
    const submitted = await stub.waitFor((c) => c.slice(beforeSubmit).some((x) => x.kind !== 'update'));
    expect(cardText(cardOf(submitted.slice(beforeSubmit).find((x) => x.kind !== 'update')))).toContain('ExtensionSnapshotFailedNoNetwork');
  });

  test('a forged press (a vault the bot does not watch, or a job that does not exist) gets a clear notice', async () => {
    for (const data of [
      { v: 1, vault: 'rsv-evil', rg: 'rg-backup', jobId: '6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0003', lang: 'en' },
      { v: 1, vault: 'rsv-prod-weu', rg: 'rg-backup', jobId: '00000000-0000-0000-0000-000000000000', lang: 'en' },
      // vm-ok01's job completed: nothing to troubleshoot.
      { v: 1, vault: 'rsv-prod-weu', rg: 'rg-backup', jobId: '6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0009', lang: 'en' },
    ]) {
      const before = stub.calls.length;
      await bot.post(executeInvoke(troubleshootJobVerb, data, 'msg-x', { serviceUrl, conversationId: 'conv-questions' }));
      const calls = await stub.waitFor((c) => c.slice(before).some((x) => x.kind !== 'update'));
      expect(cardText(cardOf(calls.slice(before).find((x) => x.kind !== 'update')))).toContain('This failed job is no longer available');
    }
  });
});

describe('status of a vault', () => {
  test('protected VM count and the last 24 hours of failures grouped by code', async () => {
    const card = cardOf(await ask('status of vault rsv-prod-weu'));
    const text = cardText(card);
    expect(text).toContain('Vault rsv-prod-weu');
    const facts = cardFacts(card);
    expect(facts).toMatchObject({ 'Protected VMs': '8', 'Last backup failed': '7', 'Failed jobs (24 h)': '7' });
    expect(text).toContain('2 × GuestAgentSnapshotTaskStatusError: vm-linux01, vm-linux03');
    expect(text).toContain('1 × UserErrorGuestAgentStatusUnavailable: vm-sql01');
  });

  test('in Polish', async () => {
    const text = cardText(cardOf(await ask('status magazynu rsv-prod-weu')));
    expect(text).toContain('Magazyn rsv-prod-weu');
    expect(text).toContain('Nieudane zadania z ostatnich 24 godzin według kodu błędu');
  });

  test('a vault with no failures, and a vault the bot does not know', async () => {
    expect(cardText(cardOf(await ask('status of vault rsv-dr-neu')))).toContain('No failed backup jobs in the last 24 hours.');
    const unknown = cardText(cardOf(await ask('status of vault rsv-prod-wue')));
    expect(unknown).toContain('I do not watch a vault named rsv-prod-wue');
    expect(unknown).toContain('Did you mean: rsv-prod-weu?');
  });
});

describe('a slow Azure never holds the turn', () => {
  test('throttled with a long Retry-After: "Azure did not answer in time" within the budget', async () => {
    const slow = createResourceQuestions({ azure: harness.gateway, identifier: bot.app.identifier, clock: systemClock, watchedVaults: [PROD_VAULT], budgetMs: 400 });
    harness.sim.faults.throttle('/backupJobs', { retryAfterSeconds: 30, times: 3 });
    const started = Date.now();
    const result = await slow.explainLatestFailure('vm-sql01');
    expect(result).toMatchObject({ kind: 'azure-problem', problem: { kind: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(3000);
    // Leave no throttling behind for other tests.
    harness.sim.faults.clear();
  });
});

describe('without an Azure connection', () => {
  test('the questions are still recognised, and answered with what is missing (in the asker\'s language)', async () => {
    const bare = tempStateFile();
    const noAzure = await startTestBot(bare.file, {}, { alerts: { startWorkers: false } });
    try {
      const before = stub.calls.length;
      await noAzure.post(message('failed backups today', { serviceUrl, conversationId: 'conv-no-azure' }));
      await noAzure.post(message('status magazynu rsv-prod-weu', { serviceUrl, conversationId: 'conv-no-azure' }));
      const calls = (await stub.waitFor((c) => c.slice(before).filter((x) => x.kind !== 'update').length >= 2)).slice(before);
      expect(cardText(cardOf(calls[0]))).toContain('I cannot look at Azure');
      expect(cardText(cardOf(calls[1]))).toContain('Nie mam dostępu do Azure');
    } finally {
      await noAzure.stop();
      bare.cleanup();
    }
  });
});
