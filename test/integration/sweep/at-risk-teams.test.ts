import { resolve } from 'node:path';
import { cardExecutes, type CardAction, ConnectorStub, cardOf, cardText, type CapturedCall } from '../../helpers/connector-stub';
import { executeInvoke, message } from '../../helpers/activities';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { type Harness, startHarness } from '../azure/simulator-harness';

/**
 * "at risk" in Teams, end to end: activities POSTed to the real CloudAdapter, the real SDK
 * clients against the ARM simulator's default scenario, the demo fix policy, and the connector
 * stub capturing what the bot posts.
 */
const operator = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: '00000000-0000-0000-0000-0000000000020' };
const conversationId = 'conv-at-risk';

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
  bot = await startTestBot(state.file, { FIX_POLICY_FILE: resolve(__dirname, '../../../config/demo-policy.json') }, { azure: harness.gateway, alerts: { startWorkers: false } });
}, 30_000);

afterAll(async () => {
  await bot?.stop();
  await harness.sim.close();
  await stub.stop();
  state.cleanup();
});

type Action = CardAction;

/** The buttons of one VM's row: the row's Troubleshoot and fixes, found through the row's own sweep index. */
function rowActions(card: unknown, vm: string): Action[] {
  const all = cardExecutes(card);
  const text = cardText(card);
  const rows = text.split('\n').filter((line) => /^vm-[a-z0-9]+$/.test(line));
  const index = rows.indexOf(vm);
  if (index < 0) throw new Error(`${vm} is not on the digest: ${rows.join(', ')}`);
  const troubleshoots = all.filter((a) => a.verb === 'sweep.troubleshoot');
  const vmIndex = troubleshoots[index]?.data['vm'];
  return all.filter((a) => a.data['vm'] === vmIndex);
}

/**
 * Writes the command and returns the digest: the turn posts "sweeping…" at once, and the digest
 * replaces that message when the sweep is done (the returned call carries the message's id).
 */
async function say(text: string): Promise<CapturedCall> {
  const before = stub.calls.length;
  const response = await bot.post(message(text, { serviceUrl, conversationId, from: operator }));
  expect(response.status).toBeLessThan(300);
  const posted = (await stub.waitFor((c) => c.slice(before).some((x) => x.kind !== 'update'), 20_000)).slice(before).find((x) => x.kind !== 'update') as CapturedCall;
  expect(cardText(cardOf(posted))).toMatch(/Sweeping the fleet|Sprawdzam maszyny/);
  const digest = (await stub.waitFor((c) => c.slice(before).some((x) => x.kind === 'update' && x.activityId === posted.createdId), 20_000)).slice(before).find((x) => x.kind === 'update' && x.activityId === posted.createdId) as CapturedCall;
  return { ...digest, ...(posted.createdId ? { createdId: posted.createdId } : {}) };
}

/** Presses a button; with `posts`, waits for the new message the press posts. */
async function press(action: Action, activityId: string | undefined, posts = true): Promise<{ answer: unknown; posted: CapturedCall | undefined }> {
  const before = stub.calls.length;
  const response = await bot.post(executeInvoke(action.verb, action.data, activityId, { serviceUrl, conversationId, from: operator }));
  expect(response.status).toBe(200);
  const calls = posts ? await stub.waitFor((c) => c.slice(before).some((x) => x.kind !== 'update'), 15_000) : stub.calls;
  return { answer: (response.body as { value: unknown }).value, posted: calls.slice(before).find((x) => x.kind !== 'update') };
}

test('"at risk" answers one digest: N of M VMs at risk, grouped by cause, each VM with its evidence and buttons', async () => {
  const sent = await say('at risk');
  const text = cardText(cardOf(sent));
  expect(text).toMatch(/^7 of \d+ VMs at risk$/m);
  const lines = text.split('\n');
  const under = (cause: RegExp, vm: string): void => {
    const at = lines.findIndex((l) => cause.test(l));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]).toBe(vm);
  };
  under(/^A resource group lock keeps old restore points \(1\)$/, 'vm-files01');
  under(/^Outbound 443 to Azure Storage is blocked \(1\)$/, 'vm-web01');
  under(/^The backup extension \(VMSnapshot\) is in error \(1\)$/, 'vm-app02');
  under(/^The Windows guest agent is not ready \(1\)$/, 'vm-sql01');
  under(/^The Linux guest agent is out of date or not ready \(1\)$/, 'vm-linux01');
  under(/^The VM was stopped from inside the guest \(1\)$/, 'vm-linux02');
  expect(text).toContain('deny-storage-outbound');
  expect(text).not.toContain('vm-ok01');
  expect(rowActions(cardOf(sent), 'vm-sql01').map((a) => a.title)).toEqual(['Troubleshoot', '🔧 Restart the Windows guest agent', '🔧 Retry the backup now']);
});

test('Troubleshoot on a row opens the troubleshooting card at that VM’s cause, with the sweep’s evidence', async () => {
  const digest = await say('at risk');
  const troubleshoot = rowActions(cardOf(digest), 'vm-files01').find((a) => a.title === 'Troubleshoot') as Action;
  const { posted } = await press(troubleshoot, digest.createdId);
  const text = cardText(cardOf(posted));
  expect(text).toContain('UserErrorRpCollectionLimitReached');
  expect(text).toMatch(/lock/i);
  expect(text).toContain('rg-do-not-delete');
  expect(text).toContain('vm-files01');
});

test('a fix button on a row opens the plan of the same approval flow, and Request this fix waits for approval', async () => {
  const digest = await say('at risk');
  const fix = rowActions(cardOf(digest), 'vm-sql01').find((a) => a.title.startsWith('🔧 Restart the Windows guest agent')) as Action;
  const plan = await press(fix, digest.createdId);
  const planCard = cardOf(plan.posted) ?? plan.answer;
  expect(cardText(planCard)).toContain('vm-sql01');
  const request = cardExecutes(planCard).find((a) => a.title === 'Request this fix') as Action;
  expect(request).toBeDefined();
  const requested = await press(request, plan.posted?.createdId, false);
  expect(cardText(requested.answer)).toMatch(/Awaiting approval/);
  // One open fix per VM: the same button again is refused and names the open request.
  const again = await press(fix, digest.createdId);
  const againCard = cardOf(again.posted) ?? again.answer;
  const second = cardExecutes(againCard).find((a) => a.title === 'Request this fix') as Action;
  const refused = await press(second, again.posted?.createdId, false);
  expect(cardText(refused.answer)).toMatch(/open|already/i);
});

test('a press naming a row the sweep does not have, or a fix its cause does not offer, is refused; every refused fix press is audited', async () => {
  const digest = await say('at risk');
  const troubleshoot = rowActions(cardOf(digest), 'vm-web01').find((a) => a.title === 'Troubleshoot') as Action;
  const gone = await press({ ...troubleshoot, data: { ...troubleshoot.data, vm: 999 } }, digest.createdId);
  expect(cardText(cardOf(gone.posted) ?? gone.answer)).toContain('This sweep is gone');
  const audit = bot.app.remediation?.audit;
  if (!audit) throw new Error('remediation is not wired');
  const refusedBefore = (await audit.list({ limit: 500 })).filter((e) => e.action === 'fix.refused').length;
  // A refused fix press is answered to the presser alone (nothing is posted in the channel).
  const wrongFix = await press({ ...troubleshoot, verb: 'sweep.fix', data: { ...troubleshoot.data, fixId: 'clear-restore-points-behind-lock' } }, digest.createdId, false);
  expect(cardText(wrongFix.answer)).toMatch(/not offered/i);
  const goneFix = await press({ ...troubleshoot, verb: 'sweep.fix', data: { ...troubleshoot.data, vm: 999, fixId: 'restart-windows-agent' } }, digest.createdId);
  expect(cardText(cardOf(goneFix.posted) ?? goneFix.answer)).toContain('This sweep is gone');
  const malformed = await press({ ...troubleshoot, verb: 'sweep.fix', data: { ...troubleshoot.data, fixId: 'Restart Everything!' } }, digest.createdId, false);
  expect(cardText(malformed.answer)).toContain('card data was changed');
  const refused = (await audit.list({ limit: 500 })).filter((e) => e.action === 'fix.refused').slice(0, -refusedBefore || undefined);
  expect(refused.map((e) => e.reason).sort()).toEqual(['fix-not-offered', 'tampered', 'unknown-session']);
});

test('"kondycja" answers in Polish', async () => {
  const polish = cardText(cardOf(await say('kondycja')));
  expect(polish).toMatch(/^Zagrożone maszyny: 7 z \d+$/m);
  expect(polish).toContain('Blokada grupy zasobów zatrzymuje stare punkty przywracania (1)');
});

test('with the watched vault healthy, the digest says every VM is healthy', async () => {
  const own = tempStateFile();
  const healthy = await startTestBot(own.file, { WATCHED_VAULTS: '00000000-0000-0000-0000-000000000001/rg-backup-neu/rsv-dr-neu' }, { azure: harness.gateway, alerts: { startWorkers: false } });
  try {
    const before = stub.calls.length;
    await healthy.post(message('health', { serviceUrl, conversationId, from: operator }));
    const calls = await stub.waitFor((c) => c.slice(before).some((x) => x.kind === 'update'), 20_000);
    const digest = cardOf(calls.slice(before).find((x) => x.kind === 'update'));
    expect(cardText(digest)).toMatch(/^All [1-9]\d* VMs healthy$/m);
    expect(cardExecutes(digest)).toEqual([]);
  } finally {
    await healthy.stop();
    own.cleanup();
  }
});
