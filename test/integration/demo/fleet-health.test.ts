import { PlaygroundDriver, type ShownMessage, button, cardButtons, cardText } from './playground-driver';

/**
 * The fleet health sweep as a user tries it in `npm run demo` (the bot configured for the local ARM
 * simulator, so its inventory and NSG rules come from the simulator's Resource Graph; the demo fix
 * policy; the playground): "at risk" files each of the default scenario's failing VMs under its
 * cause, and a row's fix button opens the usual plan and approval.
 */

jest.setTimeout(120_000);

let d: PlaygroundDriver;

beforeAll(async () => {
  d = await PlaygroundDriver.start();
});

afterAll(async () => {
  await d?.stop();
});

/** "at risk": the turn shows "Sweeping the fleet…" at once, and the digest replaces that message. */
async function digest(): Promise<ShownMessage> {
  const first = await d.ask('at risk');
  expect(cardText(first.card)).toMatch(/Sweeping the fleet/);
  return d.waitForUpdate(first.messageId, (m) => /VMs at risk|VMs healthy/.test(cardText(m.card)));
}

test('"at risk" lists the default scenario\'s failing VMs under their causes, with the evidence the checks read', async () => {
  const shown = await digest();
  const text = cardText(shown.card);
  expect(text).toMatch(/^7 of 9 VMs at risk$/m);
  const lines = text.split('\n');
  const under = (cause: RegExp, vm: string): void => {
    const at = lines.findIndex((l) => cause.test(l));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]).toBe(vm);
  };
  under(/^A resource group lock keeps old restore points \(1\)$/, 'vm-files01');
  // Read from the NSG definitions Resource Graph lists, not from a per-VM effective-rules read.
  under(/^Outbound 443 to Azure Storage is blocked \(1\)$/, 'vm-web01');
  expect(text).toContain('deny-storage-outbound');
  under(/^The backup extension \(VMSnapshot\) is in error \(1\)$/, 'vm-app02');
  under(/^The Windows guest agent is not ready \(1\)$/, 'vm-sql01');
  under(/^The VM was stopped from inside the guest \(1\)$/, 'vm-linux02');
  expect(text).not.toContain('vm-ok01');
});

test('a row\'s fix button opens the plan of the same approval flow, and Request this fix waits for approval', async () => {
  const shown = await digest();
  const fix = cardButtons(shown.card).find((b) => b.verb !== 'sweep.troubleshoot' && b.title.startsWith('🔧 Restart the Windows guest agent'));
  if (!fix) throw new Error(`no fix button for vm-sql01: ${cardButtons(shown.card).map((b) => b.title).join(', ')}`);
  let mark = d.mark();
  await d.invoke(fix.verb, fix.data, shown.messageId);
  const plan = await d.waitForBotMessage((m) => m.card !== undefined && cardText(m.card).includes('Fix plan'), { after: mark, conversation: d.personalChat });
  expect(cardText(plan.card)).toContain('vm-sql01');
  const request = button(plan.card, 'fix.request', 'Request this fix');
  mark = d.mark();
  const answer = await d.invoke(request.verb, request.data, plan.messageId);
  expect(cardText(answer?.value)).toContain('⏳ Awaiting approval');
  const updated = await d.waitForUpdate(plan.messageId, undefined, { after: mark });
  expect(cardButtons(updated.card).map((b) => b.title)).toEqual(expect.arrayContaining(['Approve', 'Reject']));
});
