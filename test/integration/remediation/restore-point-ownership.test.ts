import { resolve } from 'node:path';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { startArmSimulator, type ArmSimulator } from '../../../dev/arm-simulator/server';
import { createIdentifier } from '../../../src/core/identify';
import type { Actor } from '../../../src/core/remediation/actor';
import { buildFixPlanView } from '../../../src/core/remediation/fix-view';
import type { FixTarget } from '../../../src/core/remediation/fix-target';
import { parsePolicy } from '../../../src/core/remediation/policy';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { createRemediation, type RemediationWiring } from '../../../src/remediation/create-remediation';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';

const SCENARIO = resolve(__dirname, '../../fixtures/scenarios/same-name-vms.json');
const SUB = '7b2e1d4f-2c3e-4f5a-9b6c-1d2e3f4a5b6c';
const alexAad = '00000000-0000-0000-0000-0000000000030';
const meganAad = '00000000-0000-0000-0000-0000000000031';
const alex: Actor = { channel: 'msteams', userId: 'user-id-0', aadObjectId: alexAad, displayName: 'Alex Wilber' };
const megan: Actor = { channel: 'msteams', userId: 'user-id-1', aadObjectId: meganAad, displayName: 'Megan Bowen' };
const FIX = 'clear-restore-points-behind-lock';
const VAULT = { subscriptionId: SUB, resourceGroup: 'rg-backup', name: 'vault-weu' };
const target = (resourceGroup: string, name: string): FixTarget => ({ vm: { subscriptionId: SUB, resourceGroup, name }, vault: VAULT });

describe('clearing restore points behind the lock takes only the VM’s own collections (real SDK gateway, ARM simulator)', () => {
  let sim: ArmSimulator;
  let db: SqliteDatabase;
  let wiring: RemediationWiring;
  const knowledge = loadKnowledgeBase();

  beforeEach(async () => {
    sim = await startArmSimulator({ scenario: SCENARIO });
    const gateway = new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, lroPollIntervalInMs: 0, subscriptionIds: [SUB] });
    db = openSqliteDatabase(':memory:');
    let n = 0;
    wiring = createRemediation({
      db,
      azure: gateway,
      fixes: knowledge.fixes,
      // rg-prod is outside the scope: the fix may touch rg-test's VMs and the shared backup group only.
      policy: {
        kind: 'loaded',
        policy: parsePolicy(
          { version: 1, enabledFixes: [FIX], groups: { operators: [`aad:${alexAad}`, `aad:${meganAad}`] }, requesters: ['group:operators'], approvers: ['group:operators'], scope: { subscriptions: [SUB], resourceGroups: ['rg-test', 'AzureBackupRG_*'] } },
          'policy.json',
        ),
        source: 'policy.json',
      },
      identifier: createIdentifier(knowledge),
      clock: { now: () => new Date() },
      ids: { next: () => `id-${(n += 1)}-${Math.random().toString(36).slice(2, 10)}` },
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
      verification: { pollIntervalMs: 10, timeoutMs: 30_000 },
    });
  });

  afterEach(async () => {
    db.close();
    await sim.close();
  });

  const names = (): string[] => sim.state.collections.map((c) => c.name).sort();
  const backupLocks = () =>
    sim.state.locks.filter((l) => l.scope.toLowerCase().endsWith('/resourcegroups/azurebackuprg_westeurope_1')).map((l) => ({ name: l.name, level: l.level, notes: l.notes }));
  const deleteOperations = (): string[] => sim.requests.filter((r) => r.method === 'DELETE' && /restorePointCollections/i.test(r.path)).map((r) => r.path.split('/').at(-1)?.split('?')[0] ?? '');

  async function planLines(t: FixTarget): Promise<{ lines: string[]; problems: readonly string[] }> {
    const plan = await wiring.service.plan({ fixId: FIX, target: t, actor: alex, language: 'en' });
    if (!plan.ok) throw new Error(`plan refused: ${plan.refusal.message.en}`);
    const view = buildFixPlanView(plan.value, 'session-1', 'en');
    return { lines: view.operations.flatMap((o) => o.lines), problems: view.problems };
  }

  async function requestAndApprove(t: FixTarget): Promise<string> {
    const requested = await wiring.service.request({ fixId: FIX, target: t, actor: alex, language: 'en' });
    if (!requested.ok) throw new Error(`request refused: ${requested.refusal.message.en}`);
    expect((await wiring.service.approve(requested.value.id, megan)).ok).toBe(true);
    return requested.value.id;
  }

  it('the plan lists rg-test/web01’s collection with its group, points and source VM, and nothing of the other web01 or web01_old', async () => {
    const { lines, problems } = await planLines(target('rg-test', 'web01'));
    expect(problems).toEqual([]);
    expect(lines).toContain('AzureBackup_web01_111 · AzureBackupRG_westeurope_1 · 18 restore points · source VM rg-test/web01');
    expect(lines.join('\n')).not.toMatch(/AzureBackup_web01_222|AzureBackup_web01_old_333/);
  });

  it('the fix deletes only AzureBackup_web01_111; the other web01’s and web01_old’s collections survive and the lock is back', async () => {
    const id = await requestAndApprove(target('rg-test', 'web01'));
    const done = await wiring.service.runApproved(id);
    expect(done?.state).toBe('verified-fixed');
    expect(deleteOperations()).toEqual(['AzureBackup_web01_111']);
    expect(names()).toEqual(expect.arrayContaining(['AzureBackup_web01_222', 'AzureBackup_web01_old_333', 'AzureBackup_app01_555']));
    expect(names()).not.toContain('AzureBackup_web01_111');
    expect(backupLocks()).toEqual([{ name: 'keep-backups', level: 'CanNotDelete', notes: 'Change board CB-1234: do not remove' }]);
  });

  it('a collection without a source is shown on the plan as matched by name only, and only the one in the VM’s region is taken', async () => {
    const { lines, problems } = await planLines(target('rg-test', 'app01'));
    expect(problems).toEqual([]);
    expect(lines).toContain('AzureBackup_app01_555 · AzureBackupRG_westeurope_1 · 2 restore points · matched by name only (no source VM recorded)');
    expect(lines.join('\n')).not.toContain('AzureBackup_app01_666');
    const plPlan = await wiring.service.plan({ fixId: FIX, target: target('rg-test', 'app01'), actor: alex, language: 'pl' });
    if (!plPlan.ok) throw new Error('plan refused');
    expect(buildFixPlanView(plPlan.value, 's', 'pl').operations.flatMap((o) => o.lines)).toContain(
      'AzureBackup_app01_555 · AzureBackupRG_westeurope_1 · punktów przywracania: 2 · dopasowana tylko po nazwie (brak zapisanej maszyny źródłowej)',
    );

    const done = await wiring.service.runApproved(await requestAndApprove(target('rg-test', 'app01')));
    expect(done?.execution?.summary.en).toContain('Deleted AzureBackup_app01_555');
    expect(names()).toContain('AzureBackup_app01_666');
  });

  describe('a source-less AzureBackup_web01_444 that rg-prod/web01 (out of scope) could own', () => {
    const addAmbiguous = (): void => {
      sim.state.collections.push({
        id: `/subscriptions/${SUB}/resourceGroups/AzureBackupRG_westeurope_1/providers/Microsoft.Compute/restorePointCollections/AzureBackup_web01_444`,
        subscriptionId: SUB,
        resourceGroup: 'AzureBackupRG_westeurope_1',
        name: 'AzureBackup_web01_444',
        location: 'westeurope',
        restorePointCollectionId: 'rpc-444',
        restorePointCount: 1,
      });
    };

    it('the plan names the problem and offers no Request button', async () => {
      addAmbiguous();
      const plan = await wiring.service.plan({ fixId: FIX, target: target('rg-test', 'web01'), actor: alex, language: 'en' });
      if (!plan.ok) throw new Error('plan refused');
      const view = buildFixPlanView(plan.value, 'session-1', 'en');
      expect(view.problems.join(' ')).toContain('AzureBackup_web01_444 (rg-prod/web01)');
      expect(view.actions).toEqual([]);
      expect(view.operations.flatMap((o) => o.lines)).toContain('AzureBackup_web01_444 · AzureBackupRG_westeurope_1 · 1 restore point · matched by name only (no source VM recorded)');
    });

    it('when it appears after approval, the executor refuses before touching the lock, and the refusal is audited', async () => {
      const id = await requestAndApprove(target('rg-test', 'web01'));
      addAmbiguous();
      const done = await wiring.service.runApproved(id);
      expect(done?.state).toBe('failed');
      expect(done?.execution?.errorCode).toBe('policy_denied');
      expect(done?.execution?.summary.en).toContain("rg-prod/web01 outside the fix policy's scope");
      expect(deleteOperations()).toEqual([]);
      expect(sim.requests.some((r) => r.method === 'DELETE' && /locks/i.test(r.path))).toBe(false);
      expect(names()).toEqual(expect.arrayContaining(['AzureBackup_web01_111', 'AzureBackup_web01_222', 'AzureBackup_web01_444', 'AzureBackup_web01_old_333']));
      expect(backupLocks()).toEqual([{ name: 'keep-backups', level: 'CanNotDelete', notes: 'Change board CB-1234: do not remove' }]);
      const audit = await wiring.audit.list({ correlationId: done?.correlationId ?? '' });
      expect(audit.find((e) => e.action === 'fix.failed')).toMatchObject({ outcome: 'failed', reason: 'policy_denied', detail: expect.stringContaining('AzureBackup_web01_444') });
    });
  });
});
