import { renderCard, type AdaptiveCardJson } from '../../../src/channels/teams/card-renderer';
import type { Incident, IncidentVm } from '../../../src/core/incidents/incident';
import { incidentCardData } from '../../../src/core/incidents/incident-view';
import type { Language } from '../../../src/core/knowledge/schema';
import { checkCard, maxCardBytes } from '../../helpers/card-validator';
import { cardText } from '../../helpers/connector-stub';
import { cardFacts } from '../../helpers/card-facts';

/** The incident card as Teams gets it (cards/incident.json), read the way an on-call engineer would. */

const opened = new Date('2026-11-26T21:12:55.077Z');
const last = new Date('2026-11-26T21:40:03.512Z');

function vms(count: number, recovered: (i: number) => boolean = () => false, name = (i: number) => `vm-${String(i).padStart(3, '0')}`): IncidentVm[] {
  return Array.from({ length: count }, (_, i) => ({
    key: name(i).toLowerCase(),
    name: name(i),
    resourceGroup: i % 2 === 0 ? 'rg-sql' : 'rg-web',
    jobId: `0000000${i}-0000-4000-8000-000000000000`,
    state: recovered(i) ? 'resolved' : 'fired',
    firstSeenAt: new Date(opened.getTime() + i * 1000),
    lastSeenAt: last,
  }));
}

function incident(list: IncidentVm[], changes: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-0123456789',
    groupKey: 'rsv-prod-weu|userErrorGuestAgentStatusUnavailable',
    vault: { name: 'rsv-prod-weu', subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-backup' },
    code: 'UserErrorGuestAgentStatusUnavailable',
    message: 'VM Agent unable to communicate with Azure Backup',
    openedAt: opened,
    lastAlertAt: last,
    revision: 7,
    vmCount: list.length,
    recoveredCount: list.filter((v) => v.state === 'resolved').length,
    vms: list,
    ...changes,
  };
}

function render(i: Incident, lang: Language, options: Parameters<typeof incidentCardData>[2] = {}): { card: AdaptiveCardJson; text: string; json: string } {
  const view = incidentCardData(i, lang, options);
  const card = renderCard('incident', view);
  const problems = checkCard(card, view);
  expect({ parse: problems.parse, validation: problems.validation, unresolved: problems.unresolved, actions: problems.actions }).toEqual({ parse: [], validation: [], unresolved: [], actions: [] });
  expect(problems.bytes).toBeLessThan(maxCardBytes);
  return { card, text: cardText(card), json: JSON.stringify(card) };
}

/** Every block of a given type, anywhere in the card. */
function blocks(card: unknown, type: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const r = node as Record<string, unknown>;
    if (r['type'] === type) out.push(r);
    Object.values(r).forEach(walk);
  };
  walk(card);
  return out;
}

function facts(card: unknown): Record<string, string> {
  return cardFacts(card);
}

describe.each([
  ['en', 'First alert', 'Last alert'],
  ['pl', 'Pierwszy alert', 'Ostatni alert'],
] as const)('times (%s)', (lang, firstLabel, lastLabel) => {
  it('shows the first and the last alert with Teams date/time formatting, never a raw ISO time', () => {
    const { card, text } = render(incident(vms(3)), lang);
    const timeBlocks = blocks(card, 'TextBlock').map((b) => String(b['text']));
    // Teams formats {{DATE()}}/{{TIME()}} in the reader's zone and locale, and only inside a TextBlock.
    expect(timeBlocks).toContain(`${firstLabel} {{DATE(2026-11-26T21:12:55Z, SHORT)}} {{TIME(2026-11-26T21:12:55Z)}}`);
    expect(timeBlocks).toContain(`${lastLabel} {{DATE(2026-11-26T21:40:03Z, SHORT)}} {{TIME(2026-11-26T21:40:03Z)}}`);
    // Outside the DATE/TIME markup, no ISO timestamp is shown.
    const withoutMarkup = text.replace(/\{\{(DATE|TIME)\([^)]*\)\}\}/g, '');
    expect(withoutMarkup).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    // Those TextBlocks (markdown in Teams) carry the bot's own label and the time, no Azure text.
    for (const t of timeBlocks) expect(t).toMatch(new RegExp(`^(${firstLabel}|${lastLabel}) \\{\\{DATE\\([0-9TZ:-]+, SHORT\\)\\}\\} \\{\\{TIME\\([0-9TZ:-]+\\)\\}\\}$`));
  });

  it('takes "first alert" from the earliest VM when a late-retried alert is older than the one that opened the incident', () => {
    const list = vms(2);
    list[1] = { ...list[1]!, firstSeenAt: new Date('2026-11-26T20:59:00Z') };
    const { text } = render(incident(list), lang);
    expect(text).toContain(`${firstLabel} {{DATE(2026-11-26T20:59:00Z, SHORT)}}`);
  });
});

describe('what an on-call engineer reads', () => {
  it('what failed, where, how many and which VMs, since when, the trend, and what to do next (English)', () => {
    const { card, text } = render(incident(vms(25, (i) => i % 5 === 0)), 'en');
    expect(facts(card)).toEqual({
      'Error code': 'UserErrorGuestAgentStatusUnavailable',
      Workload: 'Azure VM',
      Vault: 'rsv-prod-weu',
      'Resource group': 'rg-backup',
      Subscription: '00000000-0000-0000-0000-000000000001',
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Backup failures');
    expect(lines).toContain('VM Agent unable to communicate with Azure Backup');
    expect(lines).toContain('Recovering: 20 of 25 VMs still failing.');
    expect(lines).toContain('25 VMs affected, 5 recovered');
    // The first 10, each with its state and resource group, then the rest as a count.
    expect(lines).toContain('vm-000: recovered (rg-sql)');
    expect(lines).toContain('vm-001: failing (rg-web)');
    expect(lines.filter((l) => /^vm-\d{3}: /.test(l))).toHaveLength(10);
    expect(lines).toContain('and 15 more');
    // A few Troubleshoot buttons (failing VMs only), and how to reach the others.
    expect((card['actions'] as { title: string }[]).map((a) => a.title)).toEqual(['Troubleshoot vm-001', 'Troubleshoot vm-002', 'Troubleshoot vm-003']);
    expect(text).toContain('Next: Troubleshoot walks through the likely causes for that VM');
    expect(text).toContain('Buttons cover 3 of 20 failing VMs; for any other, ask "why did the backup of <vm> fail?"');
  });

  it('the same in Polish', () => {
    const { card, text } = render(incident(vms(25, (i) => i % 5 === 0)), 'pl');
    expect(Object.keys(facts(card))).toEqual(['Kod błędu', 'Typ obciążenia', 'Magazyn', 'Grupa zasobów', 'Subskrypcja']);
    expect(text).toContain('Nieudane kopie zapasowe');
    expect(text).toContain('Ustępuje: 20 z 25 maszyn nadal z błędem.');
    expect(text).toContain('Dotyczy: 25 maszyn wirtualnych, odzyskano: 5');
    expect(text).toContain('vm-001: błąd (rg-web)');
    expect(text).toContain('vm-000: odzyskana (rg-sql)');
    expect(text).toContain('i 15 więcej');
    expect((card['actions'] as { title: string }[])[0]!.title).toBe('Diagnozuj vm-001');
    expect(text).toContain('Przyciski obejmują 3 z 20 maszyn z błędem; o pozostałe zapytaj „dlaczego nie udała się kopia zapasowa <maszyna>?”');
  });

  it('says plainly when nothing has recovered yet, and when everything has (then no buttons and no next step)', () => {
    expect(render(incident(vms(2)), 'en').text).toContain('Still failing: no VM has recovered yet.');
    expect(render(incident(vms(2)), 'pl').text).toContain('Trwa: żadna maszyna nie została jeszcze odzyskana.');
    const done = render(incident(vms(2, () => true)), 'en');
    expect(done.text.split('\n')[0]).toBe('Backup incident recovered');
    expect(done.text).toContain('All VMs recovered');
    expect(done.text).not.toContain('Next:');
    expect(done.card['actions']).toEqual([]);
  });

  it('offers no Troubleshoot button that could only fail: unidentified codes and codes outside the catalogue get a question to ask instead', () => {
    const unknown = render(incident(vms(4), { code: null }), 'en');
    expect(unknown.card['actions']).toEqual([]);
    expect(facts(unknown.card)['Error code']).toBe('Unidentified error');
    expect(unknown.text).toContain('ask "why did the backup of <vm> fail?"');
    const uncatalogued = render(incident(vms(4), { code: 'SomeToolSpecificCode' }), 'pl', { troubleshootable: false });
    expect(uncatalogued.card['actions']).toEqual([]);
    expect(uncatalogued.text).toContain('tego kodu nie ma w katalogu');
  });

  it('leaves out the resource group and subscription when the alert did not say, and shows Azure text as plain text', () => {
    const list = vms(1).map((v) => ({ ...v, name: 'vm_<b>*x*</b>' }));
    const { card, text } = render(incident(list, { vault: { name: 'rsv-min' }, message: 'Failed: see [docs](https://example.com) <ServiceName>' }), 'en');
    expect(Object.keys(facts(card))).toEqual(['Error code', 'Workload', 'Vault']);
    expect(text).toContain('Failed: see [docs](https://example.com) <ServiceName>');
    expect(text).toContain('vm_<b>*x*</b>: failing (rg-sql)');
    // Azure and alert text is never in a markdown TextBlock.
    for (const b of blocks(card, 'TextBlock')) expect(String(b['text'])).not.toMatch(/ServiceName|vm_<b>/);
  });

  it.each(['en', 'pl'] as const)('stays under 28 KB for an incident of a 2,000-alert storm with long names (%s)', (lang) => {
    const long = (i: number) => `vm-${'x'.repeat(50)}-${String(i).padStart(4, '0')}`.slice(0, 64);
    const list = vms(2_000, (i) => i % 3 === 0, long);
    const { card, json } = render(incident(list, { message: 'M'.repeat(2_000), vault: { name: 'v'.repeat(50), subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'r'.repeat(90) } }), lang);
    expect(Buffer.byteLength(json, 'utf8')).toBeLessThan(28 * 1024);
    expect((card['actions'] as unknown[]).length).toBeLessThanOrEqual(3);
    expect(cardText(card)).toContain(lang === 'en' ? 'and 1990 more' : 'i 1990 więcej');
  });
});

describe('an incident of another workload (here SQL Server databases in Azure VMs)', () => {
  const databases = (): IncidentVm[] =>
    vms(2, (i) => i === 1, (i) => `db${i} (MSSQLSERVER on sqlvm01)`);
  const sql = (list: IncidentVm[]): Incident =>
    incident(list, { groupKey: 'rsv-prod-weu|sql-server|usererrorparentfullbackupmissing', code: 'UserErrorParentFullBackupMissing', message: 'First full backup is missing for this datasource.' });

  it('says the workload, names the databases, and offers the code\'s causes (one button, no VM) with Microsoft\'s page', () => {
    const { card, text } = render(sql(databases()), 'en');
    expect(facts(card)).toMatchObject({ Workload: 'SQL Server in Azure VM', 'Error code': 'UserErrorParentFullBackupMissing' });
    expect(text).toContain('db0 (MSSQLSERVER on sqlvm01): failing (rg-sql)');
    expect(text).toContain('2 protected items affected, 1 recovered');
    expect(text).toContain('Recovering: 1 of 2 items still failing.');
    expect(text).toContain('Next: Causes walks through the documented causes of UserErrorParentFullBackupMissing in order');
    expect(text).toContain('https://aka.ms/AB-UserErrorParentFullBackupMissing');
    expect(blocks(card, 'Action.Execute').map((b) => b['title'])).toEqual(['Causes of UserErrorParentFullBackupMissing']);
  });

  it('offers no button when the catalogue does not know the code, only Microsoft\'s page', () => {
    const { card, text } = render(sql(databases()), 'en', { troubleshootable: false });
    expect(text).toContain('Next: Microsoft\'s documentation for UserErrorParentFullBackupMissing is at https://aka.ms/AB-UserErrorParentFullBackupMissing');
    expect(blocks(card, 'Action.Execute')).toEqual([]);
  });

  it('in Polish too', () => {
    const { card, text } = render(sql(databases()), 'pl');
    expect(facts(card)).toMatchObject({ 'Typ obciążenia': 'SQL Server w maszynie wirtualnej Azure' });
    expect(text).toContain('Dotyczy: 2 chronione elementy, odzyskano: 1');
    expect(text).toContain('https://aka.ms/AB-UserErrorParentFullBackupMissing');
  });
});

describe('an incident of disks in a Backup vault', () => {
  const disks = (count: number): Incident =>
    incident(vms(count, () => false, (i) => `disk-data0${i}`), {
      groupKey: 'bv-prod-weu|azure-disk|usererrordiskbackupauthorizationfailed',
      vault: { name: 'bv-prod-weu', subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-backup' },
      code: 'UserErrorDiskBackupAuthorizationFailed',
      message: 'Backup Vault managed identity is missing the necessary permissions to do this operation.',
    });

  it('offers the causes of each failing disk, since each disk has its own role assignments to check', () => {
    const { card } = render(disks(2), 'en');
    const buttons = blocks(card, 'Action.Execute');
    expect(buttons.map((b) => b['title'])).toEqual(['Causes of UserErrorDiskBackupAuthorizationFailed: disk-data00', 'Causes of UserErrorDiskBackupAuthorizationFailed: disk-data01']);
    expect(buttons.map((b) => (b['data'] as { vm: string }).vm)).toEqual(['disk-data00', 'disk-data01']);
  });

  it('keeps the plain "Causes of" title for a single disk, in Polish too', () => {
    expect(blocks(render(disks(1), 'en').card, 'Action.Execute').map((b) => b['title'])).toEqual(['Causes of UserErrorDiskBackupAuthorizationFailed']);
    expect(blocks(render(disks(1), 'pl').card, 'Action.Execute').map((b) => b['title'])).toEqual(['Przyczyny UserErrorDiskBackupAuthorizationFailed']);
  });
});
