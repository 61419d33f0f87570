import type { ProtectedVm } from '../../../src/core/azure-port';
import { isCodedError } from '../../../src/core/errors';
import { ARM_ANSWER_SHAPES, PROD_VAULT, SUB, startHarness, vmRef, type Harness } from './simulator-harness';

/** Operations that change Azure, through the real SDK pollers, and the backups that follow them. */
describe.each(ARM_ANSWER_SHAPES)('SdkAzureGateway operations against the ARM simulator (%s)', (_shape, settings) => {
  let h: Harness;
  let items: ProtectedVm[];

  beforeEach(async () => {
    h = await startHarness({ settings });
    items = await h.gateway.listProtectedVms(PROD_VAULT);
  });
  afterEach(async () => {
    await h.sim.close();
  });

  const item = (vm: string): ProtectedVm => {
    const found = items.find((i) => i.friendlyName === vm);
    if (!found) throw new Error(`no protected item for ${vm}`);
    return found;
  };

  /** Triggers a backup, follows the operation to the job id, then reads the finished job. */
  async function backupOutcome(vm: string): Promise<{ status: string; message?: string }> {
    const { jobId } = await h.gateway.triggerBackup(item(vm));
    const job = await h.gateway.getBackupJob(PROD_VAULT, jobId);
    return { status: job.status, message: job.errors[0]?.message };
  }

  it.each([
    ['vm-sql01', 'VM Agent unable to communicate with Azure Backup'],
    ['vm-web01', 'Snapshot operation failed due to no network connectivity on the virtual machine'],
    ['vm-app02', 'VMSnapshot extension operation failed'],
    ['vm-linux01', 'Could not communicate with the VM agent for snapshot status'],
    ['vm-linux02', 'Backup failed with an internal error - Please retry the operation in a few minutes'],
    ['vm-linux03', 'Could not communicate with the VM agent for snapshot status'],
    ['vm-files01', 'The Restore Point collection max limit has reached.'],
  ])('a new backup of %s fails with the message its Azure state causes', async (vm, message) => {
    await expect(backupOutcome(vm)).resolves.toEqual({ status: 'Failed', message });
  });

  it('a new backup of the healthy VM completes', async () => {
    await expect(backupOutcome('vm-ok01')).resolves.toEqual({ status: 'Completed', message: undefined });
  });

  it('follows the trigger through Azure-AsyncOperation polling to the job, which is InProgress until it finishes', async () => {
    await h.sim.close();
    h = await startHarness({ settings: { jobCompletionDelayMs: 400, asyncOperationPolls: 3 } });
    items = await h.gateway.listProtectedVms(PROD_VAULT);
    const { jobId } = await h.gateway.triggerBackup(item('vm-ok01'));
    const polls = h.sim.requests.filter((r) => r.path.includes('/operationsStatus/'));
    expect(polls).toHaveLength(4);
    expect((await h.gateway.getBackupJob(PROD_VAULT, jobId)).status).toBe('InProgress');
    // A second trigger while the first runs is refused, as the service does.
    const second = await h.gateway.triggerBackup(item('vm-ok01')).catch((e: unknown) => e);
    expect(isCodedError(second, 'azure_conflict')).toBe(true);
    await new Promise((r) => setTimeout(r, 450));
    const done = await h.gateway.getBackupJob(PROD_VAULT, jobId);
    expect(done.status).toBe('Completed');
    expect(done.endTime).toBeInstanceOf(Date);
    const protectedVm = (await h.gateway.listProtectedVms(PROD_VAULT)).find((i) => i.friendlyName === 'vm-ok01');
    expect(protectedVm?.lastBackupStatus).toBe('Completed');
  });

  it('restarting the Windows agent by run command (a long-running operation) makes it Ready and the backup succeed', async () => {
    const vm = vmRef('rg-sql', 'vm-sql01');
    const out = await h.gateway.runCommand(vm, { os: 'Windows', script: ['Restart-Service -Name WindowsAzureGuestAgent -Force', 'Get-Service WindowsAzureGuestAgent'] });
    expect(out.stdout).toContain('Running  WindowsAzureGuestAgent');
    // Followed through Azure-AsyncOperation where Azure gives one, else through the Location alone.
    expect(h.sim.requests.some((r) => r.path.includes('/locations/westeurope/operations/'))).toBe(settings.lroShape !== 'location-only');
    expect(h.sim.requests.some((r) => r.path.includes('/locations/westeurope/operationResults/'))).toBe(true);
    const status = await h.gateway.getVmStatus(vm);
    expect(status.agentStatuses[0]?.displayStatus).toBe('Ready');
    await expect(backupOutcome('vm-sql01')).resolves.toEqual({ status: 'Completed', message: undefined });
  });

  it('updating the Linux agent raises its version and the backup succeeds', async () => {
    const vm = vmRef('rg-linux', 'vm-linux01');
    const before = await h.gateway.runCommand(vm, { os: 'Linux', script: ['waagent --version'] });
    expect(before.stdout).toContain('WALinuxAgent-2.2.45');
    await h.gateway.runCommand(vm, { os: 'Linux', script: ['apt-get update && apt-get install -y walinuxagent', "sed -i 's/AutoUpdate.Enabled=n/AutoUpdate.Enabled=y/' /etc/waagent.conf", 'systemctl restart walinuxagent'] });
    expect((await h.gateway.getVmStatus(vm)).agentVersion).toBe('2.12.0.4');
    await expect(backupOutcome('vm-linux01')).resolves.toEqual({ status: 'Completed', message: undefined });
  });

  it('reads the Linux agent configuration with a read-only run command', async () => {
    const out = await h.gateway.runCommand(vmRef('rg-linux', 'vm-linux03'), { os: 'Linux', script: ["grep -E '^(Extensions.Enable|Provisioning.Agent)' /etc/waagent.conf"] });
    expect(out).toEqual({ stdout: 'Extensions.Enable=n\nProvisioning.Agent=auto', stderr: '' });
  });

  it('deleting the VMSnapshot extension removes it, and the next backup reinstalls it and succeeds', async () => {
    const vm = vmRef('rg-app', 'vm-app02');
    await h.gateway.deleteExtension(vm, 'VMSnapshot');
    expect((await h.gateway.getVmStatus(vm)).extensions.map((e) => e.name)).toEqual(['AzureMonitorWindowsAgent']);
    await expect(backupOutcome('vm-app02')).resolves.toEqual({ status: 'Completed', message: undefined });
    const after = await h.gateway.getVmStatus(vm);
    expect(after.extensionHandlers.find((x) => x.type === 'Microsoft.Azure.RecoveryServices.VMSnapshot')?.status?.displayStatus).toBe('Ready');
  });

  it('the restore point collection behind a lock: delete refused with ScopeLocked, then lock removed, collection deleted, lock restored, backup succeeds', async () => {
    const vm = vmRef('rg-files', 'vm-files01');
    const rg = 'AzureBackupRG_westeurope_1';
    const [collection] = await h.gateway.listRestorePointCollections(vm);
    if (!collection) throw new Error('expected a collection');

    const refused = await h.gateway.deleteRestorePointCollection(collection).catch((e: unknown) => e);
    expect(isCodedError(refused, 'azure_locked')).toBe(true);
    if (!isCodedError(refused)) throw refused;
    expect(refused.message).toContain(`/subscriptions/${SUB}/resourceGroups/${rg}`);
    expect(refused.details).toMatchObject({ status: 409, azureCode: 'ScopeLocked', lockScopes: [`/subscriptions/${SUB}/resourceGroups/${rg}`] });

    const [lock] = await h.gateway.listResourceGroupLocks(SUB, rg);
    if (!lock) throw new Error('expected a lock');
    await h.gateway.deleteResourceGroupLock(SUB, rg, lock.name);
    expect(await h.gateway.listResourceGroupLocks(SUB, rg)).toEqual([]);
    await h.gateway.deleteRestorePointCollection(collection);
    expect(await h.gateway.listRestorePointCollections(vm)).toEqual([]);
    const restored = await h.gateway.createResourceGroupLock(SUB, rg, { name: lock.name, level: lock.level, notes: lock.notes });
    expect(restored).toEqual(lock);

    await expect(backupOutcome('vm-files01')).resolves.toEqual({ status: 'Completed', message: undefined });
    const fresh = await h.gateway.listRestorePointCollections(vm);
    expect(fresh.map((c) => c.restorePointCount)).toEqual([1]);
  });

  it('a long-running operation that ends Failed changes nothing and surfaces the Azure error', async () => {
    h.sim.faults.failOperation('/restorePointCollections/', { method: 'DELETE', code: 'OperationPreempted', message: 'The delete timed out; retry.' });
    const collection = (await h.gateway.listRestorePointCollections(vmRef('rg-ok', 'vm-ok01')))[0];
    if (!collection) throw new Error('expected a collection');
    const error = await h.gateway.deleteRestorePointCollection(collection).catch((e: unknown) => e);
    expect(isCodedError(error, 'azure_failed')).toBe(true);
    if (!isCodedError(error)) throw error;
    expect(error.details).toMatchObject({ azureCode: 'OperationPreempted' });
    expect(error.message).toContain('The delete timed out; retry.');
    expect(await h.gateway.listRestorePointCollections(vmRef('rg-ok', 'vm-ok01'))).toHaveLength(1);
  });
});
