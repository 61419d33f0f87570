import * as AdaptiveCards from 'adaptivecards';
import { type Activity, ActivityTypes, TestAdapter } from 'botbuilder';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { startArmSimulator, type ArmSimulator } from '../../../dev/arm-simulator/server';
import { registerRunChecksAction } from '../../../src/channels/teams/run-checks-action';
import { RunChecksFlow, RunChecksVerb } from '../../../src/features/checks/run-checks-flow';
import { TeamsBot } from '../../../src/channels/teams/teams-bot';
import { createIdentifier } from '../../../src/core/identify';
import { TroubleshootService } from '../../../src/core/troubleshoot/troubleshoot-service';
import { Verbs } from '../../../src/core/views/card-actions';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { cardText } from '../../helpers/connector-stub';
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
let pressCounter = 0;

beforeAll(async () => {
  sim = await startArmSimulator({ scenario: checksScenario });
});
afterAll(async () => {
  await sim.close();
});

function setUp(allowReadOnlyRunCommand: (actor: { aadObjectId?: string }) => boolean = () => true): { bot: TeamsBot; troubleshoot: TroubleshootService } {
  const troubleshoot = new TroubleshootService({
    store: new MemorySessionStore(),
    knowledge,
    clock: { now: () => new Date() },
    ids: { next: () => `session${String(++counter).padStart(8, '0')}` },
    ttlMs: 24 * 3_600_000,
  });
  const bot = new TeamsBot({ knowledge, identifier: createIdentifier(knowledge), troubleshoot, logger: createLogger('silent') });
  const azure = new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, lroPollIntervalInMs: 10 });
  registerRunChecksAction(bot, new RunChecksFlow({ knowledge, troubleshoot, azure, allowReadOnlyRunCommand }));
  return { bot, troubleshoot };
}

async function invoke(bot: TeamsBot, verb: string, data: unknown, replyToId: string, from = { id: 'user-1', name: 'Megan', aadObjectId: 'aad-1' }): Promise<{ type: string; value: Record<string, unknown> }> {
  const adapter = new TestAdapter(async (context) => {
    await bot.run(context);
  });
  const activity: Partial<Activity> = {
    // Every press is its own activity (Teams gives each its id): a repeated id is a redelivery.
    id: `press-${++pressCounter}`,
    type: ActivityTypes.Invoke,
    name: 'adaptiveCard/action',
    replyToId,
    conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' },
    from,
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

/** Every Action.Execute anywhere in the card (body action sets and show-cards included). */
function executeActions(node: unknown): { title: string; verb: string; data: Record<string, unknown> }[] {
  if (Array.isArray(node)) return node.flatMap(executeActions);
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = record['type'] === 'Action.Execute' ? [{ title: String(record['title']), verb: String(record['verb']), data: record['data'] as Record<string, unknown> }] : [];
  return [...own, ...Object.entries(record).flatMap(([key, value]) => (key === 'fallback' ? [] : executeActions(value)))];
}

function executeTitles(card: unknown): string[] {
  return executeActions(card).map((a) => a.title);
}

function choiceSet(node: unknown): { id: string; choices: { title: string; value: string }[] } {
  const found: { id: string; choices: { title: string; value: string }[] }[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n !== null && typeof n === 'object') {
      const r = n as Record<string, unknown>;
      if (r['type'] === 'Input.ChoiceSet') found.push(r as unknown as { id: string; choices: { title: string; value: string }[] });
      Object.values(r).forEach(walk);
    }
  };
  walk(node);
  if (found.length !== 1) throw new Error(`expected one choice set, found ${found.length}`);
  return found[0] as { id: string; choices: { title: string; value: string }[] };
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

  it('marks every cause in order with its verdict on the same troubleshooting card, keeps the current cause, and "Go to likely cause" steps there', async () => {
    const { bot, troubleshoot } = setUp();
    // Only the VM name is known (as from an incident): the subscription and group are found through the vault.
    let session = await troubleshoot.start({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en', conversationId: 'conv-1', createdBy: 'aad-1', target: { vm: 'vm-agent01', vault: 'rsv-prod' } });
    session = await troubleshoot.attachActivity(session, 'activity-1');
    const answer = await invoke(bot, RunChecksVerb, { v: 1, sessionId: session.id }, 'activity-1');
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    const card = answer.value;
    const text = cardText(card);
    // The troubleshooting card itself, still at cause 1.
    expect(text).toContain('Cause 1 of 6');
    expect(text).toContain('Check results: vm-agent01');
    expect(text).toMatch(/\n1\. ✅ [^\n]+: Ruled out ◀ current\n/);
    expect(text).toMatch(/\n2\. ⚠️ [^\n]+: Likely\n/);
    expect(text).toContain('2 likely, 3 ruled out, 1 unknown.');
    expect(text).toContain('What Azure shows for this cause');
    expect(text).toContain('✅ Ruled out: ');
    expect(text).not.toContain('${');
    expect(Buffer.byteLength(texts(card))).toBeLessThan(28 * 1024);
    const parsed = new AdaptiveCards.AdaptiveCard();
    const context = new AdaptiveCards.SerializationContext();
    parsed.parse(card, context);
    expect(context.eventCount).toBe(0);
    expect(parsed.validateProperties().validationEvents).toEqual([]);
    // Previous/Next/Fixed/Still failing stay the card's own actions; the rest sit in the body.
    expect(actions(card).map((a) => a.title)).toEqual(['Next', 'This fixed it', 'Still failing']);
    expect(executeTitles(card)).toEqual(expect.arrayContaining(['Run checks again', 'Go to likely cause (2)', 'Open']));

    const stored = await troubleshoot.load(session.id);
    expect(stored.kind === 'ok' && stored.session.cursor).toBe(0);
    expect(stored.kind === 'ok' && stored.session.checks?.causes['windows-agent-unresponsive']).toMatchObject({ verdict: 'likely', evidence: { en: expect.stringContaining('The Windows guest agent 2.7.41491.1083 is not ready: Not Ready') } });

    const goTo = executeActions(card).find((a) => a.title === 'Go to likely cause (2)');
    expect(goTo?.verb).toBe(Verbs.goTo);
    expect(goTo?.data).toEqual({ v: 1, sessionId: session.id, index: 1 });
    const stepped = await invoke(bot, Verbs.goTo, goTo?.data, 'activity-1');
    const at = cardText(stepped.value);
    expect(at).toContain('Cause 2 of');
    expect(at).toContain('⚠️ Likely: The Windows guest agent 2.7.41491.1083 is not ready: Not Ready');
    // The verdicts stay on the card after a step.
    expect(at).toMatch(/\n2\. ⚠️ [^\n]+: Likely ◀ current\n/);
  });

  it('"Go to a cause…" opens the cause chosen in its drop-down (the client merges the choice into the data as a string)', async () => {
    const { bot, troubleshoot } = setUp();
    const session = await troubleshoot.attachActivity(
      await troubleshoot.start({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en', conversationId: 'conv-1', createdBy: 'aad-1' }),
      'activity-5',
    );
    const card = bot.renderSessionCard(session);
    const open = executeActions(card).find((a) => a.title === 'Open');
    expect(open?.data).toEqual({ v: 1, sessionId: session.id });
    const choices = choiceSet(card);
    expect(choices.id).toBe('index');
    expect(choices.choices.map((c) => c.value)).toEqual(['0', '1', '2', '3', '4', '5']);
    const jumped = await invoke(bot, Verbs.goTo, { ...open?.data, index: '4' }, 'activity-5');
    expect(cardText(jumped.value)).toContain('Cause 5 of 6');
    // An index the session does not have is refused, not clamped.
    const refused = await invoke(bot, Verbs.goTo, { ...open?.data, index: '9' }, 'activity-5');
    expect(cardText(refused.value)).toContain('This button is no longer valid');
  });

  it('presses made while checks run share that run: the guest run command and every ARM read happen once', async () => {
    const { bot, troubleshoot } = setUp();
    const session = await troubleshoot.attachActivity(
      // The Linux agent's configuration is read inside the guest: a run command.
      await troubleshoot.start({ codeId: 'GuestAgentSnapshotTaskStatusError', language: 'en', conversationId: 'conv-1', createdBy: 'aad-1', target: { vm: 'vm-conf01', subscriptionId, resourceGroup: 'rg-prod' } }),
      'activity-7',
    );
    const runCommands = (): number => sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/runCommand')).length;
    const before = { runCommands: runCommands(), requests: sim.requests.length };
    await invoke(bot, RunChecksVerb, { v: 1, sessionId: session.id }, 'activity-7');
    const oneRun = { runCommands: runCommands() - before.runCommands, requests: sim.requests.length - before.requests };
    expect(oneRun.runCommands).toBe(1);

    const start = { runCommands: runCommands(), requests: sim.requests.length };
    const answers = await Promise.all(Array.from({ length: 10 }, () => invoke(bot, RunChecksVerb, { v: 1, sessionId: session.id }, 'activity-7')));
    for (const answer of answers) expect(cardText(answer.value)).toContain('Check results: vm-conf01');
    expect(runCommands() - start.runCommands).toBe(1);
    expect(sim.requests.length - start.requests).toBe(oneRun.requests);
  });

  it('a press while another person’s run is in flight gets a run under the presser’s own permission: a guest reading is never withheld (or given) by whoever pressed first', async () => {
    const { bot, troubleshoot } = setUp((actor) => actor.aadObjectId === 'aad-1');
    const session = await troubleshoot.attachActivity(
      await troubleshoot.start({ codeId: 'GuestAgentSnapshotTaskStatusError', language: 'en', conversationId: 'conv-1', createdBy: 'aad-1', target: { vm: 'vm-conf01', subscriptionId, resourceGroup: 'rg-prod' } }),
      'activity-8',
    );
    const runCommands = (): number => sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/runCommand')).length;
    const before = { runCommands: runCommands(), requests: sim.requests.length };
    // Eve may not read the guest; she presses first. Megan, who may, presses while Eve's run asks Azure.
    const eves = invoke(bot, RunChecksVerb, { v: 1, sessionId: session.id }, 'activity-8', { id: 'user-2', name: 'Eve', aadObjectId: 'aad-2' });
    while (sim.requests.length === before.requests) await new Promise((resolve) => setTimeout(resolve, 1));
    const megans = invoke(bot, RunChecksVerb, { v: 1, sessionId: session.id }, 'activity-8');
    const [eve, megan] = await Promise.all([eves, megans]);
    expect(cardText(eve.value)).toMatch(/5\. ❔ VM agent configuration options are not set \(Linux VMs\): Unknown/);
    expect(cardText(megan.value)).toMatch(/5\. ⚠️ VM agent configuration options are not set \(Linux VMs\): Likely/);
    expect(runCommands() - before.runCommands).toBe(1);
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
    expect(text).toContain('Przyczyna 1 z 2');
    expect(text).toContain('Prawdopodobna');
    expect(text).toContain('18 z 18 punktów przywracania');
    expect(text).toContain('Przejdź do prawdopodobnej przyczyny (1)');
    expect(text).toContain('Sprawdź ponownie');
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
