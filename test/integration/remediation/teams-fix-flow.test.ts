import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TroubleshootSession } from '../../../src/core/troubleshoot/session';
import { executeInvoke, message } from '../../helpers/activities';
import { type FixRig, startFixRig } from './fix-rig';
import { cardOf, cardText } from '../../helpers/connector-stub';
import { ManualClock } from '../../unit/remediation/fixtures';
import { alexAad, meganAad } from './remediation-scenario';

const alex = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: alexAad };
const megan = { id: 'user-id-1', name: 'Megan Bowen', aadObjectId: meganAad };
// Same display name as Alex: names are not identities.
const eve = { id: 'user-id-9', name: 'Alex Wilber', aadObjectId: '00000000-0000-0000-0000-0000000000099' };
const CONV = '19:ops@thread.tacv2';
const AUDIT_KEY = 'audit-key-0123456789abcdef';

interface InvokeBody {
  statusCode: number;
  type: string;
  value: unknown;
}

/**
 * A connector in front of the stub that can hold one card update back, as a slow connector
 * (or a slow network) would: what the stub records last is what a viewer ends up seeing.
 */
class SlowConnector {
  private server: Server | undefined;
  private held: string | undefined;
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.forward(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  /** The next update of this message waits `ms` before it reaches the connector. */
  holdNextUpdateOf(activityId: string): void {
    this.held = activityId;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  private async forward(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? '/';
    if (this.held && req.method === 'PUT' && path.endsWith(`/activities/${encodeURIComponent(this.held)}`)) {
      this.held = undefined;
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const body = Buffer.concat(chunks);
    const answer = await fetch(new URL(path.replace(/^\//, ''), this.target), { method: req.method ?? 'GET', headers: { 'content-type': 'application/json' }, ...(body.length > 0 ? { body } : {}) });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(await answer.text());
  }
}

describe('approved fixes on Teams cards (real CloudAdapter, connector stub, ARM simulator)', () => {
  let rig: FixRig;
  let sim: FixRig['sim'];
  let connector: FixRig['connector'];
  let serviceUrl: string;
  let bot: FixRig['bot'];
  const clock = new ManualClock(new Date());

  beforeEach(async () => {
    rig = await startFixRig({ AUDIT_API_KEY: AUDIT_KEY }, { clock });
    ({ sim, connector, serviceUrl, bot } = rig);
  });

  afterEach(() => rig.stop());

  const remediation = () => rig.remediation();

  /** A troubleshooting session on a VM, its card posted as message msg-session. */
  async function sessionFor(vm: string, codeId: string, cursor = 0, conversationId = CONV): Promise<TroubleshootSession> {
    let session = await bot.app.troubleshoot.start({ codeId, language: 'en', conversationId, createdBy: alexAad, target: { vm } });
    session = await bot.app.troubleshoot.attachActivity(session, 'msg-session');
    for (let i = 0; i < cursor; i++) {
      const stepped = await bot.app.troubleshoot.step(session.id, { kind: 'next' });
      if (stepped.kind === 'ok') session = stepped.session;
    }
    return session;
  }

  async function press(verb: string, data: Record<string, unknown>, from: typeof alex, replyToId = 'msg-session', via = serviceUrl): Promise<InvokeBody> {
    const res = await bot.post(executeInvoke(verb, data, replyToId, { serviceUrl: via, from, conversationId: CONV, conversationType: 'channel' }));
    expect(res.status).toBe(200);
    return res.body as InvokeBody;
  }

  /** Plan, then Request: returns the request id and the plan message id. */
  async function requestFix(session: TroubleshootSession, fixId: string, from = alex, via = serviceUrl): Promise<{ requestId: string; messageId: string; body: InvokeBody }> {
    connector.clear();
    await press('fix.plan', { v: 1, sessionId: session.id, fixId }, from, 'msg-session', via);
    const planCall = connector.calls.find((c) => c.kind === 'send' || c.kind === 'reply');
    const messageId = planCall?.createdId ?? '';
    expect(cardText(cardOf(planCall))).toContain('nothing has been changed yet');
    const body = await press('fix.request', { v: 1, sessionId: session.id, fixId }, from, messageId, via);
    const card = body.value as { actions?: { verb: string; data: { requestId?: string } }[] };
    const requestId = card.actions?.find((a) => a.verb === 'fix.approve')?.data.requestId ?? '';
    return { requestId, messageId, body };
  }

  const refusals = async () => (await remediation().audit.list({ limit: 500 })).filter((e) => e.action === 'fix.refused');
  const runCommands = () => sim.requests.filter((r) => r.method === 'POST' && /runCommand$/i.test(r.path)).length;

  it('takes a failing VM from the cause card through plan, request, a second person\'s approval and the verifying backup to "fixed", with every step audited', async () => {
    const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    expect(session.causeIds[session.cursor]).toBe('windows-agent-unresponsive');
    const causeCard = bot.app.bot.renderSessionCard(session);
    expect(JSON.stringify(causeCard)).toContain('"verb":"fix.plan"');

    const { requestId, messageId, body } = await requestFix(session, 'restart-windows-agent');
    expect(cardText(body.value)).toContain('Awaiting approval');
    expect((body.value as { refresh?: { action: { verb: string } } }).refresh?.action.verb).toBe('fix.view');

    // Approvers get Approve / Reject on refresh; someone outside the policy sees only the status.
    const megansView = await press('fix.view', { v: 1, requestId }, megan, messageId);
    expect(JSON.stringify(megansView.value)).toContain('"verb":"fix.approve"');
    const evesView = await press('fix.view', { v: 1, requestId }, eve, messageId);
    expect(JSON.stringify(evesView.value)).not.toContain('"verb":"fix.approve"');

    connector.clear();
    const approved = await press('fix.approve', { v: 1, requestId }, megan, messageId);
    expect(cardText(approved.value)).toMatch(/Approved|Running/);
    await remediation().actions.idle();

    const updates = connector.calls.filter((c) => c.kind === 'update' && c.activityId === messageId).map((c) => cardText(cardOf(c)));
    expect(updates.some((t) => t.includes('Running'))).toBe(true);
    expect(updates.at(-1)).toContain('Fixed: the backup succeeded.');
    expect(sim.state.vms.find((v) => v.name === 'win-agent')?.agent.status).toBe('Ready');
    // The session card moved on: fixed.
    const sessionUpdate = connector.calls.filter((c) => c.kind === 'update' && c.activityId === 'msg-session').at(-1);
    expect(sessionUpdate).toBeDefined();
    expect((await bot.app.troubleshoot.load(session.id)).kind === 'ok' && ((await bot.app.sessions.get(session.id))?.outcome)).toBe('fixed');

    // Every card the bot wrote is fully expanded and fits Teams' smallest path (28 KB).
    for (const call of connector.calls) {
      const json = JSON.stringify(cardOf(call) ?? {});
      expect(json).not.toContain('${');
      expect(Buffer.byteLength(json)).toBeLessThan(28 * 1024);
    }

    // The audit command shows every step, in a personal chat (it names people and resources).
    connector.clear();
    await bot.post(message('audit win-agent', { serviceUrl, from: alex }));
    const auditText = cardText(cardOf(connector.calls.at(-1)));
    for (const action of ['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.verified-fixed']) expect(auditText).toContain(action);

    // GET /api/audit: authenticated JSON lines.
    expect((await fetch(`${bot.running.url}/api/audit`)).status).toBe(401);
    expect((await fetch(`${bot.running.url}/api/audit`, { headers: { authorization: 'Bearer wrong-key-0123456789' } })).status).toBe(401);
    const exported = await fetch(`${bot.running.url}/api/audit`, { headers: { authorization: `Bearer ${AUDIT_KEY}` } });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l) as { action: string; requestId?: string });
    expect(lines.filter((l) => l.requestId === requestId).map((l) => l.action)).toEqual(['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.verified-fixed']);
  });

  it('when the card was moved on to another cause while the fix waited, its verdict leaves the session where the people put it', async () => {
    const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    const { requestId, messageId } = await requestFix(session, 'restart-windows-agent');
    // Someone steps the card on to the next cause before the approval.
    const moved = await bot.app.troubleshoot.step(session.id, { kind: 'next' }, 1);
    expect(moved.kind).toBe('ok');
    await press('fix.approve', { v: 1, requestId }, megan, messageId);
    await remediation().actions.idle();
    expect((await remediation().service.get(requestId))?.state).toBe('verified-fixed');
    // The backup proved the fix, but not the cause the card now shows: that cause is not marked fixed.
    const after = await bot.app.sessions.get(session.id);
    expect(after?.cursor).toBe(2);
    expect(after?.outcome).toBeUndefined();
  });

  it('"Show the open request" shows an approver the request without buttons that would be refused there, and says to decide on its card', async () => {
    const first = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    const { requestId, messageId } = await requestFix(first, 'restart-windows-agent');
    // A second session on the same VM in this chat asks again: refused, pointing to the open request.
    const second = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    const refused = await press('fix.request', { v: 1, sessionId: second.id, fixId: 'restart-windows-agent' }, alex, 'msg-plan-second');
    const show = (refused.value as { actions?: { verb: string; data: Record<string, unknown> }[] }).actions?.find((a) => a.verb === 'fix.view');
    expect(show?.data).toEqual({ v: 1, requestId });
    // Megan may approve, but this view is on the refusal message, not the request's card.
    const shown = await press('fix.view', show?.data ?? {}, megan, 'msg-plan-second');
    expect(cardText(shown.value)).toContain('Awaiting approval');
    expect(cardText(shown.value)).toContain('Approve or reject it on the request card in this chat.');
    expect(JSON.stringify(shown.value)).not.toMatch(/"verb":"fix\.(approve|reject)"/);
    // On the card itself (its refresh) she gets her buttons, and they work.
    const onCard = await press('fix.view', { v: 1, requestId }, megan, messageId);
    expect(JSON.stringify(onCard.value)).toContain('"verb":"fix.approve"');
    expect(cardText((await press('fix.approve', { v: 1, requestId }, megan, messageId)).value)).toMatch(/Approved|Running/);
    await remediation().actions.idle();
  });

  it('50 parallel approve invokes for one request run the fix once', async () => {
    const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    const { requestId, messageId } = await requestFix(session, 'restart-windows-agent');
    const before = runCommands();
    const bodies = await Promise.all(Array.from({ length: 50 }, (_, i) => press('fix.approve', { v: 1, requestId }, i % 2 ? megan : alex, messageId)));
    await remediation().actions.idle();
    expect(runCommands() - before).toBe(1);
    expect(bodies.filter((b) => cardText(b.value).includes('already been decided'))).toHaveLength(49);
    expect((await remediation().service.get(requestId))?.state).toBe('verified-fixed');
  });

  it('an approval the audit log cannot take runs nothing, and the request card says so at once', async () => {
    const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    const { requestId, messageId } = await requestFix(session, 'restart-windows-agent');
    const before = runCommands();
    const audit = remediation().audit;
    const append = audit.append.bind(audit);
    audit.append = async (event) => {
      if (event.action === 'fix.approved') throw new Error('audit table unavailable');
      return append(event);
    };
    connector.clear();
    try {
      await press('fix.approve', { v: 1, requestId }, megan, messageId).catch(() => undefined);
      await remediation().actions.idle();
    } finally {
      audit.append = append;
    }
    expect(runCommands() - before).toBe(0);
    expect((await remediation().service.get(requestId))?.state).toBe('failed');
    await connector.waitFor(() => connector.calls.some((c) => c.kind === 'update' && c.activityId === messageId), 5_000);
    const card = connector.calls.filter((c) => c.kind === 'update' && c.activityId === messageId).map((c) => cardText(cardOf(c))).at(-1);
    expect(card).toContain('could not be written to the audit log');
  });

  it('refuses and audits every forgery: unknown id, tampered target, replay, expiry, self-approval, outsider, out of scope', async () => {
    // Unknown request id.
    const unknown = await press('fix.approve', { v: 1, requestId: 'forged-request-id' }, megan);
    expect(cardText(unknown.value)).toContain('does not exist');

    // Tampered target: the card data names another VM.
    const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    const tampered = await press('fix.request', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent', vm: 'fin-db', resourceGroup: 'rg-finance' }, alex);
    expect(cardText(tampered.value)).toContain('card data was changed');

    // A fix the current cause does not offer.
    const notOffered = await press('fix.plan', { v: 1, sessionId: session.id, fixId: 'clear-restore-points-behind-lock' }, alex);
    expect(cardText(notOffered.value)).toContain('not offered');

    // Replay after execution.
    const { requestId, messageId } = await requestFix(session, 'restart-windows-agent');
    await press('fix.approve', { v: 1, requestId }, megan, messageId);
    await remediation().actions.idle();
    const commandsAfterRun = runCommands();
    const replay = await press('fix.approve', { v: 1, requestId }, megan, messageId);
    expect(cardText(replay.value)).toContain('already been decided');

    // Expired: the approval window is 30 minutes.
    const late = await requestFix(session, 'restart-windows-agent');
    clock.advance(31 * 60_000);
    const expired = await press('fix.approve', { v: 1, requestId: late.requestId }, megan, late.messageId);
    expect(cardText(expired.value)).toContain('expired');
    expect((await remediation().service.get(late.requestId))?.state).toBe('expired');

    // Self-approval of a high-risk fix.
    const extSession = await sessionFor('win-ext', 'ExtensionOperationFailedForManagedDisks');
    const extCause = extSession.causeIds.indexOf('backup-extension-fails-to-load');
    const extAt = await sessionFor('win-ext', 'ExtensionOperationFailedForManagedDisks', extCause);
    const high = await requestFix(extAt, 'reinstall-backup-extension');
    const self = await press('fix.approve', { v: 1, requestId: high.requestId }, alex, high.messageId);
    expect(cardText(self.value)).toContain('cannot approve it');
    expect((await remediation().service.get(high.requestId))?.state).toBe('requested');

    // A requester outside the policy (same display name as Alex, another object id).
    const outsider = await press('fix.request', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent' }, eve, 'msg-plan-eve');
    expect(cardText(outsider.value)).toContain('not allowed to request');
    // Request this fix pressed on the troubleshooting card itself: its message is never replaced by a request.
    connector.clear();
    const onSessionCard = await press('fix.request', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent' }, alex, 'msg-session');
    expect(cardText(onSessionCard.value)).toContain('card data was changed');
    expect(connector.calls.filter((c) => c.activityId === 'msg-session')).toEqual([]);
    // ...who also cannot approve.
    const outsiderApproval = await press('fix.approve', { v: 1, requestId: high.requestId }, eve, high.messageId);
    expect(cardText(outsiderApproval.value)).toContain('not allowed to approve');

    // A VM outside the policy's resource groups.
    const finSession = await sessionFor('fin-db', 'UserErrorGuestAgentStatusUnavailable', 1);
    const outOfScope = await press('fix.plan', { v: 1, sessionId: finSession.id, fixId: 'restart-windows-agent' }, alex);
    expect(cardText(outOfScope.value)).toContain('outside the subscriptions and resource groups');

    expect(runCommands()).toBe(commandsAfterRun);
    const reasons = (await refusals()).map((e) => e.reason);
    for (const reason of ['unknown-request', 'tampered', 'fix-not-offered', 'not-pending', 'expired', 'self-approval', 'not-requester', 'not-approver', 'out-of-scope']) expect(reasons).toContain(reason);
    const selfEntry = (await refusals()).find((e) => e.reason === 'self-approval');
    expect(selfEntry?.actor.aadObjectId).toBe(alexAad);
    expect(selfEntry?.target?.name).toBe('win-ext');
  });

  it('Request this fix turns only its own plan into the request card: naming another message (another request\'s card) posts the request anew and leaves that card as it was', async () => {
    // Another VM's request, waiting for approval on its own card.
    const other = await sessionFor('win-ext', 'ExtensionOperationFailedForManagedDisks', 0);
    const otherAt = await sessionFor('win-ext', 'ExtensionOperationFailedForManagedDisks', other.causeIds.indexOf('backup-extension-fails-to-load'));
    const pending = await requestFix(otherAt, 'reinstall-backup-extension');
    // A press forged to name that card, with this session's genuine ids.
    const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    connector.clear();
    await press('fix.request', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent' }, alex, pending.messageId);
    expect(connector.calls.filter((c) => c.activityId === pending.messageId)).toEqual([]);
    const posted = connector.calls.find((c) => c.kind === 'send' || c.kind === 'reply');
    expect(cardText(cardOf(posted))).toContain('Awaiting approval');
    expect((await remediation().service.get(pending.requestId))?.state).toBe('requested');
    // The new request lives on the message just posted: its Approve works there, and only there.
    const requestId = (cardOf(posted) as { actions?: { verb: string; data: { requestId?: string } }[] }).actions?.find((a) => a.verb === 'fix.approve')?.data.requestId ?? '';
    expect((await remediation().service.get(requestId))?.card?.activityId).toBe(posted?.createdId);
    const onOtherCard = await press('fix.approve', { v: 1, requestId }, megan, pending.messageId);
    expect(cardText(onOtherCard.value)).toContain('card data was changed');
  });

  it('a plan becomes a request card once, and only for its own fix: Request pressed again on a rejected request, or for another fix on this plan, posts a new message', async () => {
    const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    const first = await requestFix(session, 'restart-windows-agent');
    await press('fix.reject', { v: 1, requestId: first.requestId }, megan, first.messageId);
    await remediation().actions.idle();
    const rejectedCard = connector.calls.filter((c) => c.activityId === first.messageId).length;
    // The old plan's Request, pressed again on what is now the rejected request's card.
    connector.clear();
    await press('fix.request', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent' }, alex, first.messageId);
    expect(connector.calls.filter((c) => c.activityId === first.messageId)).toEqual([]);
    const again = connector.calls.find((c) => c.kind === 'send' || c.kind === 'reply');
    expect(cardText(cardOf(again))).toContain('Awaiting approval');
    expect(rejectedCard).toBeGreaterThan(0);
    expect((await remediation().service.get(first.requestId))?.state).toBe('rejected');
    const second = (cardOf(again) as { actions?: { verb: string; data: { requestId?: string } }[] }).actions?.find((a) => a.verb === 'fix.approve')?.data.requestId ?? '';
    await press('fix.reject', { v: 1, requestId: second }, megan, again?.createdId);
    await remediation().actions.idle();

    // Another fix's plan: a Request for this fix naming it leaves that plan as it is.
    connector.clear();
    await press('fix.plan', { v: 1, sessionId: session.id, fixId: 'retry-backup' }, alex);
    const otherPlan = connector.calls.find((c) => c.kind === 'send' || c.kind === 'reply');
    expect(cardText(cardOf(otherPlan))).toContain('nothing has been changed yet');
    connector.clear();
    await press('fix.request', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent' }, alex, otherPlan?.createdId);
    expect(connector.calls.filter((c) => c.activityId === otherPlan?.createdId)).toEqual([]);
    expect(cardText(cardOf(connector.calls.find((c) => c.kind === 'send' || c.kind === 'reply')))).toContain('Awaiting approval');
  });

  it('a refused press with 20,000 keys or a 300 KB request id is audited in one bounded line that names a few keys and how many came, never the values', async () => {
    // Within the 1 MB body limit of /api/messages.
    const many: Record<string, unknown> = { v: 1, requestId: 'r'.repeat(300_000) };
    for (let i = 0; i < 20_000; i += 1) many[`k${i}<script>`] = i === 0 ? 'x'.repeat(10) : 1;
    const res = await bot.post(executeInvoke('fix.approve', many, 'msg-session', { serviceUrl, from: megan, conversationId: CONV, conversationType: 'channel' }));
    expect(res.status).toBe(200);
    expect(cardText((res.body as InvokeBody).value)).toContain('card data was changed');
    const entry = (await refusals()).find((e) => e.actor.aadObjectId === megan.aadObjectId && e.reason === 'tampered');
    expect(entry?.detail.length).toBeLessThanOrEqual(2_000);
    expect(entry?.detail).toContain('and 19992 more (20002 keys)');
    expect(entry?.detail).toContain('k0?script?');
    expect(entry?.detail).toContain('request id of 300000 characters, not one of ours');
    expect(entry?.detail).not.toContain('xxxxxxxxxx');
    expect(entry?.requestId).toBeUndefined();
  });

  it('a fix press whose data is not even an object is refused to the presser and audited as tampering, with what came', async () => {
    for (const data of ['approve-everything', 42, null, ['requestId']]) {
      const res = await bot.post(executeInvoke('fix.approve', data, 'msg-session', { serviceUrl, from: megan, conversationId: CONV, conversationType: 'channel' }));
      expect(res.status).toBe(200);
      expect(cardText((res.body as InvokeBody).value)).toContain('card data was changed');
    }
    const audited = (await refusals()).filter((e) => e.reason === 'tampered' && e.actor.aadObjectId === megan.aadObjectId);
    const said = audited.map((e) => /\(([^()]*)\)$/.exec(e.detail)?.[1]).sort();
    expect(said).toEqual(['card data is an array, not an object', 'card data is null, not an object', 'card data is number, not an object', 'card data is string, not an object']);
    expect(connector.calls.filter((c) => c.kind === 'update' && c.activityId === 'msg-session')).toEqual([]);
  });

  it('the card ends on the verdict when the Approve turn\'s own card update is slow (the run never waits for it)', async () => {
    const slow = new SlowConnector(serviceUrl);
    const via = await slow.start();
    try {
      const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
      const { requestId, messageId } = await requestFix(session, 'restart-windows-agent', alex, via);
      connector.clear();
      slow.holdNextUpdateOf(messageId);
      await press('fix.approve', { v: 1, requestId }, megan, messageId, via);
      await remediation().actions.idle();
      const updates = connector.calls.filter((c) => c.kind === 'update' && c.activityId === messageId).map((c) => cardText(cardOf(c)));
      expect(updates[0]).toContain('Approved');
      expect(updates.slice(1).some((t) => t.includes('Approved: starting'))).toBe(false);
      expect(updates.at(-1)).toContain('Fixed: the backup succeeded.');
    } finally {
      await slow.stop();
    }
  });

  it('20 concurrent Request presses on one plan card create one request; the others are told it is already requested, and audited', async () => {
    const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    connector.clear();
    await press('fix.plan', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent' }, alex);
    const messageId = connector.calls.find((c) => c.kind === 'send' || c.kind === 'reply')?.createdId ?? '';
    const bodies = await Promise.all(Array.from({ length: 20 }, (_, i) => press('fix.request', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent' }, i % 2 ? megan : alex, messageId)));
    const requests = await bot.app.remediation?.service.get((bodies.map((b) => (b.value as { actions?: { verb: string; data: { requestId?: string } }[] }).actions?.find((a) => a.verb === 'fix.approve')?.data.requestId).find((id) => id) ?? ''));
    expect(requests?.state).toBe('requested');
    expect(bodies.filter((b) => cardText(b.value).includes('Awaiting approval'))).toHaveLength(1);
    expect(bodies.filter((b) => cardText(b.value).includes('A fix for this VM is already open'))).toHaveLength(19);
    const refused = (await refusals()).filter((e) => e.reason === 'already-requested');
    expect(refused).toHaveLength(19);
    expect(new Set(refused.map((e) => e.requestId))).toEqual(new Set([requests?.id]));
  });

  it('two sessions on one VM, in two chats, pressing Request and Approve at once: one request, one run, and the other is told which fix is open', async () => {
    const OTHER = '19:night-shift@thread.tacv2';
    const here = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    const there = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1, OTHER);
    const pressIn = async (conversationId: string, verb: string, data: Record<string, unknown>, from: typeof alex, replyToId: string): Promise<InvokeBody> => {
      const res = await bot.post(executeInvoke(verb, data, replyToId, { serviceUrl, from, conversationId, conversationType: 'channel' }));
      return res.body as InvokeBody;
    };
    const data = (session: TroubleshootSession) => ({ v: 1, sessionId: session.id, fixId: 'restart-windows-agent' });
    // Each chat's plan first: Request turns that plan message into the request card.
    const planIn = async (conversationId: string, session: TroubleshootSession, from: typeof alex): Promise<string> => {
      connector.clear();
      await pressIn(conversationId, 'fix.plan', data(session), from, 'msg-session');
      return connector.calls.find((c) => c.kind === 'send' || c.kind === 'reply')?.createdId ?? '';
    };
    const planA = await planIn(CONV, here, alex);
    const planB = await planIn(OTHER, there, megan);
    const [a, b] = await Promise.all([pressIn(CONV, 'fix.request', data(here), alex, planA), pressIn(OTHER, 'fix.request', data(there), megan, planB)]);
    const won = [a, b].filter((x) => cardText(x.value).includes('Awaiting approval'));
    const lost = [a, b].filter((x) => cardText(x.value).includes('A fix for this VM is already open'));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    // The refusal names the open request: which fix, who asked and that it waits for approval.
    expect(cardText(lost[0]?.value)).toMatch(/Restart the Windows guest agent.*requested by (Alex Wilber|Megan Bowen).*awaiting approval/);
    const card = won[0]?.value as { actions?: { verb: string; data: { requestId?: string } }[] };
    const requestId = card.actions?.find((x) => x.verb === 'fix.approve')?.data.requestId ?? '';
    const winnerConv = won[0] === a ? CONV : OTHER;
    const winnerMsg = won[0] === a ? planA : planB;
    await Promise.all(Array.from({ length: 10 }, () => pressIn(winnerConv, 'fix.approve', { v: 1, requestId }, won[0] === a ? megan : alex, winnerMsg)));
    await remediation().actions.idle();
    expect(runCommands()).toBe(1);
    expect((await remediation().service.get(requestId))?.state).toBe('verified-fixed');
  });

  it.each([
    ['a conflict (409: another run command is in progress)', (faults: FixRig['sim']['faults']) => faults.fail(/runCommand$/i, { method: 'POST', status: 409, code: 'Conflict', message: 'Run command extension execution is in progress.', times: 1000 })],
    ['a throttling storm (429 with Retry-After, past the SDK\'s retries)', (faults: FixRig['sim']['faults']) => faults.throttle(/runCommand$/i, { method: 'POST', retryAfterSeconds: 0, times: 1000 })],
  ])('when Azure answers the fix itself with %s, the card and the audit end on "failed" with Azure\'s answer, and nothing runs again', async (_name, inject) => {
    const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    const { requestId, messageId } = await requestFix(session, 'restart-windows-agent');
    inject(sim.faults);
    connector.clear();
    await press('fix.approve', { v: 1, requestId }, megan, messageId);
    await remediation().actions.idle();
    const request = await remediation().service.get(requestId);
    expect(request?.state).toBe('failed');
    const last = connector.calls.filter((c) => c.kind === 'update' && c.activityId === messageId).map((c) => cardText(cardOf(c))).at(-1);
    expect(last).toContain('❌ The fix failed');
    expect(last).toMatch(/conflicting operation or state: Run command extension execution is in progress|Azure is throttling requests/);
    expect(last).not.toContain('Awaiting approval');
    const trail = (await remediation().audit.list({ limit: 100 })).filter((e) => e.requestId === requestId).map((e) => e.action);
    expect(trail[0]).toBe('fix.failed');
    expect(trail.filter((a) => a === 'fix.execution-started')).toHaveLength(1);
    // A restart's sweep finds nothing to carry on: a failed fix is final.
    sim.faults.clear();
    const swept = await remediation().service.sweep();
    expect([...swept.resumable, ...swept.interrupted].map((r) => r.id)).not.toContain(requestId);
  });

  it('a verification backup Azure cannot report on is "could not verify", audited fix.unverified, and the session stays on its cause', async () => {
    const session = await sessionFor('win-agent', 'UserErrorGuestAgentStatusUnavailable', 1);
    const { requestId, messageId } = await requestFix(session, 'restart-windows-agent');
    // Every read of a backup job answers 503: retried a few times, then given up.
    sim.faults.fail(/backupJobs\//i, { method: 'GET', times: 1000 });
    connector.clear();
    await press('fix.approve', { v: 1, requestId }, megan, messageId);
    await remediation().actions.idle();
    const request = await remediation().service.get(requestId);
    expect(request?.state).toBe('unverified');
    const last = connector.calls.filter((c) => c.kind === 'update' && c.activityId === messageId).map((c) => cardText(cardOf(c))).at(-1);
    expect(last).toContain('Could not verify');
    expect(last).toContain('The fix itself succeeded; retry the backup or check');
    expect(connector.calls.filter((c) => c.activityId === 'msg-session')).toEqual([]);
    const stored = await bot.app.sessions.get(session.id);
    expect(stored?.cursor).toBe(session.cursor);
    const trail = (await remediation().audit.list({ limit: 100 })).filter((e) => e.requestId === requestId).map((e) => e.action);
    expect(trail[0]).toBe('fix.unverified');
    expect(trail).not.toContain('fix.still-failing');
  });
});
