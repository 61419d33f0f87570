/**
 * `npm run demo:alerts`: posts a realistic storm of Azure Backup alerts to the running demo
 * (`npm run demo`), so a channel that wrote `@Backup Doctor subscribe` sees one card per
 * incident, updated in place as the storm goes on, then recovering.
 *
 * Settings: DEMO_URL (default http://127.0.0.1:3978), ALERTS_SHARED_SECRET (default the local
 * demo secret), DEMO_ALERTS (how many storm alerts, default 120).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const baseUrl = (process.argv[2] ?? process.env['DEMO_URL'] ?? 'http://127.0.0.1:3978').replace(/\/$/, '');
const secret = process.env['ALERTS_SHARED_SECRET'] ?? 'local-demo-secret';
const stormSize = Number(process.env['DEMO_ALERTS'] ?? 120);
const SUB = '00000000-0000-0000-0000-000000000001';

type CommonAlert = { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> & { extendedInfo: Record<string, unknown> } } };
const template = JSON.parse(readFileSync(join(__dirname, '../test/fixtures/alerts/common-vm.json'), 'utf8')) as CommonAlert;

const messages: Record<string, string> = {
  UserErrorGuestAgentStatusUnavailable: 'VM Agent unable to communicate with Azure Backup',
  ExtensionSnapshotFailedNoNetwork: 'Snapshot operation failed due to no network connectivity on the virtual machine',
  UserErrorRpCollectionLimitReached: 'The Restore Point collection max limit has reached.',
};

/** The Azure Monitor common-schema "Backup Failure" alert for one VM. */
function commonAlert(vault: string, rg: string, vm: string, code: string, jobId: string, condition: 'Fired' | 'Resolved', vmResourceGroup = 'rg-app'): CommonAlert {
  const a = JSON.parse(JSON.stringify(template)) as CommonAlert;
  const now = new Date().toISOString();
  a.data.essentials['alertTargetIDs'] = [`/subscriptions/${SUB}/resourcegroups/${rg}/providers/microsoft.recoveryservices/vaults/${vault}`];
  a.data.essentials['configurationItems'] = [vault];
  a.data.essentials['description'] = messages[code];
  a.data.essentials['originAlertId'] = `demo_${jobId}_azureiaasvm${code.toLowerCase()}log`;
  a.data.essentials['monitorCondition'] = condition;
  a.data.essentials['firedDateTime'] = now;
  if (condition === 'Resolved') a.data.essentials['resolvedDateTime'] = now;
  const vmId = `/subscriptions/${SUB}/resourceGroups/${vmResourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm}`;
  a.data.alertContext['linkedResourceId'] = vmId;
  a.data.alertContext['sourceId'] = vmId;
  a.data.alertContext['affectedItems'] = vmId;
  a.data.alertContext['linkedResourceName'] = vm;
  a.data.alertContext.extendedInfo['jobId'] = jobId;
  a.data.alertContext.extendedInfo['recommendedActions'] = `See https://aka.ms/AB-${code}`;
  return a;
}

async function post(body: unknown): Promise<string> {
  const response = await fetch(`${baseUrl}/api/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backup-doctor-key': secret },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status !== 202) throw new Error(`POST /api/alerts answered ${response.status}: ${JSON.stringify(json)}`);
  return String(json['status']);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Fresh job ids on every run: a second run against the same ./data is new alerts (grouped into the open
// incidents), not a storm of duplicates that shows nothing.
const run = randomBytes(4).toString('hex');
const guid = (n: number) => `${run}-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function main(): Promise<void> {
  const health = await fetch(`${baseUrl}/healthz`).catch(() => undefined);
  if (!health?.ok) throw new Error(`the demo is not answering at ${baseUrl} (start it with npm run demo)`);
  const codes = Object.keys(messages);
  const outcomes = new Map<string, number>();
  const count = (status: string) => outcomes.set(status, (outcomes.get(status) ?? 0) + 1);

  // First, VMs of the demo's scenario (scenarios/default.json) whose Azure state really has that
  // failure: their cards' first "Troubleshoot" buttons lead to a session where "Run checks" finds the cause.
  count(await post(commonAlert('rsv-prod-weu', 'rg-backup', 'vm-sql01', 'UserErrorGuestAgentStatusUnavailable', guid(90_001), 'Fired', 'rg-sql')));
  count(await post(commonAlert('rsv-prod-weu', 'rg-backup', 'vm-web01', 'ExtensionSnapshotFailedNoNetwork', guid(90_002), 'Fired', 'rg-web')));
  // And the minimal JSON other tools send.
  count(await post({ vault: 'rsv-prod-weu', vm: 'vm-linux01', errorCode: 'UserErrorGuestAgentStatusUnavailable', jobId: guid(99_999), subscriptionId: SUB, resourceGroup: 'rg-backup' }));

  // Then a storm: failures spread over two vaults and three codes, arriving in bursts.
  let n = 0;
  for (let burst = 0; n < stormSize; burst++) {
    const batch = Array.from({ length: Math.min(20, stormSize - n) }, () => {
      n += 1;
      const vault = n % 4 === 0 ? 'rsv-dr-neu' : 'rsv-prod-weu';
      const rg = vault === 'rsv-dr-neu' ? 'rg-backup-neu' : 'rg-backup';
      const code = codes[n % 5 === 0 ? 1 : n % 7 === 0 ? 2 : 0]!;
      return commonAlert(vault, rg, `vm-batch-${String(n % 60).padStart(2, '0')}`, code, guid(n), 'Fired');
    });
    for (const status of await Promise.all(batch.map(post))) count(status);
    process.stdout.write(`burst ${burst + 1}: ${n}/${stormSize} alerts posted\n`);
    await sleep(1500);
  }
  // Some of the VMs recover.
  for (let i = 1; i <= Math.min(10, stormSize); i++) {
    if (i % 4 === 0 || i % 5 === 0 || i % 7 === 0) continue;
    count(await post(commonAlert('rsv-prod-weu', 'rg-backup', `vm-batch-${String(i % 60).padStart(2, '0')}`, codes[0]!, guid(i), 'Resolved')));
  }
  process.stdout.write(`done: ${[...outcomes.entries()].map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo:alerts failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
