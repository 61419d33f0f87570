import { type Activity, ActivityTypes, TestAdapter } from 'botbuilder';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { startArmSimulator, type ArmSimulator } from '../../../dev/arm-simulator/server';
import type { ScenarioInput } from '../../../dev/arm-simulator/scenario';
import { registerRunChecksAction } from '../../../src/channels/teams/run-checks-action';
import { RunChecksFlow, RunChecksVerb } from '../../../src/features/checks/run-checks-flow';
import { TeamsBot } from '../../../src/channels/teams/teams-bot';
import { withDeadline } from '../../../src/core/azure-lookup/azure-deadline';
import { createIdentifier } from '../../../src/core/identify';
import { resolveFixTarget } from '../../../src/core/remediation/target-resolution';
import { TroubleshootService } from '../../../src/core/troubleshoot/troubleshoot-service';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { createLogger } from '../../../src/logger';
import { MemorySessionStore } from '../../../src/storage/memory-session-store';
import { cardText } from '../../helpers/connector-stub';
import { checksScenario, subscriptionId } from './checks-scenario';

/**
 * "Run checks" and a fix find the VM the same way (one lookup), refuse to guess between two VMs
 * of the same name, and answer within the Teams invoke budget when Azure is slow. Real TeamsBot,
 * real SDK gateway against the ARM simulator.
 */

/** The checks scenario plus a second vm-agent01 in another resource group, protected by the same vault. */
function withTwin(): ScenarioInput {
  const scenario = structuredClone(checksScenario) as ScenarioInput & { subscriptions: { resourceGroups: Record<string, unknown>[] }[] };
  const groups = scenario.subscriptions[0]?.resourceGroups as { name: string; location: string; virtualMachines?: unknown[]; vaults?: { protectedItems: { vm: string; vmResourceGroup?: string }[] }[] }[];
  groups.push({ name: 'rg-twin', location: 'westeurope', virtualMachines: [{ name: 'vm-agent01', osType: 'Windows', location: 'westeurope' }] });
  for (const group of groups) {
    for (const vault of group.vaults ?? []) {
      vault.protectedItems = vault.protectedItems.map((item) => (item.vm === 'vm-agent01' ? { ...item, vmResourceGroup: 'rg-prod' } : item));
      vault.protectedItems.push({ vm: 'vm-agent01', vmResourceGroup: 'rg-twin' });
    }
  }
  return scenario;
}

const knowledge = loadKnowledgeBase();
let sim: ArmSimulator;
let gateway: SdkAzureGateway;
let counter = 0;

beforeAll(async () => {
  sim = await startArmSimulator({ scenario: withTwin() });
  // Retries honour Retry-After, as in production: a throttled Azure is a slow Azure.
  gateway = new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 }, lroPollIntervalInMs: 10 });
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => sim.faults.clear());

function setUp(turnBudgetMs?: number): { bot: TeamsBot; troubleshoot: TroubleshootService; now: Date } {
  const now = new Date('2026-03-10T12:00:00Z');
  const clock = { now: () => now };
  const troubleshoot = new TroubleshootService({
    store: new MemorySessionStore(),
    knowledge,
    clock,
    ids: { next: () => `lookup${String(++counter).padStart(8, '0')}` },
    ttlMs: 24 * 3_600_000,
  });
  const bot = new TeamsBot({ knowledge, identifier: createIdentifier(knowledge), troubleshoot, logger: createLogger('silent') });
  registerRunChecksAction(bot, new RunChecksFlow({ knowledge, troubleshoot, azure: gateway, clock, allowReadOnlyRunCommand: () => true, ...(turnBudgetMs === undefined ? {} : { turnBudgetMs }) }));
  return { bot, troubleshoot, now };
}

async function invoke(bot: TeamsBot, data: unknown): Promise<Record<string, unknown>> {
  const adapter = new TestAdapter(async (context) => {
    await bot.run(context);
  });
  const activity: Partial<Activity> = {
    type: ActivityTypes.Invoke,
    name: 'adaptiveCard/action',
    replyToId: 'activity-1',
    conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' },
    from: { id: 'user-1', name: 'Megan', aadObjectId: 'aad-1' },
    value: { action: { type: 'Action.Execute', verb: RunChecksVerb, data } },
  };
  await adapter.processActivity(activity);
  const reply = adapter.activeQueue.find((a) => a.type === 'invokeResponse');
  const body = (reply?.value as { body?: { value: Record<string, unknown> | string } } | undefined)?.body;
  if (body === undefined) throw new Error('no invoke response');
  if (typeof body.value === 'object') return body.value;
  // A notice is posted as a reply under the card, which stays as it was.
  const posted = adapter.activeQueue.find((a) => a.type === ActivityTypes.Message && (a.attachments?.length ?? 0) > 0);
  return posted?.attachments?.[0]?.content as Record<string, unknown>;
}

const code = 'UserErrorGuestAgentStatusUnavailable';

describe('one VM lookup for the checks and the fixes', () => {
  it('two VMs of the same name: Run checks asks which one instead of checking the first, and a fix refuses the same way', async () => {
    const { bot, troubleshoot } = setUp();
    const session = await troubleshoot.start({ codeId: code, language: 'en', conversationId: 'conv-1', createdBy: 'aad-1', target: { vm: 'vm-agent01' } });
    const text = cardText(await invoke(bot, { v: 1, sessionId: session.id }));
    expect(text).toContain('Which VM?');
    expect(text).toContain('2 VMs are named vm-agent01');
    expect(text).toContain(`${subscriptionId}/rg-prod`);
    expect(text).toContain(`${subscriptionId}/rg-twin`);
    const stored = await troubleshoot.load(session.id);
    expect(stored.kind === 'ok' && stored.session.checks).toBeUndefined();

    expect(await resolveFixTarget(gateway, session.target)).toMatchObject({ ok: false, reason: 'ambiguous' });
  });

  it('in Polish too', async () => {
    const { bot, troubleshoot } = setUp();
    const session = await troubleshoot.start({ codeId: code, language: 'pl', conversationId: 'conv-1', createdBy: 'aad-1', target: { vm: 'vm-agent01' } });
    const text = cardText(await invoke(bot, { v: 1, sessionId: session.id }));
    expect(text).toContain('Która maszyna?');
    expect(text).toContain('Maszyn o nazwie vm-agent01 jest 2');
  });

  it('with the resource group known, both pick the same VM, and the checks record the app clock as checkedAt', async () => {
    const { bot, troubleshoot, now } = setUp();
    const target = { vm: 'vm-agent01', subscriptionId, resourceGroup: 'rg-prod' };
    const session = await troubleshoot.start({ codeId: code, language: 'en', conversationId: 'conv-1', createdBy: 'aad-1', target });
    const text = cardText(await invoke(bot, { v: 1, sessionId: session.id }));
    expect(text).toContain('Check results: vm-agent01');
    const stored = await troubleshoot.load(session.id);
    expect(stored.kind === 'ok' && new Date(stored.session.checks?.checkedAt ?? 0).toISOString()).toBe(now.toISOString());
    expect(await resolveFixTarget(gateway, target)).toEqual({
      ok: true,
      target: { vm: { subscriptionId, resourceGroup: 'rg-prod', name: 'vm-agent01' }, vault: { subscriptionId, resourceGroup: 'rg-backup', name: 'rsv-prod' } },
    });
  });
});

describe('a slow Azure never holds the Teams invoke', () => {
  it('finding the VM: "Azure did not answer in time" within the turn budget, for the checks and for a fix', async () => {
    const { bot, troubleshoot } = setUp(1_000);
    const session = await troubleshoot.start({ codeId: code, language: 'en', conversationId: 'conv-1', createdBy: 'aad-1', target: { vm: 'vm-healthy01' } });
    sim.faults.throttle('/backupProtectedItems', { retryAfterSeconds: 30 });
    const started = Date.now();
    const text = cardText(await invoke(bot, { v: 1, sessionId: session.id }));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(text).toContain('Azure did not answer in time');

    sim.faults.throttle('/backupProtectedItems', { retryAfterSeconds: 30 });
    const fixStarted = Date.now();
    const resolved = await withDeadline(1_000, (deadline) => resolveFixTarget(gateway, { vm: 'vm-healthy01' }, deadline));
    expect(Date.now() - fixStarted).toBeLessThan(3_000);
    expect(resolved).toMatchObject({ ok: false, reason: 'timeout' });
  });

  it('the checks themselves: the card still comes back within the budget, the slow checks saying Azure did not answer in time', async () => {
    const { bot, troubleshoot } = setUp(1_500);
    const session = await troubleshoot.start({ codeId: code, language: 'en', conversationId: 'conv-1', createdBy: 'aad-1', target: { vm: 'vm-healthy01', subscriptionId, resourceGroup: 'rg-prod' } });
    sim.faults.throttle(/\/virtualMachines\/vm-healthy01$/i, { retryAfterSeconds: 30, method: 'GET' });
    const started = Date.now();
    const text = cardText(await invoke(bot, { v: 1, sessionId: session.id }));
    expect(Date.now() - started).toBeLessThan(3_500);
    expect(text).toContain('Check results: vm-healthy01');
    // The per-check timer is capped at what is left of the turn, so the two say the same thing.
    expect(text).toMatch(/Unknown: Azure did not answer in (time|[0-9.]+ s)/);
  });
});
