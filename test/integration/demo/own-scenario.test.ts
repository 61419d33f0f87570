import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlaygroundDriver, button, cardText } from './playground-driver';

/**
 * Issue 3, "Done when": a scenario file written by someone else, in the documented format
 * (docs/scenario-format.md), drives the demo without code changes. This one is written here from
 * the documentation alone: another company, another subscription, a Linux VM whose agent is old.
 */

jest.setTimeout(90_000);

const SUB = '33333333-3333-4333-8333-333333333333';
const scenario = {
  name: 'northwind',
  description: 'Written from docs/scenario-format.md: one Linux VM with an out-of-date agent, one healthy VM.',
  settings: { jobCompletionDelayMs: 500 },
  subscriptions: [
    {
      id: SUB,
      displayName: 'Northwind Traders',
      resourceGroups: [
        {
          name: 'rg-nw-backup',
          location: 'northeurope',
          vaults: [
            {
              name: 'rsv-northwind',
              protectedItems: [
                { vm: 'nw-erp01', vmResourceGroup: 'rg-nw-erp', healthStatus: 'ActionRequired', lastBackupStatus: 'Failed', lastBackupTime: 'now-3h' },
                { vm: 'nw-web01', vmResourceGroup: 'rg-nw-erp', lastBackupStatus: 'Completed', lastBackupTime: 'now-3h' },
              ],
              jobs: [
                {
                  id: '9a000000-0000-4000-8000-000000000001',
                  vm: 'nw-erp01',
                  vmResourceGroup: 'rg-nw-erp',
                  status: 'Failed',
                  startTime: 'now-3h',
                  endTime: 'now-3h+20m',
                  error: { errorCode: 400010, errorString: 'Could not communicate with the VM agent for snapshot status' },
                },
              ],
            },
          ],
        },
        {
          name: 'rg-nw-erp',
          location: 'northeurope',
          virtualMachines: [
            { name: 'nw-erp01', osType: 'Linux', osName: 'ubuntu', agent: { status: 'Ready', version: '2.2.40' } },
            { name: 'nw-web01', osType: 'Linux', osName: 'ubuntu' },
          ],
        },
      ],
    },
  ],
};

let d: PlaygroundDriver;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'northwind-'));
  const file = join(dir, 'northwind.json');
  writeFileSync(file, JSON.stringify(scenario, null, 2));
  d = await PlaygroundDriver.start({ env: { AZURE_SIMULATOR_SCENARIO: file } });
});

afterAll(async () => {
  await d?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('AZURE_SIMULATOR_SCENARIO=<another company> drives the demo: questions, the card and the checks', async () => {
  let mark = d.mark();
  // The last 24 hours, not "today": a job "now-3h" is yesterday's before 03:00 UTC.
  await d.say('failed backups in the last 24 hours');
  const list = cardText((await d.waitForBotMessage((m) => m.card !== undefined, { after: mark })).card);
  expect(list).toContain('Failed jobs: 1.');
  expect(list).toMatch(/nw-erp01\nrsv-northwind\n.*\nGuestAgentSnapshotTaskStatusError/);
  expect(list).not.toContain('vm-sql01');

  mark = d.mark();
  await d.say('why did the backup of nw-erp01 fail?');
  const card = await d.waitForBotMessage((m) => m.card !== undefined, { after: mark });
  expect(cardText(card.card)).toContain('Target: VM nw-erp01 · vault rsv-northwind');
  const run = button(card.card, 'checks.run');
  const report = await d.invoke(run.verb, run.data, card.messageId);
  expect(cardText(report?.value)).toContain('The agent installed in the VM is out of date (Linux VMs): Likely');
  // At the likely cause, the evidence names what Azure reported.
  const go = button(report?.value, 'troubleshoot.goto', /^Go to likely cause/);
  mark = d.mark();
  await d.invoke(go.verb, go.data, card.messageId);
  const atCause = await d.waitForUpdate(card.messageId, undefined, { after: mark });
  expect(cardText(atCause.card)).toContain('The agent installed in the VM is out of date (Linux VMs)');
  expect(cardText(atCause.card)).toContain('2.2.40');
});
