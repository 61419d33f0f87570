import { executeInvoke } from '../../helpers/activities';
import { cardText } from '../../helpers/connector-stub';
import { ManualClock } from '../../unit/remediation/fixtures';
import { type FixRig, startFixRig } from './fix-rig';
import { alexAad } from './remediation-scenario';

/**
 * A fix plan press is a Teams invoke, cut off after about 15 s ("Something went wrong" for the
 * presser, and a late reply after it). Finding the VM and the plan's own reads of it share one
 * budget, so with Azure Compute not answering the press still gets its plan in time, saying so.
 */
const alex = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: alexAad };
const CONV = '19:ops@thread.tacv2';

describe('a fix plan press while Azure does not answer the VM read', () => {
  let rig: FixRig;
  beforeEach(async () => {
    rig = await startFixRig({}, { clock: new ManualClock(new Date()) });
  });
  afterEach(async () => {
    rig.sim.faults.clear();
    await rig.stop();
  });

  it('is answered within Teams\' invoke time, with a plan that says Azure did not answer', async () => {
    let session = await rig.bot.app.troubleshoot.start({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en', conversationId: CONV, createdBy: alexAad, target: { vm: 'win-agent' } });
    session = await rig.bot.app.troubleshoot.attachActivity(session, 'msg-session');
    const stepped = await rig.bot.app.troubleshoot.step(session.id, { kind: 'next' });
    if (stepped.kind === 'ok') session = stepped.session;
    expect(session.causeIds[session.cursor]).toBe('windows-agent-unresponsive');

    // The lookup finds the VM; its next read (the plan's precondition: is it running, which OS) hangs.
    const held = rig.sim.faults.hold('/virtualMachines/win-agent', { method: 'GET', times: 100 });
    try {
      const started = Date.now();
      const press = rig.bot.post(executeInvoke('fix.plan', { v: 1, sessionId: session.id, fixId: 'restart-windows-agent' }, 'msg-session', { serviceUrl: rig.serviceUrl, from: alex, conversationId: CONV, conversationType: 'channel' }));
      let cutOff: NodeJS.Timeout | undefined;
      const teamsGivesUp = new Promise<'no answer'>((resolve) => (cutOff = setTimeout(() => resolve('no answer'), 14_000)));
      const outcome = await Promise.race([press.then(() => 'answered' as const), teamsGivesUp]);
      clearTimeout(cutOff);
      expect(outcome).toBe('answered');
      expect(Date.now() - started).toBeLessThan(14_000);
      expect(held.held).toBeGreaterThanOrEqual(1);
      const plan = await rig.connector.waitFor((calls) => calls.some((c) => cardText(c.activity).includes('Restart the Windows guest agent')), 5_000);
      expect(plan.map((c) => cardText(c.activity)).join('\n')).toMatch(/did not answer within/);
    } finally {
      held.release();
    }
  }, 30_000);
});
