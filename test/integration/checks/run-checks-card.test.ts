import * as AdaptiveCards from 'adaptivecards';
import { type Activity, ActivityTypes, TestAdapter } from 'botbuilder';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { startArmSimulator, type ArmSimulator } from '../../../src/azure/simulator/server';
import { RunChecksVerb, registerRunChecksAction } from '../../../src/channels/teams/run-checks-action';
import { TeamsBot } from '../../../src/channels/teams/teams-bot';
import { createIdentifier } from '../../../src/core/identify';
import { TroubleshootService } from '../../../src/core/troubleshoot/troubleshoot-service';
import { Verbs } from '../../../src/core/views/card-actions';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { createLogger } from '../../../src/logger';
import { MemorySessionStore } from '../../../src/storage/memory-session-store';
import { checksScenario, subscriptionId } from './checks-scenario';

/**
 * "Run checks" on a troubleshooting card, through the real TeamsBot (botbuilder's TestAdapter)
 * and the real SDK gateway against the ARM simulator.
 */
const knowledge = loadKnowledgeBase();
let sim: ArmSimulator;
let counter = 0;

beforeAll(async () => {
  sim = await startArmSimulator({ scenario: checksScenario });
});
afterAll(async () => {
  await sim.close();
});

function setUp(): { bot: TeamsBot; troubleshoot: TroubleshootService } {
  const troubleshoot = new TroubleshootService({
    store: new MemorySessionStore(),
    knowledge,
    clock: { now: () => new Date() },
    ids: { next: () => `session${String(++counter).padStart(8, '0')}` },
    ttlMs: 24 * 3_600_000,
  });
  const bot = new TeamsBot({ knowledge, identifier: createIdentifier(knowledge), troubleshoot, logger: createLogger('silent') });
  const azure = new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, lroPollIntervalInMs: 10 });
  registerRunChecksAction(bot, { knowledge, troubleshoot, azure, allowReadOnlyRunCommand: () => true });
  return { bot, troubleshoot };
}

async function invoke(bot: TeamsBot, verb: string, data: unknown, replyToId: string): Promise<{ type: string; value: Record<string, unknown> }> {
  const adapter = new TestAdapter(async (context) => {
    await bot.run(context);
  });
  const activity: Partial<Activity> = {
    type: ActivityTypes.Invoke,
    name: 'adaptiveCard/action',
    replyToId,
    conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' },
    from: { id: 'user-1', name: 'Megan', aadObjectId: 'aad-1' },
    value: { action: { type: 'Action.Execute', verb, data } },
  };
  await adapter.processActivity(activity);
  const reply = adapter.activeQueue.find((a) => a.type === 'invokeResponse');
  const body = (reply?.value as { body?: { type: string; value: Record<string, unknown> } } | undefined)?.body;
  if (body === undefined) throw new Error('no invoke response');
  return body;
}

function texts(card: unknown): string {
  return JSON.stringify(card);
}

function actions(card: Record<string, unknown>): { title: string; verb: string; data: Record<string, unknown> }[] {
  return (card['actions'] as { title: string; verb: string; data: Record<string, unknown> }[] | undefined) ?? [];
}

function executeVerbs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(executeVerbs);
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = record['type'] === 'Action.Execute' && typeof record['verb'] === 'string' ? [record['verb']] : [];
  return [...own, ...Object.values(record).flatMap(executeVerbs)];
}

describe('Run checks on the troubleshooting card', () => {
  it('offers the button only when the session names a VM', async () => {
    const { bot, troubleshoot } = setUp();
    const withVm = await troubleshoot.start({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en', conversationId: 'conv-1', createdBy: 'aad-1', target: { vm: 'vm-agent01' } });
    const without = await troubleshoot.start({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en', conversationId: 'conv-1', createdBy: 'aad-1' });
    // Cause-specific buttons sit in an ActionSet under the cause, so look through the whole card.
    expect(executeVerbs(bot.renderSessionCard(withVm))).toContain(RunChecksVerb);
    expect(executeVerbs(bot.renderSessionCard(without))).not.toContain(RunChecksVerb);
  });

  it('shows every cause in order with its verdict and evidence, and "Go to likely cause" steps the session there', async () => {
    const { bot, troubleshoot } = setUp();
    // Only the VM name is known (as from an incident): the subscription and group are found through the vault.
    let session = await troubleshoot.start({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en', conversationId: 'conv-1', createdBy: 'aad-1', target: { vm: 'vm-agent01', vault: 'rsv-prod' } });
    session = await troubleshoot.attachActivity(session, 'activity-1');
    const answer = await invoke(bot, RunChecksVerb, { v: 1, sessionId: session.id }, 'activity-1');
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    const card = answer.value;
    const text = texts(card);
    expect(text).toContain('Check results: vm-agent01');
    expect(text).toContain('1. ✅ ');
    expect(text).toContain('2. ⚠️ ');
    expect(text).toContain('The Windows guest agent 2.7.41491.1083 is not ready: Not Ready');
    expect(text).not.toContain('${');
    expect(Buffer.byteLength(text)).toBeLessThan(28 * 1024);
    const parsed = new AdaptiveCards.AdaptiveCard();
    const context = new AdaptiveCards.SerializationContext();
    parsed.parse(card, context);
    expect(context.eventCount).toBe(0);
    expect(parsed.validateProperties().validationEvents).toEqual([]);
    expect(parsed.getActionCount()).toBe(3);

    const goTo = actions(card).find((a) => a.title === 'Go to likely cause (2)');
    expect(goTo?.verb).toBe(Verbs.goTo);
    expect(goTo?.data).toEqual({ v: 1, sessionId: session.id, index: 1 });
    expect(actions(card).map((a) => a.title)).toEqual(['Go to likely cause (2)', 'Back to cause 1', 'Run checks again']);

    const stepped = await invoke(bot, Verbs.goTo, goTo?.data, 'activity-1');
    expect(texts(stepped.value)).toContain('Cause 2 of');
  });

  it('answers in Polish for a Polish session', async () => {
    const { bot, troubleshoot } = setUp();
    const session = await troubleshoot.start({
      codeId: 'UserErrorRpCollectionLimitReached',
      language: 'pl',
      conversationId: 'conv-1',
      createdBy: 'aad-1',
      target: { vm: 'vm-locked01', subscriptionId, resourceGroup: 'rg-linux' },
    });
    const answer = await invoke(bot, RunChecksVerb, { v: 1, sessionId: session.id }, 'activity-2');
    const text = texts(answer.value);
    expect(text).toContain('Wyniki sprawdzeń: vm-locked01');
    expect(text).toContain('Prawdopodobna');
    expect(text).toContain('18 z 18 punktów przywracania');
    expect(text).toContain('Przejdź do prawdopodobnej przyczyny (1)');
  });

  it('refuses a session from another conversation', async () => {
    const { bot, troubleshoot } = setUp();
    const session = await troubleshoot.start({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en', conversationId: 'other-conv', createdBy: 'aad-1', target: { vm: 'vm-agent01' } });
    const answer = await invoke(bot, RunChecksVerb, { v: 1, sessionId: session.id }, 'activity-3');
    expect(texts(answer.value)).not.toContain('Check results');
  });

  it('posts a notice instead of checking when the VM cannot be found', async () => {
    const { bot, troubleshoot } = setUp();
    const session = await troubleshoot.start({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en', conversationId: 'conv-1', createdBy: 'aad-1', target: { vm: 'vm-nowhere' } });
    const answer = await invoke(bot, RunChecksVerb, { v: 1, sessionId: session.id }, 'activity-4');
    // Posted as a reply (the troubleshooting card stays): the invoke answers with a message.
    expect(answer.type).toBe('application/vnd.microsoft.activity.message');
  });
});
