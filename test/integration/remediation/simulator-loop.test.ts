import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { startArmSimulator, type ArmSimulator } from '../../../dev/arm-simulator/server';
import { createIdentifier } from '../../../src/core/identify';
import type { Actor } from '../../../src/core/remediation/actor';
import { resolveFixTarget } from '../../../src/core/remediation/target-resolution';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { createRemediation, type RemediationWiring } from '../../../src/remediation/create-remediation';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { alexAad, meganAad, remediationScenario, remediationGateway, loadedRemediationPolicy } from './remediation-scenario';

const alex: Actor = { channel: 'msteams', userId: 'user-id-0', aadObjectId: alexAad, displayName: 'Alex Wilber' };
const megan: Actor = { channel: 'msteams', userId: 'user-id-1', aadObjectId: meganAad, displayName: 'Megan Bowen' };

describe('approved fixes against the ARM simulator through the real SDK gateway', () => {
  let sim: ArmSimulator;
  let db: SqliteDatabase;
  let wiring: RemediationWiring;
  let gateway: SdkAzureGateway;
  const knowledge = loadKnowledgeBase();

  beforeEach(async () => {
    sim = await startArmSimulator({ scenario: remediationScenario });
    gateway = remediationGateway(sim);
    db = openSqliteDatabase(':memory:');
    let n = 0;
    wiring = createRemediation({
      db,
      azure: gateway,
      fixes: knowledge.fixes,
      policy: loadedRemediationPolicy(),
      identifier: createIdentifier(knowledge),
      clock: { now: () => new Date() },
      ids: { next: () => `id-${(n += 1)}-${Math.random().toString(36).slice(2, 10)}` },
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5))),
      verification: { pollIntervalMs: 10, timeoutMs: 30_000 },
    });
  });

  afterEach(async () => {
    db.close();
    await sim.close();
  });

  const vmOf = (name: string) => sim.state.vms.find((v) => v.name === name);

  async function runLoop(vmName: string, causeId: string, fixId: string) {
    const resolved = await resolveFixTarget(gateway, { vm: vmName });
    if (!resolved.ok) throw new Error(`target not resolved: ${resolved.reason}`);
    expect(resolved.target.vault?.name).toBe('vault-prod');
    const { service } = wiring;
    const requested = await service.request({ fixId, target: resolved.target, actor: alex, language: 'en', causeId });
    if (!requested.ok) throw new Error(`request refused: ${requested.refusal.reason} ${requested.refusal.message.en}`);
    const approved = await service.approve(requested.value.id, megan);
    expect(approved.ok).toBe(true);
    const done = await service.runApproved(requested.value.id);
    const trail = (await wiring.audit.list({ correlationId: requested.value.correlationId })).map((e) => e.action).reverse();
    return { done, trail };
  }

  const fullTrail = ['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.verified-fixed'];

  it('windows-agent-unresponsive: restarting the agent makes it Ready and the verification backup succeeds', async () => {
    const { done, trail } = await runLoop('win-agent', 'windows-agent-unresponsive', 'restart-windows-agent');
    expect(done).toMatchObject({ state: 'verified-fixed', verification: { result: 'fixed' } });
    expect(done?.execution?.summary.en).toContain('Ready');
    expect(vmOf('win-agent')?.agent.status).toBe('Ready');
    expect(trail).toEqual(fullTrail);
  });

  it('linux-agent-out-of-date: updating from the distribution repository enables auto-update and fixes the backup', async () => {
    const { done, trail } = await runLoop('lin-old', 'linux-agent-out-of-date', 'update-linux-agent');
    expect(done?.state).toBe('verified-fixed');
    const vm = vmOf('lin-old');
    expect(vm?.agent.version).toBe('2.12.0.4');
    expect(vm?.guest.waagentConf['AutoUpdate.Enabled']).toBe('y');
    expect(trail).toEqual(fullTrail);
  });

  it('linux agent not ready: restarting walinuxagent or waagent fixes the backup', async () => {
    const { done } = await runLoop('lin-conf', 'vm-or-agent-not-ready', 'restart-linux-agent');
    expect(done?.state).toBe('verified-fixed');
    expect(vmOf('lin-conf')?.agent.status).toBe('Ready');
  });

  it('verbose logging turns Logs.Verbose on; the out-of-date agent still fails the backup, with its code', async () => {
    const { done, trail } = await runLoop('lin-old', 'linux-agent-out-of-date', 'enable-verbose-agent-logging');
    expect(vmOf('lin-old')?.guest.waagentConf['Logs.Verbose']).toBe('y');
    expect(done).toMatchObject({ state: 'still-failing', verification: { result: 'failed', code: 'GuestAgentSnapshotTaskStatusError' } });
    expect(trail.at(-1)).toBe('fix.still-failing');
  });

  it('backup-extension-fails-to-load: deleting VMSnapshot lets the next backup reinstall it', async () => {
    const { done, trail } = await runLoop('win-ext', 'backup-extension-fails-to-load', 'reinstall-backup-extension');
    expect(done?.state).toBe('verified-fixed');
    const ext = vmOf('win-ext')?.extensions.find((e) => e.name === 'VMSnapshot');
    expect(ext?.status).toBe('succeeded');
    expect(trail).toEqual(fullTrail);
  });

  it('restore-point-rg-lock: the collection is deleted and the identical lock is back', async () => {
    const { done, trail } = await runLoop('win-rp', 'restore-point-rg-lock', 'clear-restore-points-behind-lock');
    expect(done?.state).toBe('verified-fixed');
    expect(sim.state.collections.some((c) => c.name === 'AzureBackup_win-rp_1700000000')).toBe(false);
    const locks = sim.state.locks.filter((l) => l.scope.toLowerCase().endsWith('/resourcegroups/azurebackuprg_westeurope_1'));
    expect(locks.map((l) => ({ name: l.name, level: l.level, notes: l.notes }))).toEqual([{ name: 'keep-backups', level: 'CanNotDelete', notes: 'Change board CB-1234: do not remove' }]);
    expect(trail).toEqual(fullTrail);
  });

  it('restore-point-rg-lock: when the collection delete fails, the lock is still put back and the fix is reported failed', async () => {
    sim.faults.fail('restorePointCollections/AzureBackup_win-rp', { method: 'DELETE', status: 500, code: 'InternalServerError', message: 'The delete timed out', times: 10 });
    const { done, trail } = await runLoop('win-rp', 'restore-point-rg-lock', 'clear-restore-points-behind-lock');
    expect(done?.state).toBe('failed');
    expect(done?.execution?.summary.en).toContain('Locks restored: keep-backups');
    expect(sim.state.collections.some((c) => c.name === 'AzureBackup_win-rp_1700000000')).toBe(true);
    const locks = sim.state.locks.filter((l) => l.scope.toLowerCase().endsWith('/resourcegroups/azurebackuprg_westeurope_1'));
    expect(locks.map((l) => ({ name: l.name, level: l.level, notes: l.notes }))).toEqual([{ name: 'keep-backups', level: 'CanNotDelete', notes: 'Change board CB-1234: do not remove' }]);
    const deletes = sim.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.replace(/^.*\/(locks|restorePointCollections)\//i, '$1/'));
    const puts = sim.requests.filter((r) => r.method === 'PUT').map((r) => r.path.replace(/^.*\/locks\//i, 'locks/'));
    expect(deletes[0]).toMatch(/^locks\/keep-backups/);
    expect(puts).toEqual([expect.stringMatching(/^locks\/keep-backups/)]);
    expect(trail).toEqual(['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.failed']);
  });

  it('snapshot-status-unavailable: after the VM is shut down properly, retrying the backup succeeds (and only one backup runs)', async () => {
    const vm = vmOf('win-stopped');
    if (!vm) throw new Error('scenario VM missing');
    // The guide's manual step: shut the VM down from the portal, so Azure sees it deallocated.
    vm.powerState = 'deallocated';
    const before = sim.requests.filter((r) => r.method === 'POST' && /\/backup$/i.test(r.path)).length;
    const { done, trail } = await runLoop('win-stopped', 'snapshot-status-unavailable', 'retry-backup');
    expect(done?.state).toBe('verified-fixed');
    expect(sim.requests.filter((r) => r.method === 'POST' && /\/backup$/i.test(r.path)).length - before).toBe(1);
    expect(trail).toEqual(fullTrail);
  });

  it('a fix outside the policy scope is refused before anything touches Azure', async () => {
    const resolved = await resolveFixTarget(gateway, { vm: 'fin-db' });
    if (!resolved.ok) throw new Error(resolved.reason);
    const result = await wiring.service.request({ fixId: 'restart-windows-agent', target: resolved.target, actor: alex, language: 'pl' });
    expect(result).toMatchObject({ ok: false, refusal: { reason: 'out-of-scope' } });
    expect(sim.requests.some((r) => r.method === 'POST' && /runCommand/i.test(r.path))).toBe(false);
  });
});
