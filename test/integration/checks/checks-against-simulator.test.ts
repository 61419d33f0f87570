import { join } from 'node:path';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { conditionHolds, defaultFailures } from '../../../dev/arm-simulator/backup-outcome';
import { startArmSimulator, type ArmSimulator } from '../../../dev/arm-simulator/server';
import { loadScenarioFile } from '../../../dev/arm-simulator/scenario';
import { runChecksForCode, type RunChecksOptions } from '../../../src/core/checks/run-checks';
import type { VaultRef } from '../../../src/core/azure-port';
import { systemClock } from '../../../src/core/ports';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { checksScenario, seededFailures, subscriptionId } from './checks-scenario';

/**
 * The live checks through the real SDK clients against the local ARM simulator: for every
 * seeded failing VM, the checks for its code must point to the cause that broke it.
 */
const knowledge = loadKnowledgeBase();
const options: RunChecksOptions = { allowReadOnlyRunCommand: true, timeoutInMs: 8000, clock: systemClock };
const vault: VaultRef = { subscriptionId, resourceGroup: 'rg-backup', name: 'rsv-prod' };

function gatewayFor(sim: ArmSimulator): SdkAzureGateway {
  return new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, lroPollIntervalInMs: 10 });
}

function vmRef(name: string): { subscriptionId: string; resourceGroup: string; name: string } {
  return { subscriptionId, resourceGroup: name === 'vm-locked01' ? 'rg-linux' : 'rg-prod', name };
}

describe('checks against the ARM simulator through the real SDK gateway', () => {
  let sim: ArmSimulator;
  let azure: SdkAzureGateway;

  beforeAll(async () => {
    sim = await startArmSimulator({ scenario: checksScenario });
    azure = gatewayFor(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it.each(seededFailures.map((f) => [f.vm, f.code, f] as const))('%s failing with %s points to its cause', async (_vm, code, failure) => {
    const report = await runChecksForCode(knowledge, code, { vm: vmRef(failure.vm), vault }, azure, options);
    const likely = report.firstLikelyCauseIndex === undefined ? undefined : report.causes[report.firstLikelyCauseIndex];
    expect(likely?.causeId).toBe(failure.expectedCause);
    const failing = likely?.results.filter((r) => r.status === 'fail') ?? [];
    expect(failing.map((r) => r.evidence.en).join('\n')).toContain(failure.evidence);
    // Every cause of the code is still there, in the documented order.
    expect(report.causes.map((c) => c.causeId)).toEqual(knowledge.orderedCauses(code).map((c) => c.id));
  });

  it('rules out every checkable cause of a healthy VM and leaves only what ARM cannot see unknown', async () => {
    const report = await runChecksForCode(knowledge, 'UserErrorGuestAgentStatusUnavailable', { vm: vmRef('vm-healthy01'), vault }, azure, options);
    expect(report.firstLikelyCauseIndex).toBeUndefined();
    const verdicts = Object.fromEntries(report.causes.map((c) => [c.causeId, c.verdict]));
    expect(verdicts).toEqual({
      'no-internet-access': 'ruled-out',
      'windows-agent-unresponsive': 'ruled-out',
      'linux-agent-out-of-date': 'ruled-out',
      'snapshot-status-unavailable': 'unknown',
      'backup-extension-fails-to-load': 'ruled-out',
      'vm-or-agent-not-ready': 'ruled-out',
    });
    expect(report.results.find((r) => r.checkId === 'guest-dhcp')?.manual?.en).toContain('DHCP');
  });

  it('reads /etc/waagent.conf only when read-only run commands are allowed', async () => {
    const before = sim.requests.filter((r) => r.path.toLowerCase().includes('/runcommand')).length;
    const report = await runChecksForCode(knowledge, 'GuestAgentSnapshotTaskStatusError', { vm: vmRef('vm-conf01') }, azure, { ...options, allowReadOnlyRunCommand: false });
    const config = report.results.find((r) => r.checkId === 'linux-agent-config');
    expect(config?.status).toBe('unknown');
    expect(config?.manual?.en).toContain('/etc/waagent.conf');
    expect(sim.requests.filter((r) => r.path.toLowerCase().includes('/runcommand')).length).toBe(before);
  });

  it('turns a missing role into unknown results that name it, without failing the run', async () => {
    const scope = `/subscriptions/${subscriptionId}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm-agent01`;
    sim.faults.deny(scope, ['Microsoft.Compute/virtualMachines/read']);
    try {
      const report = await runChecksForCode(knowledge, 'UserErrorGuestAgentStatusUnavailable', { vm: vmRef('vm-agent01') }, azure, options);
      const agent = report.results.find((r) => r.checkId === 'windows-agent-ready');
      expect(agent?.status).toBe('unknown');
      expect(agent?.evidence.en).toMatch(/^Azure refused access \(403\): .*Reader/);
      expect(agent?.evidence.pl).toContain('potrzebuje roli Reader');
      expect(report.firstLikelyCauseIndex).toBeUndefined();
    } finally {
      sim.faults.clear();
    }
  });

  it('reports throttling as unknown once the SDK gives up', async () => {
    sim.faults.throttle('/virtualMachines/vm-agent01', { method: 'GET', times: 5, retryAfterSeconds: 0 });
    try {
      const report = await runChecksForCode(knowledge, 'UserErrorGuestAgentStatusUnavailable', { vm: vmRef('vm-agent01') }, azure, options);
      expect(report.results.find((r) => r.checkId === 'windows-agent-ready')?.evidence.en).toContain('429');
    } finally {
      sim.faults.clear();
    }
  });

  it('reads the instance view once for all the checks that share it', async () => {
    const start = sim.requests.length;
    await runChecksForCode(knowledge, 'UserErrorGuestAgentStatusUnavailable', { vm: vmRef('vm-healthy01') }, azure, options);
    const vmReads = sim.requests.slice(start).filter((r) => r.method === 'GET' && /\/virtualMachines\/vm-healthy01$/i.test(r.path.split('?')[0] ?? ''));
    // One read with the instance view for nine checks, one more inside the effective-rules call (it needs the NIC ids).
    expect(vmReads.length).toBe(2);
  });
});

// The demo's scenario (scenarios/default.json): every VM with a failed job must be explained by its checks.
const defaultScenario = join(__dirname, '../../../scenarios/default.json');
/** The cause each simulator condition stands for (the condition is what makes the simulated backup fail). */
const causeForCondition: Record<string, (os: string) => string> = {
  vmStoppedInGuest: () => 'snapshot-status-unavailable',
  agentNotReady: (os) => (os === 'Windows' ? 'windows-agent-unresponsive' : 'linux-agent-out-of-date'),
  agentOutOfDate: () => 'linux-agent-out-of-date',
  agentConfigNotSet: () => 'linux-agent-config-not-set',
  outboundBlocked: () => 'no-internet-access',
  backupExtensionFailed: () => 'backup-extension-fails-to-load',
  restorePointLimitLocked: () => 'restore-point-rg-lock',
};

describe('checks on the demo scenario (scenarios/default.json)', () => {
  let sim: ArmSimulator;
  let azure: SdkAzureGateway;
  beforeAll(async () => {
    sim = await startArmSimulator({ scenario: defaultScenario });
    azure = gatewayFor(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('points every VM with a failed job to the cause the simulator is failing it for', async () => {
    const scenario = loadScenarioFile(defaultScenario);
    const failedJobCode = new Map<string, string>();
    for (const sub of scenario.subscriptions) {
      for (const rg of sub.resourceGroups) {
        for (const v of rg.vaults) {
          const jobs = v.jobs.filter((j) => j.status === 'Failed' && j.error?.code !== undefined).sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
          for (const job of jobs) failedJobCode.set(job.vm.toLowerCase(), job.error?.code ?? '');
        }
      }
    }
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const vm of sim.state.vms) {
      const code = failedJobCode.get(vm.name.toLowerCase());
      if (code === undefined) continue;
      const holding = defaultFailures.find((d) => conditionHolds(d.when, sim.state.outcomeContext(vm)));
      const cause = holding === undefined ? undefined : causeForCondition[holding.when]?.(vm.osType);
      if (cause === undefined) continue;
      const report = await runChecksForCode(knowledge, code, { vm: { subscriptionId: vm.subscriptionId, resourceGroup: vm.resourceGroup, name: vm.name } }, azure, options);
      const likely = report.firstLikelyCauseIndex === undefined ? 'none' : report.causes[report.firstLikelyCauseIndex]?.causeId;
      outcomes.push(`${vm.name} ${code} -> ${likely}`);
      expected.push(`${vm.name} ${code} -> ${cause}`);
    }
    expect(outcomes).toEqual(expected);
    // One failing VM per seed code at least: the demo must exercise every seed cause the checks can see.
    expect(outcomes.length).toBeGreaterThanOrEqual(6);
  });
});
