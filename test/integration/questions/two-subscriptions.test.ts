import { resolve } from 'node:path';
import { createIdentifier } from '../../../src/core/identify';
import { buildRecoveredView, buildSeveralVaultsView, createResourceQuestions } from '../../../src/core/questions';
import { systemClock } from '../../../src/core/ports';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { type Harness, startHarness } from '../azure/simulator-harness';

/**
 * Questions over every vault the identity sees, in two subscriptions that each have a vault
 * rsv-a in rg-backup (test/fixtures/scenarios/same-names-two-subscriptions.json), through the
 * real SDK clients against the ARM simulator.
 */
const SCENARIO = resolve(__dirname, '../../fixtures/scenarios/same-names-two-subscriptions.json');
const SUB_B = '00000000-0000-0000-0000-0000000000b2';
const identifier = createIdentifier(loadKnowledgeBase());
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ scenario: SCENARIO });
}, 30_000);

afterAll(async () => {
  await harness.sim.close();
});

afterEach(() => {
  harness.sim.faults.clear();
});

const questions = () => createResourceQuestions({ azure: harness.gateway, identifier, clock: systemClock, watchedVaults: [] });

test.each([
  ['refuses (403)', () => harness.sim.faults.deny(`/subscriptions/${SUB_B}`)],
  ['is unavailable (503)', () => harness.sim.faults.fail(new RegExp(`/subscriptions/${SUB_B}/providers/Microsoft.RecoveryServices/vaults$`, 'i'), { status: 503, times: 20 })],
])('one subscription whose vault list %s does not hide the other\'s answer, and the answer names it', async (_how, fault) => {
  fault();
  const result = await questions().explainLatestFailure('vm-app02');
  expect(result).toMatchObject({ kind: 'failure', failure: { job: { id: 'aaaaaaaa-0000-0000-0000-000000000005' } } });
  if (result.kind !== 'failure') return;
  expect(JSON.stringify(result.problems)).toContain(SUB_B);
});

test('"Troubleshoot" on a listed job in the second subscription\'s rsv-a opens that job, not a 404 in the first\'s', async () => {
  const q = questions();
  const list = await q.listFailedBackups({ kind: 'last-hours', hours: 24 });
  if (list.kind !== 'list') throw new Error(list.kind);
  const web = list.failures.find((f) => f.job.vmName === 'vm-web09');
  expect(web?.job.vault.subscriptionId).toBe(SUB_B);
  const reloaded = await q.reloadFailedJob({ vaultName: web?.job.vault.name ?? '', resourceGroup: web?.job.vault.resourceGroup ?? '', subscriptionId: web?.job.vault.subscriptionId ?? '', jobId: web?.job.id ?? '' });
  expect(reloaded).toMatchObject({ kind: 'failure', failure: { job: { id: 'bbbbbbbb-0000-0000-0000-000000000001' } } });
});

test('a VM name that two VMs share (two resource groups): the latest failure of each, never one of them silently', async () => {
  const result = await questions().explainLatestFailure('vm-sql01');
  expect(result.kind).toBe('several-vms');
  if (result.kind !== 'several-vms') return;
  expect(result.failures.map((f) => f.job.vmResourceGroup).sort()).toEqual(['rg-sql', 'rg-sql-test']);
  expect(new Set(result.failures.map((f) => f.job.id)).size).toBe(2);
});

test('a VM whose last backup succeeded after its failure: says so, with the failure still one press away', async () => {
  const result = await questions().explainLatestFailure('vm-app01');
  expect(result).toMatchObject({ kind: 'recovered', failure: { job: { id: 'aaaaaaaa-0000-0000-0000-000000000003' } }, lastBackupStatus: 'Completed' });
  if (result.kind !== 'recovered') return;
  const view = buildRecoveredView(result, 'en');
  expect(view.text).toMatch(/^Its last backup, .*, was Completed\. The failure before it, .*, was UserErrorGuestAgentStatusUnavailable/);
  expect(view.actions.map((a) => a.title)).toContain('Troubleshoot');
});

test('"status of vault rsv-a" when two subscriptions each have one: a line for each, none taken for the other', async () => {
  const result = await questions().vaultStatus('rsv-a');
  expect(result.kind).toBe('several-vaults');
  if (result.kind !== 'several-vaults') return;
  const view = buildSeveralVaultsView(result, 'en');
  expect(view.title).toBe('2 vaults are named rsv-a');
  expect(view.text.split('\n')).toEqual([expect.stringMatching(/^rsv-a in subscription 0{8}-0{4}-0{4}-0{4}-0{10}a1 \(rg-backup\): \d+ protected VMs/), expect.stringMatching(new RegExp(`^rsv-a in subscription ${SUB_B} \\(rg-backup\\): \\d+ protected VMs, 1 failed backups`))]);
});
