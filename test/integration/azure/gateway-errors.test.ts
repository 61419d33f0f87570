import { isCodedError, type CodedError } from '../../../src/core/errors';
import { PROD_VAULT, SUB, startHarness, vmRef, type Harness } from './simulator-harness';

async function codedFailure(promise: Promise<unknown>): Promise<CodedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isCodedError(error)) throw new Error(`expected a CodedError, got ${String(error)}`);
  return error;
}

/** Azure errors become clear, typed answers; throttling and 5xx are retried by the SDK's own policies. */
describe('SdkAzureGateway errors against the ARM simulator', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.sim.close();
  });
  afterEach(() => {
    h.sim.faults.clear();
  });

  it('403 on trigger names Backup Operator on the vault', async () => {
    h.sim.faults.deny(`/subscriptions/${SUB}/resourceGroups/rg-backup`, ['Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/backup/action']);
    const [item] = await h.gateway.listProtectedVms(PROD_VAULT);
    if (!item) throw new Error('expected an item');
    const error = await codedFailure(h.gateway.triggerBackup(item));
    expect(error.code).toBe('azure_forbidden');
    expect(error.message).toBe("The bot's identity needs Backup Operator on vault rsv-prod-weu (resource group rg-backup) to trigger a backup of vm-sql01.");
    expect(error.details).toMatchObject({
      status: 403,
      azureCode: 'AuthorizationFailed',
      operation: 'triggerBackup',
      requiredRole: 'Backup Operator',
      scope: `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-prod-weu`,
      action: 'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/backup/action',
    });
  });

  it.each([
    ['reading jobs', 'Backup Reader', 'vault rsv-prod-weu (resource group rg-backup)', (x: Harness) => x.gateway.listFailedBackupJobs(PROD_VAULT, { from: new Date(0), to: new Date() })],
    ['a run command', 'Virtual Machine Contributor', 'resource group rg-sql', (x: Harness) => x.gateway.runCommand(vmRef('rg-sql', 'vm-sql01'), { os: 'Windows', script: ['hostname'] })],
    ['an extension delete', 'Virtual Machine Contributor', 'resource group rg-app', (x: Harness) => x.gateway.deleteExtension(vmRef('rg-app', 'vm-app02'), 'VMSnapshot')],
    ['effective rules', 'Network Contributor', 'resource group rg-web', (x: Harness) => x.gateway.listEffectiveSecurityRules(vmRef('rg-web', 'vm-web01'))],
    ['a lock delete', 'Owner or User Access Administrator', 'resource group AzureBackupRG_westeurope_1', (x: Harness) => x.gateway.deleteResourceGroupLock(SUB, 'AzureBackupRG_westeurope_1', 'rg-do-not-delete')],
    ['a collection delete', 'Contributor', 'resource group AzureBackupRG_westeurope_2', (x: Harness) => x.gateway.deleteRestorePointCollection({ id: '', name: 'AzureBackup_vm-ok01_140738144265921', resourceGroup: 'AzureBackupRG_westeurope_2', subscriptionId: SUB, restorePointCount: 3 })],
  ])('403 on %s names %s on %s', async (_what, role, where, call) => {
    const denied: Record<string, string> = {
      'Backup Reader': `/subscriptions/${SUB}/resourceGroups/rg-backup`,
      'Virtual Machine Contributor': `/subscriptions/${SUB}/resourceGroups/${where.replace('resource group ', '')}`,
      'Network Contributor': `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network`,
      'Owner or User Access Administrator': `/subscriptions/${SUB}/resourceGroups/AzureBackupRG_westeurope_1`,
      Contributor: `/subscriptions/${SUB}/resourceGroups/AzureBackupRG_westeurope_2`,
    };
    h.sim.faults.deny(denied[role] ?? '/subscriptions');
    const error = await codedFailure(call(h));
    expect(error.code).toBe('azure_forbidden');
    expect(error.message).toContain(`needs ${role}`);
    expect(error.message).toContain(`on ${where}`);
    expect(error.details).toMatchObject({ status: 403, requiredRole: role });
  });

  it('404 becomes azure_not_found', async () => {
    const error = await codedFailure(h.gateway.getVmStatus(vmRef('rg-sql', 'vm-missing')));
    expect(error.code).toBe('azure_not_found');
    expect(error.details).toMatchObject({ status: 404, azureCode: 'ResourceNotFound', operation: 'getVmStatus' });
    const job = await codedFailure(h.gateway.getBackupJob(PROD_VAULT, '00000000-dead-beef-0000-000000000000'));
    expect(job.code).toBe('azure_not_found');
  });

  it('429 with Retry-After is retried by the SDK after the wait it asks for, then succeeds', async () => {
    h.sim.faults.throttle('/backupJobs/', { times: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const job = await h.gateway.getBackupJob(PROD_VAULT, '6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0001');
    expect(job.vmName).toBe('vm-sql01');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const calls = h.sim.requests.filter((r) => r.path.endsWith('/backupJobs/6b1f0c52-2d1e-4c36-9b7e-0a1c9e1f0001')).map((r) => r.status);
    expect(calls.slice(-2)).toEqual([429, 200]);
  });

  it('429 on every retry becomes azure_throttled after the SDK gives up', async () => {
    h.sim.faults.throttle('/instanceView', { times: 10, retryAfterSeconds: 0 });
    h.sim.faults.throttle('/virtualMachines/vm-ok01', { times: 10, retryAfterSeconds: 0 });
    const before = h.sim.requests.length;
    const error = await codedFailure(h.gateway.getVmStatus(vmRef('rg-ok', 'vm-ok01')));
    expect(error.code).toBe('azure_throttled');
    expect(error.details).toMatchObject({ status: 429 });
    // maxRetries 2: one call and two retries.
    expect(h.sim.requests.length - before).toBe(3);
  });

  it('5xx is retried by the SDK and, when it persists, becomes azure_unavailable', async () => {
    h.sim.faults.fail('/providers/Microsoft.Authorization/locks', { status: 503, times: 1 });
    await expect(h.gateway.listResourceGroupLocks(SUB, 'rg-sql')).resolves.toEqual([]);
    h.sim.faults.fail('/providers/Microsoft.Authorization/locks', { status: 500, code: 'InternalServerError', times: 10 });
    const error = await codedFailure(h.gateway.listResourceGroupLocks(SUB, 'rg-sql'));
    expect(error.code).toBe('azure_unavailable');
  });

  it('a server that is gone becomes azure_unavailable, not a crash', async () => {
    const other = await startHarness();
    await other.sim.close();
    const error = await codedFailure(other.gateway.getVmStatus(vmRef('rg-sql', 'vm-sql01')));
    expect(error.code).toBe('azure_unavailable');
  });

  it('an aborted call stops and reports azure_unavailable', async () => {
    h.sim.faults.throttle('/instanceView', { times: 10, retryAfterSeconds: 5 });
    h.sim.faults.throttle('/virtualMachines/vm-ok01', { times: 10, retryAfterSeconds: 5 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await codedFailure(h.gateway.getVmStatus(vmRef('rg-ok', 'vm-ok01'), { abortSignal: controller.signal }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error.code).toBe('azure_unavailable');
    expect(error.details).toMatchObject({ aborted: true });
  });
});
