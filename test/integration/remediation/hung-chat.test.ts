import type { TroubleshootSession } from '../../../src/core/troubleshoot/session';
import { executeInvoke, submitMessage } from '../../helpers/activities';
import { type FixRig, startFixRig } from './fix-rig';
import { cardText } from '../../helpers/connector-stub';
import { alexAad, meganAad } from './remediation-scenario';

/**
 * A Teams connector that accepts requests and never answers. Every chat call has a deadline
 * (CHAT_TIMEOUT_SECONDS), turns answer, and an approved fix runs and ends in Azure whatever
 * the chat does: a hung channel delays the card, never the change, and never holds a lock off.
 */

const alex = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: alexAad };
const megan = { id: 'user-id-1', name: 'Megan Bowen', aadObjectId: meganAad };
const CONV = '19:ops@thread.tacv2';
const LOCK = { name: 'keep-backups', level: 'CanNotDelete', notes: 'Change board CB-1234: do not remove' };

describe('a Teams connector that never answers', () => {
  let rig: FixRig;
  let sim: FixRig['sim'];
  let connector: FixRig['connector'];
  let serviceUrl: string;
  let bot: FixRig['bot'];

  beforeEach(async () => {
    rig = await startFixRig({ CHAT_TIMEOUT_SECONDS: '0.5' });
    ({ sim, connector, serviceUrl, bot } = rig);
  });

  afterEach(() => rig.stop());

  const remediation = () => rig.remediation();

  async function lockFixRequested(): Promise<{ requestId: string; messageId: string }> {
    let session: TroubleshootSession = await bot.app.troubleshoot.start({ codeId: 'UserErrorRpCollectionLimitReached', language: 'en', conversationId: CONV, createdBy: alexAad, target: { vm: 'win-rp' } });
    session = await bot.app.troubleshoot.attachActivity(session, 'msg-session');
    const data = { v: 1, sessionId: session.id, fixId: 'clear-restore-points-behind-lock' };
    const options = { serviceUrl, from: alex, conversationId: CONV, conversationType: 'channel' as const };
    await bot.post(executeInvoke('fix.plan', data, 'msg-session', options));
    const messageId = connector.calls.find((c) => c.kind === 'send' || c.kind === 'reply')?.createdId ?? '';
    const requested = await bot.post(executeInvoke('fix.request', data, messageId, options));
    const card = (requested.body as { value: { actions?: { verb: string; data: { requestId?: string } }[] } }).value;
    const requestId = card.actions?.find((a) => a.verb === 'fix.approve')?.data.requestId ?? '';
    expect(requestId).not.toBe('');
    return { requestId, messageId };
  }

  const lockInSimulator = () => sim.state.locks.filter((l) => l.name === LOCK.name).map((l) => ({ name: l.name, level: l.level, notes: l.notes }));

  it('the Approve invoke answers, the lock fix runs to its verdict and the lock is back while every card update hangs', async () => {
    const { requestId, messageId } = await lockFixRequested();
    connector.hang = true;
    const answer = await bot.post(executeInvoke('fix.approve', { v: 1, requestId }, messageId, { serviceUrl, from: megan, conversationId: CONV, conversationType: 'channel' }));
    // The presser sees the approved card in the invoke answer; no connector call stands in the turn.
    expect(answer.status).toBe(200);
    expect(cardText((answer.body as { value: unknown }).value)).toContain('Approved');
    await remediation().actions.idle();
    const done = await remediation().service.get(requestId);
    expect(done?.state).toBe('verified-fixed');
    expect(sim.state.collections.some((c) => c.name === 'AzureBackup_win-rp_1700000000')).toBe(false);
    expect(lockInSimulator()).toEqual([LOCK]);
    // The card writes were tried, and each gave up at the deadline.
    expect(connector.hung).toBeGreaterThan(0);
  });

  it('an Approve sent as a message (Action.Submit) gets its turn answered, and the fix runs, although the card update hangs', async () => {
    const { requestId, messageId } = await lockFixRequested();
    connector.hang = true;
    const answer = await bot.post(submitMessage({ verb: 'fix.approve', v: 1, requestId }, messageId, { serviceUrl, from: megan, conversationId: CONV, conversationType: 'channel' }));
    expect(answer.status).toBe(200);
    await remediation().actions.idle();
    expect((await remediation().service.get(requestId))?.state).toBe('verified-fixed');
    expect(lockInSimulator()).toEqual([LOCK]);
  });

  it('once the connector answers again, the card shows the verdict', async () => {
    const { requestId, messageId } = await lockFixRequested();
    connector.hang = true;
    await bot.post(executeInvoke('fix.approve', { v: 1, requestId }, messageId, { serviceUrl, from: megan, conversationId: CONV, conversationType: 'channel' }));
    await remediation().actions.idle();
    connector.hang = false;
    connector.clear();
    // The next sweep (or any later change) writes the newest state; here the sweep's resume finds nothing and a refresh press shows it.
    const refreshed = await bot.post(executeInvoke('fix.view', { v: 1, requestId }, messageId, { serviceUrl, from: alex, conversationId: CONV, conversationType: 'channel' }));
    expect(cardText((refreshed.body as { value: unknown }).value)).toContain('Fixed');
  });
});
