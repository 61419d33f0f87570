import { AlertIntake } from '../../../src/alerts/alert-intake';
import type { AcceptInput, AcceptOutcome } from '../../../src/core/incidents/accept-alert';
import type { AlertAcceptor } from '../../../src/core/incidents/alert-acceptor';
import type { BackupAlert } from '../../../src/core/incidents/backup-alert';
import { fakeIdentifier } from './fake-identifier';

const now = new Date('2026-12-05T02:00:00Z');

function alert(jobId: string): BackupAlert {
  return { source: 'minimal', condition: 'fired', vault: { name: 'vault-a' }, vm: { name: 'vm-1' }, codeHints: ['UserErrorGuestAgentStatusUnavailable'], occurredAt: now, jobId };
}

/** A ledger that records the batches it is given and accepts every alert. */
function recordingLedger(): { ledger: AlertAcceptor; batches: string[][] } {
  const batches: string[][] = [];
  const ledger: AlertAcceptor = {
    acceptMany: async (inputs: readonly AcceptInput[]) => {
      batches.push(inputs.map((i) => i.alert.jobId ?? ''));
      return inputs.map((i): AcceptOutcome => ({ kind: 'grouped', alertId: `alert-${i.alert.jobId}`, incidentId: 'incident-1', changed: true, opened: false }));
    },
    groupPending: () => Promise.reject(new Error('not used')),
    subscribe: () => Promise.reject(new Error('not used')),
  };
  return { ledger, batches };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('AlertIntake: group commit', () => {
  it('gathers the alerts of a storm that arrive over two turns of the event loop into one batch', async () => {
    const { ledger, batches } = recordingLedger();
    const intake = new AlertIntake({ ledger, identifier: fakeIdentifier, clock: { now: () => now }, canLookUpJobs: false });
    const first = [intake.submit(alert('job-1')), intake.submit(alert('job-2'))];
    await nextTurn();
    // The requests the event loop read in its next turn.
    const second = [intake.submit(alert('job-3')), intake.submit(alert('job-4'))];
    const outcomes = await Promise.all([...first, ...second]);

    expect(batches).toEqual([['job-1', 'job-2', 'job-3', 'job-4']]);
    expect(outcomes.map((o) => o.alertId)).toEqual(['alert-job-1', 'alert-job-2', 'alert-job-3', 'alert-job-4']);
  });

  it('accepts a lone alert after one more turn', async () => {
    const { ledger, batches } = recordingLedger();
    const intake = new AlertIntake({ ledger, identifier: fakeIdentifier, clock: { now: () => now }, canLookUpJobs: false });
    const outcome = intake.submit(alert('job-1'));
    await nextTurn();
    expect(batches).toEqual([]);
    await expect(outcome).resolves.toMatchObject({ kind: 'grouped', alertId: 'alert-job-1' });
    expect(batches).toEqual([['job-1']]);
  });

  it('commits at the first turn once a batch is full, and the rest after', async () => {
    const { ledger, batches } = recordingLedger();
    const intake = new AlertIntake({ ledger, identifier: fakeIdentifier, clock: { now: () => now }, canLookUpJobs: false, gatherUpTo: 3, maxBatch: 4 });
    const submitted = ['job-1', 'job-2', 'job-3', 'job-4', 'job-5'].map((id) => intake.submit(alert(id)));
    await nextTurn();
    expect(batches).toEqual([['job-1', 'job-2', 'job-3', 'job-4']]);
    await Promise.all(submitted);
    expect(batches).toEqual([['job-1', 'job-2', 'job-3', 'job-4'], ['job-5']]);
  });
});
