import { performance } from 'node:perf_hooks';
import { createIdentifier } from '../src/core/identify';
import type { ErrorCodeEntry } from '../src/core/knowledge/schema';
import { loadKnowledgeBase } from '../src/knowledge/load-knowledge-base';
import { percentile, type BenchFigure, type BenchSuite } from './bench-figure';

/**
 * identify() over the whole catalogue on 2 KB pastes (a code in chatter, an English
 * message in a job JSON, a Polish message, an alert JSON, a typo, nonsense, a SQL Server job,
 * a Polish Blob message), against a
 * plain case-insensitive substring scan for every code name on the same inputs in the
 * same run: the least any identifier must do.
 */
const PASTE_CHARS = 2048;
const WARM_UP_ROUNDS = 300;
const MEASURED_ROUNDS = 2000;

const FILLER =
  '2025-01-01T02:31:04Z INFO vault-prod job 6b1e0c2a status Failed duration PT31M container iaasvmcontainerv2;rg-app;vm-prod-01 ' +
  'tasks: Take Snapshot Failed, Transfer data to vault Cancelled; the team on call was paged and acknowledged the incident. ';

function toSize(text: string): string {
  let out = text;
  while (out.length < PASTE_CHARS) out += '\n' + FILLER;
  return out.slice(0, PASTE_CHARS);
}

function jobJson(errorString: string): string {
  return JSON.stringify(
    {
      id: '/Subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-vault/providers/Microsoft.RecoveryServices/vaults/vault-prod/backupJobs/6b1e0c2a',
      properties: {
        jobType: 'AzureIaaSVMJob',
        errorDetails: [{ errorCode: 400000, errorTitle: '', errorString, recommendations: ['Please refer to the troubleshooting guide.'] }],
        extendedInfo: { tasksList: [{ taskId: 'Take Snapshot', status: 'Failed' }], propertyBag: { 'VM Name': 'vm-prod-01' }, dynamicErrorMessage: errorString },
        entityFriendlyName: 'vm-prod-01',
        operation: 'Backup',
        status: 'Failed',
      },
    },
    null,
    2,
  );
}

function alertJson(description: string, code: string): string {
  return JSON.stringify(
    {
      schemaId: 'azureMonitorCommonAlertSchema',
      data: {
        essentials: {
          alertRule: 'Backup Failure',
          severity: 'Sev1',
          description,
          originAlertId: `2516288980568183370_0_46882796573241193411846827691315511505azureiaasvm${code.toLowerCase()}log`,
          monitoringService: 'Azure Backup',
        },
        alertContext: { category: 'Jobs', extendedInfo: { recommendedActions: `For troubleshooting instructions, see https://aka.ms/AB-${code.toLowerCase()}` } },
      },
    },
    null,
    2,
  );
}

export function benchPastes(codes: readonly ErrorCodeEntry[]): string[] {
  const find = (id: string): ErrorCodeEntry => codes.find((c) => c.id === id) ?? (codes[0] as ErrorCodeEntry);
  const agent = find('UserErrorGuestAgentStatusUnavailable');
  const snapshot = find('GuestAgentSnapshotTaskStatusError');
  // Other workloads' failures arrive the same ways: a SQL Server job and a Polish Blob message.
  const sqlLogChain = find('UserErrorSQLLSNValidationFailure');
  const blobVersions = find('UserErrorBlobVersionArchivedAndDeletedDuringBackup');
  return [
    `Hi team, last night the backup of vm-prod-01 failed with ${agent.id}. Any idea what to check first?`,
    jobJson(snapshot.messages.en[0] as string),
    `Dzień dobry, od wczoraj kopia zapasowa nie działa. Komunikat: "${agent.messages.pl[0] as string}". Co robić?`,
    alertJson(agent.messages.en[0] as string, agent.id),
    'Why do I keep getting ExtensionSnaphsotFailedNoNetwork on the Linux VMs?',
    'The quarterly report is attached. Please review the figures for the north region before the meeting on Thursday.',
    jobJson(`SQL Server: ${sqlLogChain.messages.en[0] as string}`),
    `Cześć, kopia kont magazynu w nocy padła: "${blobVersions.messages.pl[0] as string}" Czy ktoś zmieniał reguły cyklu życia?`,
  ].map(toSize);
}

function measure(pastes: readonly string[], run: (text: string) => number): number[] {
  let sink = 0;
  for (let round = 0; round < WARM_UP_ROUNDS; round++) for (const paste of pastes) sink += run(paste);
  const samples: number[] = [];
  for (let round = 0; round < MEASURED_ROUNDS; round++) {
    for (const paste of pastes) {
      const start = performance.now();
      sink += run(paste);
      samples.push(performance.now() - start);
    }
  }
  if (sink === -1) console.log(sink); // keeps the work observable so it is not optimised away
  return samples.sort((a, b) => a - b);
}

export const identifyBench: BenchSuite = async () => {
  const kb = loadKnowledgeBase();
  const identifier = createIdentifier(kb);
  const names = kb.codes.flatMap((c) => [c.id, ...c.aliases]).map((n) => n.toLowerCase());
  const pastes = benchPastes(kb.codes);

  const baselineScan = (text: string): number => {
    const lower = text.toLowerCase();
    let found = 0;
    for (const name of names) if (lower.includes(name)) found++;
    return found;
  };
  const identify = (text: string): number => identifier.identify(text).candidates.length;

  // Interleave the two so that neither profits from a quieter moment of the machine.
  const baseline = measure(pastes, baselineScan);
  const value = measure(pastes, identify);
  const baselineAgain = measure(pastes, baselineScan);
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

  const p50 = percentile(value, 50);
  const p99 = percentile(value, 99);
  const baseP50 = Math.min(percentile(baseline, 50), percentile(baselineAgain, 50));
  const baseP99 = Math.min(percentile(baseline, 99), percentile(baselineAgain, 99));
  const perSecond = 1000 / mean(value);
  const basePerSecond = 1000 / Math.min(mean(baseline), mean(baselineAgain));
  const round = (x: number, digits: number): number => Number(x.toFixed(digits));
  const hostile = worstOnHostilePastes(kb.codes, identifier);
  return [
    { name: 'identify() p50, 2 KB paste, whole catalogue', unit: 'ms', value: round(p50, 4), baseline: round(baseP50, 4), ratio: round(p50 / baseP50, 2), goal: 'p50 < 1 ms', met: p50 < 1 },
    { name: 'identify() p99, 2 KB paste, whole catalogue', unit: 'ms', value: round(p99, 4), baseline: round(baseP99, 4), ratio: round(p99 / baseP99, 2), goal: 'p99 < 1 ms', met: p99 < 1 },
    {
      name: 'identify() throughput, 2 KB pastes',
      unit: 'identifications/s',
      value: Math.round(perSecond),
      baseline: Math.round(basePerSecond),
      ratio: round(perSecond / basePerSecond, 3),
      goal: '>= 1000 /s',
      met: perSecond >= 1000,
    },
    {
      name: `identify() and closest() on 1 MB hostile pastes, the slowest call (${hostile.slowest})`,
      unit: 'ms',
      value: round(hostile.ms, 1),
      baseline: round(p99, 4),
      ratio: round(hostile.ms / p99, 0),
      goal: '< 250 ms (the event loop is held no longer by any message)',
      met: hostile.ms < 250,
    },
  ] satisfies BenchFigure[];
};

/**
 * Pastes made to cost the most, each 1 MB (identification reads the first 64 KB): every code name
 * glued into one token, the code names as a list, every catalogue message in English and in
 * Polish, and 200,000 ordinary words. closest() runs when nothing matched (the "I don't know
 * this one" card), after identify(). The slowest single call of three rounds.
 */
function worstOnHostilePastes(codes: readonly ErrorCodeEntry[], identifier: ReturnType<typeof createIdentifier>): { ms: number; slowest: string } {
  const megabyte = (text: string): string => text.repeat(Math.ceil((1 << 20) / Math.max(1, text.length))).slice(0, 1 << 20);
  const pastes: Record<string, string> = {
    'codes glued': megabyte(codes.map((c) => c.id).join('')),
    'code list': megabyte(codes.map((c) => c.id).join(' ')),
    'English messages': megabyte(codes.flatMap((c) => c.messages.en).join('\n')),
    'Polish messages': megabyte(codes.flatMap((c) => c.messages.pl).join('\n')),
    words: megabyte(Array.from({ length: 997 }, (_, i) => `word${i}`).join(' ') + ' '),
  };
  let worst = { ms: 0, slowest: '' };
  for (let round = 0; round < 3; round++) {
    for (const [name, text] of Object.entries(pastes)) {
      for (const [call, run] of [['identify', () => identifier.identify(text)], ['closest', () => identifier.closest(text, 3)]] as const) {
        const start = performance.now();
        run();
        const ms = performance.now() - start;
        if (ms > worst.ms) worst = { ms, slowest: `${call}, ${name}` };
      }
    }
  }
  return worst;
}

if (require.main === module) {
  identifyBench()
    .then((figures) => console.table(figures))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
