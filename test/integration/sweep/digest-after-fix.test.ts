import { resolve } from 'node:path';
import { cardExecutes, type CardAction, ConnectorStub, cardOf, cardText } from '../../helpers/connector-stub';
import { executeInvoke, mentionMessage } from '../../helpers/activities';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { type Harness, startHarness } from '../azure/simulator-harness';

/**
 * A fix pressed on the scheduled digest runs through the usual approval flow; once its backup
 * proves it, the digest in the channel is updated in place to show the VM recovered. The real
 * app and CloudAdapter, the demo fix policy, the real SDK clients against the ARM simulator.
 */
const operator = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: '00000000-0000-0000-0000-0000000000020' };
const conversationId = '19:fleet-digest@thread.tacv2';

let stub: ConnectorStub;
let serviceUrl: string;
let harness: Harness;
let state: ReturnType<typeof tempStateFile>;
let bot: TestBot;

beforeAll(async () => {
  stub = new ConnectorStub();
  serviceUrl = await stub.start();
  harness = await startHarness();
  state = tempStateFile();
  bot = await startTestBot(
    state.file,
    { SWEEP_SCHEDULE: '00:00', FIX_POLICY_FILE: resolve(__dirname, '../../../config/demo-policy.json'), FIX_VERIFY_POLL_SECONDS: '0.01' },
    { azure: harness.gateway, alerts: { startWorkers: false } },
  );
}, 30_000);

afterAll(async () => {
  await bot?.stop();
  await harness.sim.close();
  await stub.stop();
  state.cleanup();
});

type Action = CardAction;

async function press(action: Action, activityId: string | undefined): Promise<unknown> {
  const response = await bot.post(executeInvoke(action.verb, action.data, activityId, { serviceUrl, conversationId, conversationType: 'channel', from: operator }));
  expect(response.status).toBe(200);
  return (response.body as { value: unknown }).value;
}

test('a fix approved from the digest, once its backup succeeds, shows the VM recovered on the same digest message', async () => {
  let before = stub.calls.length;
  await bot.post(mentionMessage('subscribe', { serviceUrl, conversationId, from: operator }));
  await stub.waitFor((c) => c.length > before, 10_000);
  const sweep = bot.app.scheduledSweep;
  if (!sweep) throw new Error('no scheduled sweep');

  before = stub.calls.length;
  expect(await sweep.tick()).toBe('swept');
  const digest = (await stub.waitFor((c) => c.slice(before).some((x) => x.kind === 'send'), 10_000)).slice(before).find((x) => x.kind === 'send');
  const digestId = digest?.createdId;
  expect(cardText(cardOf(digest))).toContain('vm-sql01');

  // The fix button of vm-sql01's row: plan, request, approve (low risk: the requester may approve).
  const actions = cardExecutes(cardOf(digest));
  const fix = actions.find((a) => a.title === '🔧 Restart the Windows guest agent') as Action;
  before = stub.calls.length;
  await press(fix, digestId);
  const plan = (await stub.waitFor((c) => c.slice(before).some((x) => x.kind !== 'update'), 10_000)).slice(before).find((x) => x.kind !== 'update');
  expect(cardText(cardOf(plan))).toContain('vm-sql01');
  const requested = await press(cardExecutes(cardOf(plan)).find((a) => a.title === 'Request this fix') as Action, plan?.createdId);
  before = stub.calls.length;
  await press(cardExecutes(requested).find((a) => a.title === 'Approve') as Action, plan?.createdId);

  // The digest message itself is updated once the verifying backup succeeded.
  const updates = await stub.waitFor((c) => c.slice(before).some((x) => x.kind === 'update' && x.activityId === digestId), 20_000);
  const digestUpdate = updates.slice(before).find((x) => x.kind === 'update' && x.activityId === digestId);
  const text = cardText(cardOf(digestUpdate));
  expect(text).toContain('recovered: vm-sql01');
  expect(text).toMatch(/^6 of \d+ VMs at risk$/m);
});
