import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { startArmSimulator, type ArmSimulator } from '../../../dev/arm-simulator/server';
import type { Actor } from '../../../src/core/remediation/actor';
import type { FixRequest } from '../../../src/core/remediation/fix-request';
import { findProtectedVm } from '../../../src/core/remediation/preconditions';
import { resolveFixTarget } from '../../../src/core/remediation/target-resolution';
import type { TroubleshootSession } from '../../../src/core/troubleshoot/session';
import type { SweepTimers } from '../../../src/remediation/fix-sweeper';
import { SqliteFixRequestStore } from '../../../src/storage/sqlite-fix-request-store';
import { executeInvoke } from '../../helpers/activities';
import { cardOf, cardText, ConnectorStub } from '../../helpers/connector-stub';
import { startTestBot, tempStateFile, type TestBot } from '../../helpers/test-app';
import { ManualClock } from '../../unit/remediation/fixtures';
import { alexAad, meganAad, remediationScenario, remediationGateway, loadedRemediationPolicy } from './remediation-scenario';

const alex = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: alexAad };
const megan = { id: 'user-id-1', name: 'Megan Bowen', aadObjectId: meganAad };
const meganActor: Actor = { channel: 'msteams', userId: megan.id, aadObjectId: meganAad, displayName: megan.name };
const CONV = '19:ops@thread.tacv2';
const OTHER_CONV = '19:elsewhere@thread.tacv2';

/** The sweep's timer and the heartbeats, fired by hand. */
class ManualTimers implements SweepTimers {
  private readonly live = new Map<number, () => void>();
  private next = 0;
  setInterval(fn: () => void, _ms: number): unknown {
    this.next += 1;
    this.live.set(this.next, fn);
    return this.next;
  }
  clearInterval(handle: unknown): void {
    this.live.delete(handle as number);
  }
  fire(): void {
    for (const fn of [...this.live.values()]) fn();
  }
  get count(): number {
    return this.live.size;
  }
}

interface InvokeBody {
  statusCode: number;
  type: string;
  value: unknown;
}

describe('fix expiry and crash recovery through the real app (SQLite file, CloudAdapter, ARM simulator)', () => {
  let sim: ArmSimulator;
  let connector: ConnectorStub;
  let serviceUrl: string;
  let stateFile: string;
  let cleanup: () => void;
  let gateway: SdkAzureGateway;
  const clock = new ManualClock(new Date());
  const bots: TestBot[] = [];

  beforeEach(async () => {
    sim = await startArmSimulator({ scenario: remediationScenario });
    connector = new ConnectorStub();
    serviceUrl = await connector.start();
    const state = tempStateFile();
    stateFile = state.file;
    cleanup = state.cleanup;
    gateway = remediationGateway(sim);
  });

  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop();
    await connector.stop();
    await sim.close();
    cleanup();
  });

  /** One bot instance on the shared SQLite file. */
  async function instance(instanceId: string, timers = new ManualTimers()): Promise<{ bot: TestBot; timers: ManualTimers }> {
    const bot = await startTestBot(
      stateFile,
      { FIX_VERIFY_POLL_SECONDS: '0.01' },
      {
        clock,
        alerts: { startWorkers: false },
        remediation: {
          azure: gateway,
          policy: loadedRemediationPolicy(),
          sleep: async () => undefined,
          timers,
          instanceId,
          liveness: { heartbeatMs: 20_000, staleAfterMs: 90_000, resumeGraceMs: 30_000 },
        },
      },
    );
    bots.push(bot);
    return { bot, timers };
  }

  const moduleOf = (bot: TestBot) => {
    const r = bot.app.remediation;
    if (!r) throw new Error('remediation module not wired');
    return r;
  };

  async function stop(bot: TestBot): Promise<void> {
    bots.splice(bots.indexOf(bot), 1);
    await bot.stop();
  }

  async function sessionFor(bot: TestBot, vm: string, codeId: string, cursor: number, conversationId = CONV): Promise<TroubleshootSession> {
    let session = await bot.app.troubleshoot.start({ codeId, language: 'en', conversationId, createdBy: alexAad, target: { vm } });
    session = await bot.app.troubleshoot.attachActivity(session, 'msg-session');
    for (let i = 0; i < cursor; i++) {
      const stepped = await bot.app.troubleshoot.step(session.id, { kind: 'next' });
      if (stepped.kind === 'ok') session = stepped.session;
    }
    return session;
  }

  async function press(bot: TestBot, verb: string, data: Record<string, unknown>, from: typeof alex, replyToId: string, conversationId = CONV): Promise<InvokeBody> {
    const res = await bot.post(executeInvoke(verb, data, replyToId, { serviceUrl, from, conversationId, conversationType: 'channel' }));
    expect(res.status).toBe(200);
    return res.body as InvokeBody;
  }

  /** The Windows agent cause's fix requested on the card: returns the request and its card's message id. */
  async function requestOnCard(bot: TestBot, fixId = 'restart-windows-agent', vm = 'win-agent', conversationId = CONV): Promise<{ request: FixRequest; messageId: string }> {
    const session = await sessionFor(bot, vm, 'UserErrorGuestAgentStatusUnavailable', 1, conversationId);
    connector.clear();
    await press(bot, 'fix.plan', { v: 1, sessionId: session.id, fixId }, alex, 'msg-session', conversationId);
    const messageId = connector.calls.find((c) => c.kind === 'send' || c.kind === 'reply')?.createdId ?? '';
    const body = await press(bot, 'fix.request', { v: 1, sessionId: session.id, fixId }, alex, messageId, conversationId);
    const requestId = (body.value as { actions?: { verb: string; data: { requestId?: string } }[] }).actions?.find((a) => a.verb === 'fix.approve')?.data.requestId ?? '';
    const request = await moduleOf(bot).service.get(requestId);
    if (!request) throw new Error('no request');
    return { request, messageId };
  }

  const runCommands = () => sim.requests.filter((r) => r.method === 'POST' && /runCommand$/i.test(r.path)).length;
  const backupsTriggered = () => sim.requests.filter((r) => r.method === 'POST' && /backup$/i.test(r.path)).length;
  const cardUpdates = (messageId: string) => connector.calls.filter((c) => c.kind === 'update' && c.activityId === messageId).map((c) => cardText(cardOf(c)));
  const auditActions = async (bot: TestBot, requestId: string) => (await moduleOf(bot).audit.list({ limit: 500 })).filter((e) => e.requestId === requestId).map((e) => e.action).reverse();

  it('expires a request on the timer, audits it once and updates its card in place; the timer stops with the app', async () => {
    const { bot, timers } = await instance('a');
    const { request, messageId } = await requestOnCard(bot);
    expect(timers.count).toBe(1);
    timers.fire();
    await moduleOf(bot).sweeper.sweep();
    expect((await moduleOf(bot).service.get(request.id))?.state).toBe('requested');

    clock.advance(31 * 60_000);
    connector.clear();
    timers.fire();
    await moduleOf(bot).sweeper.sweep();
    expect((await moduleOf(bot).service.get(request.id))?.state).toBe('expired');
    const updates = cardUpdates(messageId);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toContain('Expired without approval: request the fix again');
    // No Approve / Reject and no refresh left on the expired card.
    const updated = cardOf(connector.calls.find((c) => c.kind === 'update')) as { actions?: unknown[]; refresh?: unknown };
    expect(updated.actions ?? []).toEqual([]);
    expect(updated.refresh).toBeUndefined();
    timers.fire();
    await moduleOf(bot).sweeper.sweep();
    expect((await auditActions(bot, request.id)).filter((a) => a === 'fix.expired')).toHaveLength(1);

    await stop(bot);
    expect(timers.count).toBe(0);
  });

  it('after a restart, runs a fix that was approved but never started exactly once, and updates its card to "fixed"', async () => {
    const first = await instance('before-restart');
    const { request, messageId } = await requestOnCard(first.bot);
    // Approved, then the process died before the execution started.
    expect((await moduleOf(first.bot).service.approve(request.id, meganActor)).ok).toBe(true);
    await stop(first.bot);
    expect(runCommands()).toBe(0);

    clock.advance(31_000);
    connector.clear();
    const second = await instance('after-restart');
    await moduleOf(second.bot).sweeper.sweep();
    await moduleOf(second.bot).actions.idle();
    expect(runCommands()).toBe(1);
    expect(sim.state.vms.find((v) => v.name === 'win-agent')?.agent.status).toBe('Ready');
    expect((await moduleOf(second.bot).service.get(request.id))?.state).toBe('verified-fixed');
    expect(cardUpdates(messageId).at(-1)).toContain('Fixed: the backup succeeded.');
    const trail = await auditActions(second.bot, request.id);
    expect(trail).toEqual(['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.verified-fixed']);

    // Later sweeps find nothing more to do.
    second.timers.fire();
    await moduleOf(second.bot).sweeper.sweep();
    await moduleOf(second.bot).actions.idle();
    expect(runCommands()).toBe(1);
  });

  it('two instances on one SQLite file sweeping the same approved request run it once', async () => {
    const a = await instance('a');
    const b = await instance('b');
    const { request } = await requestOnCard(a.bot);
    expect((await moduleOf(a.bot).service.approve(request.id, meganActor)).ok).toBe(true);
    clock.advance(31_000);
    a.timers.fire();
    b.timers.fire();
    await Promise.all([moduleOf(a.bot).sweeper.sweep(), moduleOf(b.bot).sweeper.sweep()]);
    await Promise.all([moduleOf(a.bot).actions.idle(), moduleOf(b.bot).actions.idle()]);
    expect(runCommands()).toBe(1);
    expect((await auditActions(a.bot, request.id)).filter((x) => x === 'fix.execution-started')).toHaveLength(1);
    expect((await moduleOf(b.bot).service.get(request.id))?.state).toBe('verified-fixed');
  });

  it('after a restart, marks a fix that was running as interrupted (never re-run), audits it and says on the card what to check', async () => {
    const first = await instance('crashed');
    const { request, messageId } = await requestOnCard(first.bot);
    await moduleOf(first.bot).service.approve(request.id, meganActor);
    // The process died inside the Azure call: the request is left executing, its heartbeat stops.
    const store = new SqliteFixRequestStore(first.bot.app.db);
    const approved = await store.get(request.id);
    if (!approved) throw new Error('missing');
    expect(await store.compareAndSwap({ ...approved, state: 'executing', executedAt: clock.now().toISOString(), runner: { instanceId: 'crashed', heartbeatAt: clock.now().toISOString() } }, approved.version)).toBeDefined();
    await stop(first.bot);

    connector.clear();
    const second = await instance('after-restart');
    await moduleOf(second.bot).sweeper.sweep();
    // Within the heartbeat's grace it may still be alive elsewhere: left alone.
    expect((await moduleOf(second.bot).service.get(request.id))?.state).toBe('executing');

    clock.advance(91_000);
    second.timers.fire();
    await moduleOf(second.bot).sweeper.sweep();
    await moduleOf(second.bot).actions.idle();
    const after = await moduleOf(second.bot).service.get(request.id);
    expect(after).toMatchObject({ state: 'failed', execution: { errorCode: 'interrupted' } });
    expect(runCommands()).toBe(0);
    const text = cardUpdates(messageId).at(-1) ?? '';
    expect(text).toContain('Interrupted by a restart');
    expect(text).toContain('Check win-agent');
    expect(text).toContain('request the fix again');
    const entry = (await moduleOf(second.bot).audit.list({ vm: 'win-agent' })).find((e) => e.action === 'fix.interrupted');
    expect(entry).toMatchObject({ outcome: 'failed', reason: 'interrupted', requestId: request.id });
    // A press on the old card cannot start it again.
    const replay = await press(second.bot, 'fix.approve', { v: 1, requestId: request.id }, megan, messageId);
    expect(cardText(replay.value)).toContain('already been decided');
    expect(runCommands()).toBe(0);
  });

  it('after a restart, follows the verification backup job again instead of starting another one', async () => {
    const first = await instance('crashed');
    const { request, messageId } = await requestOnCard(first.bot);
    await moduleOf(first.bot).service.approve(request.id, meganActor);
    // The fix ran, the verification backup started and its job id was recorded; then the process died.
    const vm = sim.state.vms.find((v) => v.name === 'win-agent');
    if (vm) vm.agent.status = 'Ready';
    const target = await resolveFixTarget(gateway, { vm: 'win-agent' });
    if (!target.ok) throw new Error('target');
    const item = await findProtectedVm(gateway, target.target);
    if (!item) throw new Error('not protected');
    const { jobId } = await gateway.triggerBackup(item);
    const store = new SqliteFixRequestStore(first.bot.app.db);
    const approved = await store.get(request.id);
    if (!approved) throw new Error('missing');
    await store.compareAndSwap(
      {
        ...approved,
        state: 'verifying',
        execution: { summary: { en: 'Agent restarted', pl: 'Agent uruchomiony ponownie' } },
        verification: { result: 'pending', jobId },
        runner: { instanceId: 'crashed', heartbeatAt: clock.now().toISOString() },
      },
      approved.version,
    );
    await stop(first.bot);
    const triggeredBefore = backupsTriggered();

    clock.advance(91_000);
    connector.clear();
    const second = await instance('after-restart');
    await moduleOf(second.bot).sweeper.sweep();
    await moduleOf(second.bot).actions.idle();
    const after = await moduleOf(second.bot).service.get(request.id);
    expect(after).toMatchObject({ state: 'verified-fixed', verification: { result: 'fixed', jobId } });
    expect(backupsTriggered()).toBe(triggeredBefore);
    expect(cardUpdates(messageId).at(-1)).toContain('Fixed: the backup succeeded.');
    expect(await auditActions(second.bot, request.id)).toEqual(expect.arrayContaining(['fix.resumed', 'fix.verified-fixed']));
  });

  it('a sweep on a follower instance does nothing; on the lease holder it does', async () => {
    let leader = false;
    const listeners = new Set<(l: boolean) => void>();
    const leadership = { isLeader: () => leader, onChange: (fn: (l: boolean) => void) => (listeners.add(fn), () => listeners.delete(fn)) };
    const timers = new ManualTimers();
    const bot = await startTestBot(
      stateFile,
      {},
      { clock, alerts: { startWorkers: false }, remediation: { azure: gateway, policy: loadedRemediationPolicy(), timers, leadership } },
    );
    bots.push(bot);
    const { request } = await requestOnCard(bot);
    clock.advance(31 * 60_000);
    timers.fire();
    await moduleOf(bot).sweeper.sweep();
    expect((await moduleOf(bot).service.get(request.id))?.state).toBe('requested');
    leader = true;
    for (const fn of listeners) fn(true);
    await moduleOf(bot).sweeper.sweep();
    expect((await moduleOf(bot).service.get(request.id))?.state).toBe('expired');
    await stop(bot);
    expect(listeners.size).toBe(0);
  });
});

describe('trust nothing from the card: forged presses are refused and audited', () => {
  let sim: ArmSimulator;
  let connector: ConnectorStub;
  let serviceUrl: string;
  let bot: TestBot;
  let cleanup: () => void;

  beforeEach(async () => {
    sim = await startArmSimulator({ scenario: remediationScenario });
    connector = new ConnectorStub();
    serviceUrl = await connector.start();
    const state = tempStateFile();
    cleanup = state.cleanup;
    const gateway = remediationGateway(sim);
    bot = await startTestBot(state.file, { FIX_VERIFY_POLL_SECONDS: '0.01' }, { alerts: { startWorkers: false }, remediation: { azure: gateway, policy: loadedRemediationPolicy(), sleep: async () => undefined, startSweeper: false } });
  });

  afterEach(async () => {
    await bot.stop();
    await connector.stop();
    await sim.close();
    cleanup();
  });

  const remediation = () => {
    const r = bot.app.remediation;
    if (!r) throw new Error('not wired');
    return r;
  };
  const press = async (verb: string, data: Record<string, unknown>, from: typeof alex, replyToId: string, conversationId = CONV) => {
    const res = await bot.post(executeInvoke(verb, data, replyToId, { serviceUrl, from, conversationId, conversationType: 'channel' }));
    expect(res.status).toBe(200);
    return res.body as InvokeBody;
  };
  const runCommands = () => sim.requests.filter((r) => r.method === 'POST' && /runCommand$/i.test(r.path)).length;

  it('refuses an approval pressed on another message or in another chat, a forged refresh and a refresh from another chat, auditing each', async () => {
    let session = await bot.app.troubleshoot.start({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en', conversationId: CONV, createdBy: alexAad, target: { vm: 'win-agent' } });
    session = await bot.app.troubleshoot.attachActivity(session, 'msg-session');
    const stepped = await bot.app.troubleshoot.step(session.id, { kind: 'next' });
    if (stepped.kind === 'ok') session = stepped.session;
    await press('fix.plan', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent' }, alex, 'msg-session');
    const messageId = connector.calls.find((c) => c.kind === 'send' || c.kind === 'reply')?.createdId ?? '';
    const body = await press('fix.request', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent' }, alex, messageId);
    const requestId = (body.value as { actions?: { verb: string; data: { requestId?: string } }[] }).actions?.find((a) => a.verb === 'fix.approve')?.data.requestId ?? '';
    expect(requestId).not.toBe('');

    const onOtherMessage = await press('fix.approve', { v: 1, requestId }, megan, 'msg-some-other-card');
    expect(cardText(onOtherMessage.value)).toContain('card data was changed');
    const inOtherChat = await press('fix.approve', { v: 1, requestId }, megan, messageId, OTHER_CONV);
    expect(cardText(inOtherChat.value)).toContain('card data was changed');
    const forgedView = await press('fix.view', { v: 1, requestId, vm: 'fin-db' }, megan, messageId);
    expect(cardText(forgedView.value)).toContain('card data was changed');
    const viewElsewhere = await press('fix.view', { v: 1, requestId }, megan, messageId, OTHER_CONV);
    expect(cardText(viewElsewhere.value)).toContain('does not exist');
    const rejectElsewhere = await press('fix.reject', { v: 1, requestId }, megan, messageId, OTHER_CONV);
    expect(cardText(rejectElsewhere.value)).toContain('card data was changed');

    await remediation().actions.idle();
    expect((await remediation().service.get(requestId))?.state).toBe('requested');
    expect(runCommands()).toBe(0);
    const refused = (await remediation().audit.list({ limit: 100 })).filter((e) => e.action === 'fix.refused');
    expect(refused.map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('request pressed on another message'),
        expect.stringContaining('request of another conversation'),
        expect.stringContaining('card data keys: requestId,v,vm'),
      ]),
    );
    expect(refused.filter((e) => e.requestId === requestId)).toHaveLength(5);
    expect(refused.every((e) => e.actor.aadObjectId === meganAad)).toBe(true);

    // The genuine card still works.
    const approved = await press('fix.approve', { v: 1, requestId }, megan, messageId);
    expect(cardText(approved.value)).toMatch(/Approved|Running/);
    await remediation().actions.idle();
    expect(runCommands()).toBe(1);
  });
});
