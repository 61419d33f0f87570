import { fixNoticeCard, fixRequestCard, refreshUserIdsFor } from '../../../src/channels/teams/fix-actions';
import { MAX_REFRESH_USERS, renderFixCard } from '../../../src/channels/teams/fix-cards';
import type { AdaptiveCardJson } from '../../../src/channels/teams/card-renderer';
import type { Language } from '../../../src/core/knowledge/schema';
import type { AuditEvent } from '../../../src/core/remediation/audit';
import { applyFixEvent, newFixRequest, type FixRequest } from '../../../src/core/remediation/fix-request';
import { buildAuditView, buildFixPlanView, buildFixRequestView } from '../../../src/core/remediation/fix-view';
import { standardRefusal } from '../../../src/core/remediation/refusal';
import { checkCard, maxCardBytes } from '../../helpers/card-validator';
import { cardText } from '../../helpers/connector-stub';
import { InMemoryAuditLog, InMemoryFixRequestStore } from '../../../src/core/remediation/in-memory-stores';
import { alice, bob, loadCatalogue, loadedPolicy, mallory, ManualClock, RecordingAzure, testService, vault, vm } from './fixtures';

const catalogue = loadCatalogue();
const policy = loadedPolicy();
const t0 = new Date('2026-03-01T10:00:00Z');
const languages: Language[] = ['en', 'pl'];

/** Parsed by the adaptivecards library with no events, nothing unexpanded, buttons with verbs and fallbacks, under 28 KB. */
function expectValid(card: AdaptiveCardJson, boundData: unknown = {}): void {
  const problems = checkCard(card, boundData);
  expect({ parse: problems.parse, validation: problems.validation, unresolved: problems.unresolved, actions: problems.actions }).toEqual({ parse: [], validation: [], unresolved: [], actions: [] });
  expect(problems.bytes).toBeLessThan(maxCardBytes);
  expect(card.version).toBe('1.5');
  const userIds = (card as { refresh?: { userIds?: unknown[] } }).refresh?.userIds;
  if (userIds) expect(userIds.length).toBeLessThanOrEqual(60);
}

const verbsOf = (card: AdaptiveCardJson): string[] => {
  const verbs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const r = node as Record<string, unknown>;
      if (r['type'] === 'Action.Execute' && typeof r['verb'] === 'string') verbs.push(r['verb']);
      Object.values(r).forEach(walk);
    }
  };
  walk((card as { actions?: unknown }).actions ?? []);
  return verbs;
};

/** A request of every fix walked through each state it can reach, with long Azure output where there is output. */
function states(fixId: string, language: Language): [string, FixRequest][] {
  const fix = catalogue.require(fixId);
  const requested: FixRequest = {
    ...newFixRequest({ id: 'req-AbCdEf0123456789', correlationId: 'corr-1', fixId: fix.id, target: { vm, vault, osType: 'Windows' }, requester: alice, language, now: t0, expiryMs: 30 * 60_000 }),
    version: 1,
  };
  const at = (m: number) => new Date(t0.getTime() + m * 60_000);
  const longOutput = 'Restart-Service : Service "Windows Azure Guest Agent" cannot be started due to the following error: ${notATemplate} '.repeat(60);
  const approved = applyFixEvent(requested, { type: 'approve', by: bob }, at(1));
  const executing = applyFixEvent(approved, { type: 'start-execution', runner: { instanceId: 'i', heartbeatAt: at(1).toISOString() } }, at(1));
  const succeeded = applyFixEvent(executing, { type: 'succeed', outcome: { summary: { en: 'Agent restarted', pl: 'Agent uruchomiony ponownie' }, output: longOutput } }, at(2));
  const failed = applyFixEvent(executing, { type: 'fail', outcome: { summary: { en: 'The fix failed: ScopeLocked', pl: 'Poprawka nie powiodła się: ScopeLocked' }, output: longOutput, errorCode: 'ScopeLocked' } }, at(2));
  const interrupted = applyFixEvent(executing, { type: 'fail', outcome: { summary: { en: 'Interrupted: check vm-web-01', pl: 'Przerwano: sprawdź vm-web-01' }, errorCode: 'interrupted' } }, at(9));
  const abandoned = applyFixEvent(approved, { type: 'abandon', outcome: { summary: { en: 'Not run', pl: 'Nie uruchomiono' }, errorCode: 'abandoned' } }, at(40));
  const verifying = applyFixEvent(succeeded, { type: 'start-verification', jobId: 'job-1' }, at(2));
  return [
    ['awaiting approval', requested],
    ['rejected', applyFixEvent(requested, { type: 'reject', by: bob, reason: 'change freeze' }, at(1))],
    ['expired', applyFixEvent(requested, { type: 'expire' }, at(31))],
    ['approved', approved],
    ['executing', executing],
    ['succeeded', succeeded],
    ['failed', failed],
    ['interrupted', interrupted],
    ['abandoned', abandoned],
    ['verifying', verifying],
    ['fixed', applyFixEvent(verifying, { type: 'verified', outcome: { result: 'fixed', jobId: 'job-1', message: 'Backup job job-1: Completed' } }, at(9))],
    ['still failing', applyFixEvent(verifying, { type: 'verified', outcome: { result: 'failed', jobId: 'job-1', code: 'UserErrorGuestAgentStatusUnavailable', message: 'VM Agent unable to communicate' } }, at(9))],
    ['not verified', applyFixEvent({ ...verifying, verification: { result: 'pending' } }, { type: 'verified', outcome: { result: 'interrupted', message: 'Not verified' } }, at(9))],
    ['verification error', applyFixEvent(verifying, { type: 'verified', outcome: { result: 'error', jobId: 'job-1', message: 'Azure is unavailable right now (tried to read backup job job-1): ServiceUnavailable' } }, at(9))],
    ['verification timed out', applyFixEvent(verifying, { type: 'verified', outcome: { result: 'timed-out', jobId: 'job-1', message: 'Backup job job-1 still InProgress after 120 min' } }, at(9))],
    // Stored before `unverified` existed: shown the same way.
    ['legacy not verified', { ...applyFixEvent(verifying, { type: 'verified', outcome: { result: 'failed' } }, at(9)), verification: { result: 'interrupted' as const } }],
  ];
}

describe.each(languages)('fix cards (%s)', (language) => {
  test.each(catalogue.fixes.map((f) => f.id))('%s: the plan, with and without failed preconditions, renders valid', (fixId) => {
    const fix = catalogue.require(fixId);
    const plan = { fix, target: { vm, vault, osType: 'Linux' as const }, preconditionFailures: [], expiresInMinutes: 30, needsSecondPerson: fix.risk === 'high' };
    const view = buildFixPlanView(plan, 'sess-AbCdEf0123456789', language);
    const card = renderFixCard('fix-request', view);
    expectValid(card, view);
    expect(verbsOf(card)).toEqual(['fix.request']);
    const blocked = buildFixPlanView({ ...plan, preconditionFailures: [{ id: 'vm-running', message: { en: 'The VM is stopped.', pl: 'Maszyna jest zatrzymana.' } }] }, 's1', language);
    const blockedCard = renderFixCard('fix-request', blocked);
    expectValid(blockedCard, blocked);
    expect(verbsOf(blockedCard)).toEqual([]);
  });

  test.each(catalogue.fixes.map((f) => f.id))('%s: every state, shared, for an approver and for an outsider, renders valid', (fixId) => {
    const fix = catalogue.require(fixId);
    for (const [name, request] of states(fixId, language)) {
      const views = {
        shared: fixRequestCard(request, fix, policy),
        approver: fixRequestCard(request, fix, policy, { viewer: bob }),
        outsider: fixRequestCard(request, fix, policy, { viewer: mallory, notice: standardRefusal('not-approver').message }),
        progress: fixRequestCard(request, fix, policy, { step: { en: 'Step 2 of 4: deleting the collection', pl: 'Krok 2 z 4: usuwanie kolekcji' } }),
      };
      for (const [who, card] of Object.entries(views)) {
        try {
          // Azure output may itself contain "${": shown verbatim, never expanded.
          expectValid(card, { verbatim: '${notATemplate}' });
        } catch (error) {
          throw new Error(`${fixId} ${name} (${who}): ${String(error)}`, { cause: error });
        }
      }
      const pending = request.state === 'requested';
      expect(verbsOf(views.shared)).toEqual(pending ? ['fix.approve', 'fix.reject'] : []);
      expect(verbsOf(views.approver)).toEqual(pending ? ['fix.approve', 'fix.reject'] : []);
      expect(verbsOf(views.outsider)).toEqual([]);
      const refresh = (views.shared as { refresh?: { action: { verb: string; data: unknown } } }).refresh;
      if (pending) expect(refresh?.action).toMatchObject({ verb: 'fix.view', data: { v: 1, requestId: request.id } });
      else expect(refresh).toBeUndefined();
    }
  });

  test('each state says what happened in the card language', () => {
    const fix = catalogue.require('restart-windows-agent');
    const text = Object.fromEntries(states('restart-windows-agent', language).map(([name, r]) => [name, cardText(fixRequestCard(r, fix, policy))]));
    const expected: Record<string, { en: string; pl: string }> = {
      'awaiting approval': { en: 'Awaiting approval', pl: 'Oczekuje na zatwierdzenie' },
      rejected: { en: 'Rejected', pl: 'Odrzucono' },
      expired: { en: 'request the fix again', pl: 'zleć poprawkę ponownie' },
      executing: { en: 'Running', pl: 'W toku' },
      failed: { en: 'The fix failed', pl: 'Poprawka nie powiodła się' },
      interrupted: { en: 'Interrupted by a restart', pl: 'Przerwane przez ponowne uruchomienie' },
      abandoned: { en: 'Not run', pl: 'Nie uruchomiono' },
      verifying: { en: 'Verifying', pl: 'Weryfikacja' },
      fixed: { en: 'Fixed: the backup succeeded.', pl: 'Naprawione: kopia zapasowa się powiodła.' },
      'still failing': { en: 'Still failing: UserErrorGuestAgentStatusUnavailable', pl: 'Nadal nie działa: UserErrorGuestAgentStatusUnavailable' },
      'not verified': { en: 'Could not verify: the bot restarted before the verification backup was recorded. The fix itself succeeded; retry the backup or check the backup jobs of vm-web-01', pl: 'Nie udało się zweryfikować: bot został ponownie uruchomiony' },
      'verification error': { en: 'Could not verify: Azure is unavailable right now (tried to read backup job job-1): ServiceUnavailable. The fix itself succeeded; retry the backup or check job job-1 of vm-web-01', pl: 'Sama poprawka się powiodła; ponów kopię zapasową albo sprawdź zadanie job-1' },
      'verification timed out': { en: 'Could not verify: backup job job-1 had not ended in time. The fix itself succeeded', pl: 'Nie udało się zweryfikować: zadanie kopii zapasowej job-1 nie zakończyło się' },
      'legacy not verified': { en: 'Could not verify', pl: 'Nie udało się zweryfikować' },
    };
    for (const [name, words] of Object.entries(expected)) expect(`${name}: ${text[name]}`).toContain(words[language]);
  });

  test('a refusal notice and the audit card (empty and full) render valid', () => {
    expectValid(fixNoticeCard({ en: 'Action refused', pl: 'Akcję odrzucono' }, standardRefusal('self-approval').message, language));
    expectValid(renderFixCard('fix-audit', buildAuditView([], 'vm-web-01', language)));
    const entries: AuditEvent[] = Array.from({ length: 15 }, (_, i) => ({
      id: `a${i}`,
      at: new Date(t0.getTime() + i * 1000).toISOString(),
      correlationId: `corr-${i}`,
      action: 'fix.refused',
      outcome: 'refused',
      actor: mallory,
      target: vm,
      fixId: 'clear-restore-points-behind-lock',
      detail: `Refused approve by Alice (cccccccc-0000-0000-0000-000000000003): self-approval ${'x'.repeat(400)} \${not a template}`,
      reason: 'self-approval',
    }));
    const view = buildAuditView(entries, undefined, language);
    const card = renderFixCard('fix-audit', view);
    expectValid(card, { verbatim: '${not a template}' });
    expect(cardText(card)).toContain('fix.refused');
  });
});

test('refresh.userIds: the requester and the Teams approvers, never more than Teams honours', () => {
  const many = loadedPolicy({
    approvers: [...Array.from({ length: 99 }, (_, i) => `teams:29:approver-${i}`), 'group:ops'],
    groups: { operators: [`aad:${alice.aadObjectId}`], ops: ['teams:29:ops-1', `aad:${bob.aadObjectId}`] },
  });
  const request = { ...newFixRequest({ id: 'r1', correlationId: 'c', fixId: 'retry-backup', target: { vm }, requester: alice, language: 'en', now: t0, expiryMs: 60_000 }), version: 1 };
  const ids = refreshUserIdsFor(request, many);
  expect(ids[0]).toBe(alice.userId);
  expect(ids).toHaveLength(101);
  const card = fixRequestCard(request, catalogue.require('retry-backup'), many);
  const userIds = (card as { refresh?: { userIds?: string[] } }).refresh?.userIds ?? [];
  expect(userIds).toHaveLength(MAX_REFRESH_USERS);
  expect(userIds[0]).toBe(alice.userId);
  expectValid(card);
  // Only the requester known: Teams refreshes everyone, so no list at all.
  expect(refreshUserIdsFor(request, policy)).toEqual([]);
});

/**
 * The second person approves what the card names: the plan reads the collections and their
 * resource group's locks in Azure, the request keeps that reading, and the approver's card names
 * them (and the vault a backup runs in) where the catalogue has placeholders.
 */
describe('what the approver of a fix is shown', () => {
  const request = async (fixId: string) => {
    const clock = new ManualClock(t0);
    const service = testService({ clock, azure: new RecordingAzure('Windows'), store: new InMemoryFixRequestStore(), audit: new InMemoryAuditLog() });
    const requested = await service.request({ fixId, target: { vm, vault }, actor: alice, language: 'en' });
    if (!requested.ok) throw new Error(requested.refusal.reason);
    return buildFixRequestView(requested.value, catalogue.require(fixId), { policy, viewer: bob });
  };
  const operationsText = (view: Awaited<ReturnType<typeof request>>) => view.operations.flatMap((o) => o.lines).join('\n');

  it('the high-risk lock fix: the resource group whose locks are lifted, the locks, and the collection deleted', async () => {
    const view = await request('clear-restore-points-behind-lock');
    expect(view.actions.map((a) => a.title)).toContain('Approve');
    const shown = operationsText(view);
    expect(shown).not.toMatch(/<restorePointResourceGroup>|<lockName>|<n>/);
    expect(shown).toContain('managementLocks.deleteAtResourceGroupLevel(AzureBackupRG_westeurope_1, keep)');
    expect(shown).toContain('keep · CanNotDelete · do not delete');
    expect(shown).toContain("restorePointCollections.delete(AzureBackupRG_westeurope_1, 'AzureBackup_vm-web-01_1234')");
  });

  it('a retried backup: the vault it runs in', async () => {
    const shown = operationsText(await request('retry-backup'));
    expect(shown).not.toMatch(/<vault>|<vaultResourceGroup>/);
    expect(shown).toContain('backups.trigger(vault-prod, rg-backup,');
  });
});
