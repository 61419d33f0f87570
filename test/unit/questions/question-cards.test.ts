import { renderCard, type AdaptiveCardJson } from '../../../src/channels/teams/card-renderer';
import { teamsTime } from '../../../src/channels/teams/resource-questions';
import type { Language } from '../../../src/core/knowledge/schema';
import {
  type FailedJob,
  MAX_LISTED_JOBS,
  buildAmbiguousFailureView,
  buildFailedBackupsView,
  buildNoFailureView,
  buildProblemView,
  buildUnidentifiedFailureView,
  buildVaultNotFoundView,
  buildVaultStatusView,
  buildVmNotFoundView,
  troubleshootJobVerb,
} from '../../../src/core/questions';
import { checkCard, maxCardBytes } from '../../helpers/card-validator';
import { cardText } from '../../helpers/connector-stub';
import { dr, failedJob, prod, protectedItem } from './fake-backup-port';
import { cardFacts } from '../../helpers/card-facts';

const now = new Date('2026-03-10T12:00:00Z');
const languages: Language[] = ['en', 'pl'];

function failure(vm: string, hoursAgo: number, code: FailedJob['code'], vault = prod): FailedJob {
  const job = failedJob(vault, vm, new Date(now.getTime() - hoursAgo * 3_600_000), { message: 'VM Agent unable to communicate with Azure Backup' });
  return { job, code, message: job.errors[0]?.message ?? '', at: job.endTime as Date };
}

const identified = (codeId: string): FailedJob['code'] => ({ kind: 'identified', codeId });

function expectValid(card: AdaptiveCardJson, data: unknown): void {
  const problems = checkCard(card, data);
  expect({ parse: problems.parse, validation: problems.validation, unresolved: problems.unresolved, actions: problems.actions }).toEqual({ parse: [], validation: [], unresolved: [], actions: [] });
  expect(problems.bytes).toBeLessThan(maxCardBytes);
  expect(card.version).toBe('1.5');
}

/** Every Action.Execute anywhere in the card (rows carry their own ActionSets). */
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

describe.each(languages)('failed backups card (%s)', (lang) => {
  const failures = Array.from({ length: 20 }, (_, i) => failure(`vm-${String(i).padStart(2, '0')}`, i + 1, i % 3 === 2 ? { kind: 'unidentified' } : identified('UserErrorGuestAgentStatusUnavailable'), i % 2 ? dr : prod));
  const result = { kind: 'list' as const, range: { from: new Date('2026-03-10T00:00:00Z'), to: now }, window: { kind: 'today' as const }, zone: 'asker' as const, failures, vaultsSearched: 2, problems: [] };

  test('at most 15 rows, "and N more", one Troubleshoot per recognised job carrying ids only', () => {
    const view = buildFailedBackupsView(result, lang, { formatTime: teamsTime });
    const card = renderCard('failed-backups', view);
    expectValid(card, view);
    expect(view.rows).toHaveLength(MAX_LISTED_JOBS);
    const text = cardText(card);
    expect(text).toContain(lang === 'en' ? 'Failed backups today' : 'Nieudane kopie zapasowe dzisiaj');
    expect(text).toContain(lang === 'en' ? 'and 5 more' : 'i 5 więcej');
    expect(text).toContain('vm-00');
    expect(text).toContain('{{DATE(2026-03-10T11:30:00Z, SHORT)}}');
    const buttons = executeActions(card);
    expect(buttons).toHaveLength(10);
    for (const b of buttons) {
      expect(b.verb).toBe(troubleshootJobVerb);
      expect(Object.keys(b.data).sort()).toEqual(['jobId', 'lang', 'rg', 'sub', 'v', 'vault']);
      expect(b.data['lang']).toBe(lang);
    }
  });

  test('an empty window says so', () => {
    const view = buildFailedBackupsView({ ...result, failures: [] }, lang);
    const card = renderCard('failed-backups', view);
    expectValid(card, view);
    expect(cardText(card)).toContain(lang === 'en' ? 'No failed backups in this time. Vaults searched: 2.' : 'Brak nieudanych kopii zapasowych w tym czasie. Przeszukane magazyny: 2.');
  });

  test('an unreadable vault is noted with the missing role', () => {
    const scope = '/subscriptions/s/resourceGroups/rg-backup-neu/providers/Microsoft.RecoveryServices/vaults/rsv-dr-neu';
    const view = buildFailedBackupsView({ ...result, problems: [{ vault: dr, problem: { kind: 'forbidden', message: 'x', requiredRole: 'Backup Reader', scope } }] }, lang);
    const card = renderCard('failed-backups', view);
    expectValid(card, view);
    expect(cardText(card)).toContain(lang === 'en' ? `Vault rsv-dr-neu could not be read: the bot's identity needs the Backup Reader role on ${scope}.` : `Nie udało się odczytać magazynu rsv-dr-neu: tożsamość bota potrzebuje roli Backup Reader w zakresie ${scope}.`);
  });

  test('an ambiguous latest failure offers one button per code', () => {
    const f = failure('vm-files01', 2, { kind: 'ambiguous', codeIds: ['BackUpOperationFailed', 'BackUpOperationFailedV2'] });
    const view = buildAmbiguousFailureView(f, lang);
    const card = renderCard('failed-backups', view);
    expectValid(card, view);
    expect(executeActions(card).map((a) => a.data['codeId'])).toEqual(['BackUpOperationFailed', 'BackUpOperationFailedV2']);
  });
});

describe.each(languages)('vault status card (%s)', (lang) => {
  test('counts and failures grouped by code, with a Troubleshoot for each group', () => {
    const a = failure('vm-sql01', 2, identified('UserErrorGuestAgentStatusUnavailable'));
    const b = failure('vm-web01', 1, identified('ExtensionSnapshotFailedNoNetwork'));
    const view = buildVaultStatusView(
      {
        kind: 'status',
        vault: prod,
        protectedVms: [protectedItem(prod, 'vm-sql01', 'Failed'), protectedItem(prod, 'vm-web01', 'Failed'), protectedItem(prod, 'vm-ok01')],
        range: { from: new Date(now.getTime() - 86_400_000), to: now },
        failures: [b, a, a],
        groups: [
          { codeId: 'UserErrorGuestAgentStatusUnavailable', codeIds: ['UserErrorGuestAgentStatusUnavailable'], count: 2, vms: ['vm-sql01'], latest: a },
          { codeId: 'ExtensionSnapshotFailedNoNetwork', codeIds: ['ExtensionSnapshotFailedNoNetwork'], count: 1, vms: ['vm-web01'], latest: b },
        ],
      },
      lang,
    );
    const card = renderCard('vault-status', view);
    expectValid(card, view);
    expect(Object.values(cardFacts(card))).toEqual([prod.subscriptionId, 'rg-backup', '3', '2', '3']);
    expect(cardText(card)).toContain('2 × UserErrorGuestAgentStatusUnavailable: vm-sql01');
    expect(executeActions(card).map((x) => x.title)).toEqual(lang === 'en' ? ['Troubleshoot vm-sql01', 'Troubleshoot vm-web01'] : ['Diagnozuj vm-sql01', 'Diagnozuj vm-web01']);
  });

  test('a quiet vault says there were no failures', () => {
    const view = buildVaultStatusView({ kind: 'status', vault: prod, protectedVms: [], range: { from: now, to: now }, failures: [], groups: [] }, lang);
    const card = renderCard('vault-status', view);
    expectValid(card, view);
    expect(cardText(card)).toContain(lang === 'en' ? 'No failed backup jobs in the last 24 hours.' : 'Brak nieudanych zadań kopii zapasowej w ostatnich 24 godzinach.');
  });
});

describe.each(languages)('clear answers when there is nothing to troubleshoot (%s)', (lang) => {
  const scope = '/subscriptions/s/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-prod-weu';
  test.each([
    ['forbidden', buildProblemView({ kind: 'forbidden', message: 'm', requiredRole: 'Backup Reader', scope }, lang), { en: `needs the Backup Reader role on ${scope}`, pl: `potrzebuje roli Backup Reader w zakresie ${scope}` }],
    ['timeout', buildProblemView({ kind: 'timeout' }, lang, { budgetMs: 8000 }), { en: 'Azure did not answer in time', pl: 'Azure nie odpowiedział na czas' }],
    ['throttled', buildProblemView({ kind: 'throttled', message: 'm' }, lang), { en: 'throttling', pl: 'ogranicza' }],
    ['vm not found', buildVmNotFoundView({ vmName: 'vm-sql1', vaultsSearched: ['rsv-prod-weu'], suggestions: ['vm-sql01'] }, 7, lang), { en: 'Did you mean: vm-sql01?', pl: 'Czy chodziło o: vm-sql01?' }],
    ['vault not found', buildVaultNotFoundView({ vaultName: 'rsv-x', known: ['rsv-prod-weu'], suggestions: [] }, lang), { en: 'The vaults I watch: rsv-prod-weu.', pl: 'Obserwowane magazyny: rsv-prod-weu.' }],
    ['no failure', buildNoFailureView({ vmName: 'vm-ok01', lookbackDays: 7, protectedIn: [{ vault: prod, lastBackupStatus: 'Completed', lastBackupTime: now }] }, lang), { en: 'No failed backup of vm-ok01 in the last 7 days', pl: 'Brak nieudanych kopii zapasowych vm-ok01 z ostatnich 7 dni' }],
    ['unidentified', buildUnidentifiedFailureView({ ...failure('vm-odd01', 1, { kind: 'unidentified' }), message: 'The flux capacitor is ${misaligned}' }, lang), { en: 'The flux capacitor is ${misaligned}', pl: 'The flux capacitor is ${misaligned}' }],
  ] as const)('%s', (_name, view, expected) => {
    const card = renderCard('notice', view);
    expectValid(card, view);
    expect(cardText(card)).toContain(expected[lang]);
  });
});

describe('whose day "today" is, and Azure\'s words in Polish', () => {
  const list = (zone: 'asker' | 'utc') => ({ kind: 'list' as const, range: { from: new Date('2026-03-10T00:00:00Z'), to: now }, window: { kind: 'today' as const }, zone, failures: [], vaultsSearched: 1, problems: [] });

  test('"today" is said to be UTC\'s when the asker\'s zone was not known (Slack sends none), and not otherwise', () => {
    expect(buildFailedBackupsView(list('utc'), 'en').title).toContain('(UTC)');
    expect(buildFailedBackupsView(list('asker'), 'en').title).not.toContain('UTC');
  });

  test('the last backup\'s status reads in Polish', () => {
    const view = buildNoFailureView({ vmName: 'vm-ok01', lookbackDays: 7, protectedIn: [{ vault: prod, lastBackupStatus: 'Completed', lastBackupTime: now }] }, 'pl');
    expect(view.text).toContain('zakończona pomyślnie');
    expect(view.text).not.toContain('Completed');
  });
});
