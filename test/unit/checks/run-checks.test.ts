import { runChecks, runChecksForCode, verdictOf } from '../../../src/core/checks/run-checks';
import type { CheckResult } from '../../../src/core/checks/check-types';
import { CodedError } from '../../../src/core/errors';
import { systemClock } from '../../../src/core/ports';
import { withDeadline } from '../../../src/core/azure-lookup/azure-deadline';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { agentNotReady, defaultOutboundRules, linuxVm, rule, vmRef, windowsVm } from './evidence-fixtures';
import { StubAzurePort } from './stub-azure-port';

const knowledge = loadKnowledgeBase();
const target = { vm: vmRef() };
const options = { allowReadOnlyRunCommand: false, clock: systemClock };
// The seed's five causes for this code, in the seed's order, then the current checklist cause.
const code = 'UserErrorGuestAgentStatusUnavailable';

describe('runChecksForCode', () => {
  it('judges each cause in the documented order and points to the first likely one', async () => {
    const azure = new StubAzurePort({
      vmStatus: windowsVm({ agentVersion: '2.7.41491.1083', agentStatuses: [agentNotReady] }),
      rules: defaultOutboundRules,
    });
    const report = await runChecksForCode(knowledge, code, target, azure, options);
    expect(report.causes.map((c) => [c.causeId, c.verdict])).toEqual([
      ['no-internet-access', 'ruled-out'],
      ['windows-agent-unresponsive', 'likely'],
      ['linux-agent-out-of-date', 'ruled-out'],
      ['snapshot-status-unavailable', 'unknown'],
      ['backup-extension-fails-to-load', 'ruled-out'],
      ['vm-or-agent-not-ready', 'likely'],
    ]);
    expect(report.firstLikelyCauseIndex).toBe(1);
    // windows-agent-ready serves two causes but runs once.
    expect(report.results.filter((r) => r.checkId === 'windows-agent-ready')).toHaveLength(1);
    expect(report.causes[5]?.results.map((r) => r.checkId)).toEqual(['vm-provisioning-state', 'windows-agent-ready', 'linux-agent-ready', 'extensions-provisioned']);
  });

  it('gathers each kind of evidence once, however many checks share it', async () => {
    const azure = new StubAzurePort({ vmStatus: windowsVm(), rules: defaultOutboundRules });
    await runChecksForCode(knowledge, code, target, azure, options);
    expect(azure.count('getVmStatus')).toBe(1);
    expect(azure.count('listEffectiveSecurityRules')).toBe(1);
  });

  it('attaches the manual hint to the always-unknown DHCP check and to the wireserver pass', async () => {
    const azure = new StubAzurePort({ vmStatus: windowsVm(), rules: defaultOutboundRules });
    const report = await runChecksForCode(knowledge, code, target, azure, options);
    const dhcp = report.results.find((r) => r.checkId === 'guest-dhcp');
    expect(dhcp?.status).toBe('unknown');
    expect(dhcp?.manual?.en).toContain('ipconfig /all');
    expect(report.results.find((r) => r.checkId === 'wireserver-access')?.manual?.en).toContain('168.63.129.16');
    expect(report.results.find((r) => r.checkId === 'outbound-storage-access')?.manual).toBeUndefined();
  });

  it('reports a check that outlives its timeout as unknown, without holding up the others', async () => {
    const azure = new StubAzurePort({ vmStatus: windowsVm(), rules: defaultOutboundRules, delays: { listEffectiveSecurityRules: 5000 } });
    const started = Date.now();
    const report = await runChecksForCode(knowledge, code, target, azure, { ...options, timeoutInMs: 100 });
    expect(Date.now() - started).toBeLessThan(2000);
    const network = report.results.find((r) => r.checkId === 'outbound-storage-access');
    expect(network?.status).toBe('unknown');
    expect(network?.evidence.en).toBe('Azure did not answer in 0.1 s.');
    expect(network?.evidence.pl).toBe('Azure nie odpowiedział w ciągu 0,1 s.');
    expect(report.results.find((r) => r.checkId === 'windows-agent-ready')?.status).toBe('pass');
    // The straggling call is cancelled once the report is done.
    const signal = azure.signals[azure.calls.indexOf('listEffectiveSecurityRules')];
    expect(signal?.aborted).toBe(true);
  });

  it('says "8 s" with the default timeout', async () => {
    jest.useFakeTimers();
    try {
      const azure = new StubAzurePort({ vmStatus: windowsVm(), delays: { getVmStatus: 60_000 } });
      const pending = runChecks(['vm-power-state'], target, azure, options);
      await jest.advanceTimersByTimeAsync(8000);
      const [result] = await pending;
      expect(result?.evidence.en).toBe('Azure did not answer in 8 s.');
    } finally {
      jest.useRealTimers();
    }
  });

  it('turns a 403 into unknown results that name the missing role, and never throws', async () => {
    const forbidden = new CodedError('azure_forbidden', "The client 'bot' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/instanceView/read'.", {
      status: 403,
      azureCode: 'AuthorizationFailed',
      requiredRole: 'Virtual Machine Contributor',
      scope: 'resource group rg-prod',
    });
    const azure = new StubAzurePort({ vmStatus: forbidden });
    const report = await runChecksForCode(knowledge, code, target, azure, options);
    const agent = report.results.find((r) => r.checkId === 'windows-agent-ready');
    expect(agent?.status).toBe('unknown');
    expect(agent?.evidence.en).toMatch(/^Azure refused access \(403\): The bot's identity needs the Virtual Machine Contributor role on resource group rg-prod\. The client/);
    expect(agent?.evidence.pl).toContain('potrzebuje roli Virtual Machine Contributor w zakresie resource group rg-prod');
    expect(agent?.manual?.en).toContain('services.msc');
    expect(report.causes.every((c) => c.verdict === 'unknown')).toBe(true);
    expect(report.firstLikelyCauseIndex).toBeUndefined();
  });

  it('survives a port that throws synchronously or rejects with a plain error', async () => {
    const azure = new StubAzurePort({ vmStatus: windowsVm(), rules: new Error('socket hang up') });
    azure.listRestorePointCollections = () => {
      throw new TypeError('boom');
    };
    const report = await runChecksForCode(knowledge, 'UserErrorRpCollectionLimitReached', target, azure, options);
    expect(report.results.map((r) => r.status)).toEqual(['unknown', 'unknown']);
    expect(report.results[0]?.evidence.en).toBe('The check failed unexpectedly: boom');
  });

  it('reports the restore point lock, looking up each resource group once', async () => {
    const rg = 'AzureBackupRG_westeurope_1';
    const collections = [
      { id: 'c1', name: 'AzureBackup_vm-web01_1', resourceGroup: rg, subscriptionId: target.vm.subscriptionId, restorePointCount: 18 },
      { id: 'c2', name: 'AzureBackup_vm-web01_2', resourceGroup: rg, subscriptionId: target.vm.subscriptionId, restorePointCount: 0 },
    ];
    const azure = new StubAzurePort({
      vmStatus: windowsVm(),
      collections,
      locks: { [rg]: [{ id: 'l', name: 'keep', level: 'CanNotDelete', scope: `/subscriptions/${target.vm.subscriptionId}/resourceGroups/${rg}` }] },
    });
    const report = await runChecksForCode(knowledge, 'UserErrorRpCollectionLimitReached', target, azure, options);
    expect(report.causes.map((c) => c.verdict)).toEqual(['likely', 'likely']);
    expect(report.firstLikelyCauseIndex).toBe(0);
    expect(azure.count('listRestorePointCollections')).toBe(1);
    expect(azure.count('listResourceGroupLocks')).toBe(1);
    expect(azure.count('getVmStatus')).toBe(0);
  });

  it('runs the guest command only when read-only run commands are allowed', async () => {
    const evidence = { vmStatus: linuxVm(), rules: defaultOutboundRules, runCommand: { stdout: 'Extensions.Enable=n\nProvisioning.Agent=auto', stderr: '' } };
    const denied = new StubAzurePort(evidence);
    const withoutPermission = await runChecks(['linux-agent-config'], target, denied, options, knowledge);
    expect(withoutPermission[0]?.status).toBe('unknown');
    expect(withoutPermission[0]?.manual?.en).toContain("grep -E '^(Extensions.Enable|Provisioning.Agent)' /etc/waagent.conf");
    expect(denied.count('runCommand')).toBe(0);

    const allowed = new StubAzurePort(evidence);
    const withPermission = await runChecks(['linux-agent-config'], target, allowed, { allowReadOnlyRunCommand: true, clock: systemClock }, knowledge);
    expect(withPermission[0]?.status).toBe('fail');
  });

  it('reads the protected item only when a vault is known', async () => {
    const vault = { subscriptionId: target.vm.subscriptionId, resourceGroup: 'rg-backup', name: 'rsv-prod' };
    const protectedVms = [
      { vault, vm: target.vm, friendlyName: 'vm-web01', containerName: 'c', protectedItemName: 'p', protectionState: 'ProtectionStopped' },
    ];
    const azure = new StubAzurePort({ vmStatus: windowsVm(), protectedVms });
    const [noVault] = await runChecks(['vm-protection-active'], target, azure, options);
    expect(noVault?.status).toBe('unknown');
    expect(azure.count('listProtectedVms')).toBe(0);
    const report = await runChecksForCode(knowledge, 'UserErrorBcmDatasourceNotPresent', { ...target, vault }, azure, options);
    expect(report.causes[0]?.verdict).toBe('likely');
  });

  it('marks pending checks unknown when the caller cancels', async () => {
    const controller = new AbortController();
    const azure = new StubAzurePort({ vmStatus: windowsVm(), delays: { getVmStatus: 5000 } });
    const pending = runChecksForCode(knowledge, code, target, azure, { ...options, abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const report = await pending;
    expect(report.results.find((r) => r.checkId === 'windows-agent-ready')?.evidence.en).toBe('The checks were cancelled before Azure answered.');
  });

  it('says Azure did not answer in time when the turn\'s deadline runs out, not that someone cancelled', async () => {
    const azure = new StubAzurePort({ vmStatus: windowsVm(), delays: { getVmStatus: 5000 } });
    const started = Date.now();
    const report = await withDeadline(100, (deadline) => runChecksForCode(knowledge, code, target, azure, { ...options, abortSignal: deadline.signal }));
    expect(Date.now() - started).toBeLessThan(1000);
    const agent = report.results.find((r) => r.checkId === 'windows-agent-ready');
    expect(agent).toMatchObject({ status: 'unknown', evidence: { en: 'Azure did not answer in time for this turn.', pl: 'Azure nie odpowiedział na czas.' } });
  });

  it('judges "stuck for N minutes" at the app\'s clock, the instant the session records as checkedAt', async () => {
    const at = new Date('2024-05-01T10:00:00Z');
    const stuck = windowsVm({
      extensions: [{ name: 'VMSnapshot', type: 'Microsoft.Azure.RecoveryServices.VMSnapshot', statuses: [{ code: 'ProvisioningState/transitioning', displayStatus: 'Transitioning', time: new Date('2024-05-01T09:15:00Z') }] }],
    });
    const [result] = await runChecks(['backup-extension-health'], target, new StubAzurePort({ vmStatus: stuck }), { ...options, clock: { now: () => at } });
    expect(result?.evidence.en).toContain('stuck for 45 min');
  });

  it('returns an empty report for a code it does not know', async () => {
    const report = await runChecksForCode(knowledge, 'NoSuchCode', target, new StubAzurePort({ vmStatus: windowsVm() }), options);
    expect(report).toMatchObject({ results: [], causes: [] });
  });

  it('keeps a cause without checks unknown', async () => {
    const report = await runChecksForCode(knowledge, 'UserErrorBackupOperationInProgress', target, new StubAzurePort({ vmStatus: windowsVm() }), options);
    expect(report.causes.map((c) => c.verdict)).toEqual(['unknown']);
  });

  it('runs the checks in parallel', async () => {
    const azure = new StubAzurePort({
      vmStatus: windowsVm(),
      rules: [rule({ name: 'DenyInternetOutbound', priority: 200, access: 'Deny', destinationPortRanges: ['443'], destinationAddressPrefixes: ['Internet'] })],
      delays: { getVmStatus: 150, listEffectiveSecurityRules: 150, listRestorePointCollections: 150, listResourceGroupLocks: 150 },
      collections: [{ id: 'c', name: 'AzureBackup_vm-web01_1', resourceGroup: 'rg', subscriptionId: 's', restorePointCount: 3 }],
    });
    const started = Date.now();
    const report = await runChecksForCode(knowledge, 'BackUpOperationFailed', target, azure, options);
    // Two dependent rounds (collections, then locks); everything else overlaps them.
    expect(Date.now() - started).toBeLessThan(600);
    expect(report.causes[0]).toMatchObject({ causeId: 'no-internet-access', verdict: 'likely' });
  });
});

describe('verdictOf', () => {
  const r = (status: CheckResult['status']): CheckResult => ({ checkId: 'x', status, evidence: { en: 'e', pl: 'e' } });
  it('is likely on any failure, ruled out only when all pass, otherwise unknown', () => {
    expect(verdictOf([r('pass'), r('fail'), r('unknown')])).toBe('likely');
    expect(verdictOf([r('pass'), r('pass')])).toBe('ruled-out');
    expect(verdictOf([r('pass'), r('unknown')])).toBe('unknown');
    expect(verdictOf([])).toBe('unknown');
  });
});
