import { readFileSync } from 'node:fs';
import { jobToAlert } from '../../../src/alerts/job-poller';
import type { BackupJob } from '../../../src/core/azure-port';
import { createIdentifier, identifyJobCode as sharedJobCode } from '../../../src/core/identify';
import { codeIdentifierOf, identifyAlertCode, memoizedIdentifier } from '../../../src/core/incidents/identify-alert-code';
import type { BackupAlert } from '../../../src/core/incidents/backup-alert';
import { createResourceQuestions } from '../../../src/core/questions';
import { systemClock } from '../../../src/core/ports';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { singleJobCode as jobCode } from '../../../src/core/identify';
import { DEFAULT_SCENARIO, type Harness, PROD_VAULT, startHarness } from '../azure/simulator-harness';

/**
 * One failed job, one code: the incident card (job poller), "why did X fail?" (questions) and fix
 * verification (remediation) name the code of every seeded failure of scenarios/default.json the
 * same way, through the real SDK gateway against the ARM simulator.
 */

interface SeededJob {
  readonly id: string;
  readonly vm: string;
  readonly status: string;
  readonly error?: { readonly code: string };
}

/** The code the simulator's job carries as a string (the job API only exposes the integer and the texts). */
function seededCodes(): Map<string, string> {
  const scenario = JSON.parse(readFileSync(DEFAULT_SCENARIO, 'utf8')) as {
    subscriptions: { resourceGroups: { vaults?: { name: string; jobs?: SeededJob[] }[] }[] }[];
  };
  const codes = new Map<string, string>();
  for (const sub of scenario.subscriptions)
    for (const rg of sub.resourceGroups) for (const vault of rg.vaults ?? []) for (const job of vault.jobs ?? []) if (job.status === 'Failed' && job.error) codes.set(job.id, job.error.code);
  return codes;
}

const kb = loadKnowledgeBase();
const identifier = createIdentifier(kb);
let harness: Harness;
let jobs: BackupJob[];

beforeAll(async () => {
  harness = await startHarness();
  const now = new Date();
  jobs = await harness.gateway.listFailedBackupJobs(PROD_VAULT, { from: new Date(now.getTime() - 7 * 86_400_000), to: now });
}, 30_000);

afterAll(async () => {
  await harness.sim.close();
});

test('every seeded failed job gets the same code on the incident card, from "why did X fail?" and from fix verification', async () => {
  const expected = seededCodes();
  expect(jobs.length).toBe(expected.size);
  // The alert path's identifier is memoized and adapted; it must still answer as the shared one does.
  const alertIdentifier = memoizedIdentifier(codeIdentifierOf(identifier));
  const questions = createResourceQuestions({ azure: harness.gateway, identifier, clock: systemClock, watchedVaults: [PROD_VAULT] });
  for (const job of jobs) {
    const seeded = expected.get(job.id);
    const incidentCard = jobToAlert(job, alertIdentifier, new Date()).errorCode;
    const reloaded = await questions.reloadFailedJob({ vaultName: job.vault.name, resourceGroup: job.vault.resourceGroup, jobId: job.id });
    const question = reloaded.kind === 'failure' && reloaded.failure.code.kind === 'identified' ? reloaded.failure.code.codeId : reloaded.kind;
    const verification = jobCode(job, identifier);
    expect({ vm: job.vmName, incidentCard, question, verification }).toEqual({ vm: job.vmName, incidentCard: seeded, question: seeded, verification: seeded });
  }
});

test('BackUpOperationFailed and V2 share their message: the aka.ms link tells them apart, and without it the bot says it cannot tell', () => {
  const shared = 'Backup failed with an internal error - Please retry the operation in a few minutes';
  const v2 = jobs.find((j) => j.vmName === 'vm-linux02') as BackupJob;
  expect(v2.errors[0]?.message).toBe(shared);
  expect(sharedJobCode(v2, identifier)).toEqual({ kind: 'identified', codeId: 'BackUpOperationFailedV2' });

  const unlinked: BackupJob = { ...v2, errors: [{ message: shared, recommendations: [] }] };
  const unlinkedCode = sharedJobCode(unlinked, identifier);
  expect(unlinkedCode.kind).toBe('ambiguous');
  expect(unlinkedCode.kind === 'ambiguous' ? [...unlinkedCode.codeIds].sort() : []).toEqual(['BackUpOperationFailed', 'BackUpOperationFailedV2']);
  // An ambiguity is never a guess: no incident code, no verification code.
  expect(jobToAlert(unlinked, memoizedIdentifier(codeIdentifierOf(identifier)), new Date()).errorCode).toBeUndefined();
  expect(jobCode(unlinked, identifier)).toBeUndefined();

  // A webhook alert with the shared message and the link as a hint is grouped under the linked code too.
  const alert: BackupAlert = { source: 'minimal', condition: 'fired', vault: { name: 'rsv-prod-weu' }, vm: { name: 'vm-linux02' }, message: shared, codeHints: ['https://aka.ms/AB-BackUpOperationFailedV2'], occurredAt: new Date() };
  expect(identifyAlertCode(alert, codeIdentifierOf(identifier))).toBe('BackUpOperationFailedV2');
});

test('a documented numeric code counts as exactly as the code name, on every path', () => {
  const documented = kb.codes.find((c) => c.numericCodes.length > 0);
  expect(documented).toBeDefined();
  const code = documented as (typeof kb.codes)[number];
  const job: BackupJob = { id: 'j1', vault: PROD_VAULT, vmName: 'vm-x', operation: 'Backup', status: 'Failed', errors: [{ numericCode: code.numericCodes[0] as number, message: 'Something went wrong', recommendations: [] }] };
  expect(sharedJobCode(job, identifier)).toEqual({ kind: 'identified', codeId: code.id });
  expect(jobToAlert(job, memoizedIdentifier(codeIdentifierOf(identifier)), new Date()).errorCode).toBe(code.id);
  expect(jobCode(job, identifier)).toBe(code.id);
});
