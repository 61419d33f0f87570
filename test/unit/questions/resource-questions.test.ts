import { type Clock } from '../../../src/core/ports';
import { createIdentifier } from '../../../src/core/identify';
import {
  ResourceQuestions,
  VaultResolver,
  resolveWindow,
} from '../../../src/core/questions';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { CodedError } from '../../../src/core/errors';
import { FakeBackupPort, type FakeVault, SUB, dr, failedJob, forbidden, prod, protectedItem } from './fake-backup-port';

const kb = loadKnowledgeBase();
const identifier = createIdentifier(kb);
const now = new Date('2026-03-10T12:00:00Z');
const clock: Clock = { now: () => now };
const hoursAgo = (h: number): Date => new Date(now.getTime() - h * 3_600_000);

const agentMessage = { message: 'VM Agent unable to communicate with Azure Backup', numericCode: 400001 };
const networkMessage = { message: 'Snapshot operation failed due to no network connectivity on the virtual machine' };
const internalMessage = { message: 'Backup failed with an internal error - Please retry the operation in a few minutes' };

function questions(vaults: FakeVault[], options: { watched?: typeof prod[]; budgetMs?: number; listVaultsError?: Error } = {}): { q: ResourceQuestions; azure: FakeBackupPort } {
  const azure = new FakeBackupPort(vaults, options.listVaultsError);
  const resolver = new VaultResolver(azure, clock, { watched: options.watched ?? [] });
  return { q: new ResourceQuestions({ azure, identifier, vaults: resolver, clock, ...(options.budgetMs ? { budgetMs: options.budgetMs } : {}) }), azure };
}

describe('why did the backup of <vm> fail?', () => {
  test('finds the latest failed job of the VM across the vaults and identifies its code', async () => {
    const older = failedJob(prod, 'vm-sql01', hoursAgo(26), networkMessage);
    const latest = failedJob(prod, 'vm-sql01', hoursAgo(2), agentMessage);
    const other = failedJob(dr, 'vm-web01', hoursAgo(1), networkMessage);
    const { q } = questions([
      { vault: prod, jobs: [older, latest], items: [] },
      { vault: dr, jobs: [other], items: [] },
    ]);
    const result = await q.explainLatestFailure('VM-SQL01');
    expect(result).toMatchObject({ kind: 'failure', failure: { job: { id: latest.id, vmName: 'vm-sql01', vault: prod }, code: { kind: 'identified', codeId: 'UserErrorGuestAgentStatusUnavailable' } }, problems: [] });
  });

  test('an aka.ms/AB-<code> link in the recommendations settles a message two codes share', async () => {
    const job = failedJob(prod, 'vm-linux02', hoursAgo(2), { ...internalMessage, recommendations: ['For troubleshooting instructions, see https://aka.ms/AB-BackUpOperationFailedV2'] });
    const { q } = questions([{ vault: prod, jobs: [job], items: [] }]);
    expect(await q.explainLatestFailure('vm-linux02')).toMatchObject({ kind: 'failure', failure: { code: { kind: 'identified', codeId: 'BackUpOperationFailedV2' } } });
  });

  test('a message two codes share, with nothing else to tell them apart, is ambiguous (details are read first)', async () => {
    const job = failedJob(prod, 'vm-files01', hoursAgo(2), internalMessage);
    const { q, azure } = questions([{ vault: prod, jobs: [job], items: [] }]);
    const result = await q.explainLatestFailure('vm-files01');
    expect(result).toMatchObject({ kind: 'failure', failure: { code: { kind: 'ambiguous' } } });
    if (result.kind === 'failure' && result.failure.code.kind === 'ambiguous') expect([...result.failure.code.codeIds].sort()).toEqual(['BackUpOperationFailed', 'BackUpOperationFailedV2']);
    expect(azure.calls).toContain('getBackupJob:rsv-prod-weu');
  });

  test('the dynamic error message from the job details identifies a job whose list entry says nothing useful', async () => {
    const listed = failedJob(prod, 'vm-x1', hoursAgo(2), { message: 'Something went wrong' });
    const details = { [listed.id]: { dynamicErrorMessage: 'Could not communicate with the VM agent for snapshot status' } };
    const { q } = questions([{ vault: prod, jobs: [listed], items: [], details }]);
    expect(await q.explainLatestFailure('vm-x1')).toMatchObject({ kind: 'failure', failure: { code: { kind: 'identified', codeId: 'GuestAgentSnapshotTaskStatusError' } } });
  });

  test('an error the catalogue does not know comes back unidentified with Azure\'s message', async () => {
    const job = failedJob(prod, 'vm-odd01', hoursAgo(2), { message: 'The flux capacitor is misaligned' });
    const { q } = questions([{ vault: prod, jobs: [job], items: [] }]);
    expect(await q.explainLatestFailure('vm-odd01')).toMatchObject({ kind: 'failure', failure: { code: { kind: 'unidentified' }, message: 'The flux capacitor is misaligned' } });
  });

  test('a protected VM without failures in the look-back says so, with its last backup', async () => {
    const { q } = questions([{ vault: prod, jobs: [failedJob(prod, 'vm-ok01', hoursAgo(24 * 9), agentMessage)], items: [protectedItem(prod, 'vm-ok01', 'Completed', hoursAgo(3))] }]);
    expect(await q.explainLatestFailure('vm-ok01')).toMatchObject({ kind: 'no-failure', vmName: 'vm-ok01', lookbackDays: 7, protectedIn: [{ friendlyName: 'vm-ok01', lastBackupStatus: 'Completed' }] });
  });

  test('an unknown VM is not found, with close names suggested', async () => {
    const { q } = questions([{ vault: prod, jobs: [], items: [protectedItem(prod, 'vm-sql01'), protectedItem(prod, 'vm-web01')] }]);
    expect(await q.explainLatestFailure('vm-sql1')).toEqual({ kind: 'vm-not-found', vmName: 'vm-sql1', vaultsSearched: ['rsv-prod-weu'], suggestions: ['vm-sql01'] });
  });

  test('not found while a vault was unreadable: the 403 (role and scope) is the answer, not "not found"', async () => {
    const { q } = questions([
      { vault: prod, jobs: [], items: [] },
      { vault: dr, jobs: [], items: [], error: forbidden(dr) },
    ]);
    const result = await q.explainLatestFailure('vm-dr07');
    expect(result).toMatchObject({ kind: 'azure-problem', vault: dr, problem: { kind: 'forbidden', requiredRole: 'Backup Reader', scope: expect.stringContaining('/vaults/rsv-dr-neu') } });
  });

  test('found in one vault while another is unreadable: the answer, with the problem noted', async () => {
    const job = failedJob(prod, 'vm-sql01', hoursAgo(2), agentMessage);
    const { q } = questions([
      { vault: prod, jobs: [job], items: [] },
      { vault: dr, jobs: [], items: [], error: forbidden(dr) },
    ]);
    const result = await q.explainLatestFailure('vm-sql01');
    expect(result).toMatchObject({ kind: 'failure', problems: [{ vault: dr, problem: { kind: 'forbidden' } }] });
  });

  test('a slow Azure gets "did not answer in time" within the budget, not a hung turn', async () => {
    const { q } = questions([{ vault: prod, jobs: [], items: [], hang: true }], { budgetMs: 150 });
    const started = Date.now();
    const result = await q.explainLatestFailure('vm-sql01');
    expect(result).toMatchObject({ kind: 'azure-problem', problem: { kind: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('listVaults refused: the problem is the answer', async () => {
    const { q } = questions([], { listVaultsError: new CodedError('azure_forbidden', 'needs Backup Reader', { requiredRole: 'Backup Reader', scope: `/subscriptions/${SUB}` }) });
    expect(await q.explainLatestFailure('vm-sql01')).toMatchObject({ kind: 'azure-problem', problem: { kind: 'forbidden', requiredRole: 'Backup Reader', scope: `/subscriptions/${SUB}` } });
  });

  test('no vault at all', async () => {
    const { q } = questions([]);
    expect(await q.explainLatestFailure('vm-sql01')).toEqual({ kind: 'no-vaults' });
  });
});

describe('failed backups in a window', () => {
  test('every failed job in the window, newest first, across the vaults', async () => {
    const a = failedJob(prod, 'vm-sql01', hoursAgo(2), agentMessage);
    const b = failedJob(dr, 'vm-web01', hoursAgo(1), networkMessage);
    const old = failedJob(prod, 'vm-app02', hoursAgo(30), networkMessage);
    const { q } = questions([
      { vault: prod, jobs: [a, old], items: [] },
      { vault: dr, jobs: [b], items: [] },
    ]);
    const result = await q.listFailedBackups({ kind: 'today' });
    expect(result.kind).toBe('list');
    if (result.kind !== 'list') return;
    expect(result.failures.map((f) => [f.job.vmName, f.code.kind === 'identified' ? f.code.codeId : f.code.kind])).toEqual([
      ['vm-web01', 'ExtensionSnapshotFailedNoNetwork'],
      ['vm-sql01', 'UserErrorGuestAgentStatusUnavailable'],
    ]);
    expect(result.range.from.toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(result.vaultsSearched).toBe(2);
  });

  test('only the watched vaults are asked when a list is configured', async () => {
    const { q, azure } = questions(
      [
        { vault: prod, jobs: [failedJob(prod, 'vm-sql01', hoursAgo(2), agentMessage)], items: [] },
        { vault: dr, jobs: [failedJob(dr, 'vm-web01', hoursAgo(2), agentMessage)], items: [] },
      ],
      { watched: [prod] },
    );
    const result = await q.listFailedBackups({ kind: 'last-hours', hours: 24 });
    expect(result).toMatchObject({ kind: 'list', vaultsSearched: 1, failures: [{ job: { vmName: 'vm-sql01' } }] });
    expect(azure.calls).not.toContain('listVaults');
    expect(azure.calls).not.toContain('listFailedBackupJobs:rsv-dr-neu');
  });

  test('one vault filter; an unknown vault name is answered with the known ones', async () => {
    const { q } = questions([
      { vault: prod, jobs: [failedJob(prod, 'vm-sql01', hoursAgo(2), agentMessage)], items: [] },
      { vault: dr, jobs: [failedJob(dr, 'vm-web01', hoursAgo(2), agentMessage)], items: [] },
    ]);
    expect(await q.listFailedBackups({ kind: 'today' }, { vaultName: 'RSV-DR-NEU' })).toMatchObject({ kind: 'list', failures: [{ job: { vmName: 'vm-web01' } }] });
    expect(await q.listFailedBackups({ kind: 'today' }, { vaultName: 'rsv-prod-wue' })).toEqual({ kind: 'vault-not-found', vaultName: 'rsv-prod-wue', known: ['rsv-prod-weu', 'rsv-dr-neu'], suggestions: ['rsv-prod-weu'] });
  });

  test('every vault refused: the 403 is the answer', async () => {
    const { q } = questions([{ vault: prod, jobs: [], items: [], error: forbidden(prod) }]);
    expect(await q.listFailedBackups({ kind: 'today' })).toMatchObject({ kind: 'azure-problem', problem: { kind: 'forbidden', requiredRole: 'Backup Reader' } });
  });
});

describe('status of a vault', () => {
  test('protected VMs and the last 24 hours of failures grouped by code', async () => {
    const jobs = [
      failedJob(prod, 'vm-sql01', hoursAgo(2), agentMessage),
      failedJob(prod, 'vm-sql01', hoursAgo(20), agentMessage),
      failedJob(prod, 'vm-app02', hoursAgo(3), agentMessage),
      failedJob(prod, 'vm-web01', hoursAgo(1), networkMessage),
      failedJob(prod, 'vm-web01', hoursAgo(40), networkMessage),
    ];
    const items = ['vm-sql01', 'vm-app02', 'vm-web01', 'vm-ok01'].map((vm) => protectedItem(prod, vm, vm === 'vm-ok01' ? 'Completed' : 'Failed'));
    const { q } = questions([{ vault: prod, jobs, items }]);
    const result = await q.vaultStatus('rsv-prod-weu');
    expect(result.kind).toBe('status');
    if (result.kind !== 'status') return;
    expect(result.protectedVms).toHaveLength(4);
    expect(result.failures).toHaveLength(4);
    expect(result.groups.map((g) => [g.codeId, g.count, g.vms])).toEqual([
      ['UserErrorGuestAgentStatusUnavailable', 3, ['vm-sql01', 'vm-app02']],
      ['ExtensionSnapshotFailedNoNetwork', 1, ['vm-web01']],
    ]);
  });

  test('an unknown vault, and a vault that answers 403', async () => {
    const { q } = questions([{ vault: prod, jobs: [], items: [], error: forbidden(prod) }]);
    expect(await q.vaultStatus('rsv-nope')).toMatchObject({ kind: 'vault-not-found', known: ['rsv-prod-weu'] });
    expect(await q.vaultStatus('rsv-prod-weu')).toMatchObject({ kind: 'azure-problem', vault: prod, problem: { kind: 'forbidden', requiredRole: 'Backup Reader' } });
  });
});

describe('a Troubleshoot press reloads the job', () => {
  test('from a watched vault only, and only while it is a failed job', async () => {
    const job = failedJob(prod, 'vm-sql01', hoursAgo(2), agentMessage);
    const done = { ...failedJob(prod, 'vm-ok01', hoursAgo(2), agentMessage), status: 'Completed' };
    const { q } = questions([{ vault: prod, jobs: [job, done], items: [] }], { watched: [prod] });
    expect(await q.reloadFailedJob({ vaultName: 'rsv-prod-weu', resourceGroup: 'rg-backup', jobId: job.id })).toMatchObject({ kind: 'failure', failure: { job: { id: job.id }, code: { codeId: 'UserErrorGuestAgentStatusUnavailable' } } });
    expect(await q.reloadFailedJob({ vaultName: 'rsv-prod-weu', resourceGroup: 'rg-other', jobId: job.id })).toEqual({ kind: 'not-found' });
    expect(await q.reloadFailedJob({ vaultName: 'rsv-prod-weu', resourceGroup: 'rg-backup', jobId: 'does-not-exist' })).toEqual({ kind: 'not-found' });
    expect(await q.reloadFailedJob({ vaultName: 'rsv-prod-weu', resourceGroup: 'rg-backup', jobId: done.id })).toEqual({ kind: 'not-found' });
  });
});

describe('vaults and windows', () => {
  test('listVaults is remembered for a few minutes', async () => {
    const azure = new FakeBackupPort([{ vault: prod, jobs: [], items: [] }]);
    let t = now.getTime();
    const resolver = new VaultResolver(azure, { now: () => new Date(t) }, { watched: [] });
    const q = new ResourceQuestions({ azure, identifier, vaults: resolver, clock });
    await q.listFailedBackups({ kind: 'today' });
    await q.listFailedBackups({ kind: 'today' });
    t += 6 * 60_000;
    await q.listFailedBackups({ kind: 'today' });
    expect(azure.calls.filter((c) => c === 'listVaults')).toHaveLength(2);
  });

  test('today and yesterday follow the asker\'s UTC offset when known', () => {
    const at = new Date('2026-03-10T23:30:00Z');
    expect(resolveWindow({ kind: 'today' }, at).from.toISOString()).toBe('2026-03-10T00:00:00.000Z');
    // 00:30 on the 11th in Warsaw (UTC+1): "today" began at 23:00 UTC on the 10th.
    expect(resolveWindow({ kind: 'today' }, at, 60).from.toISOString()).toBe('2026-03-10T23:00:00.000Z');
    expect(resolveWindow({ kind: 'yesterday' }, at)).toEqual({ from: new Date('2026-03-09T00:00:00Z'), to: new Date('2026-03-10T00:00:00Z') });
    expect(resolveWindow({ kind: 'last-hours', hours: 24 }, at).from.toISOString()).toBe('2026-03-09T23:30:00.000Z');
  });
});
