import type { InboxEntry } from '../../../src/core/incidents/ports';
import { createStateTables } from '../../../src/storage/table-client';
import { TableAlertInbox } from '../../../src/storage/table-alert-inbox';
import { uniqueTablePrefix, useAzurite } from './azurite';
import { type LossyProxy, startLossyProxy } from './lossy-proxy';

/**
 * An alert's inbox insert whose first try landed but whose answer was lost: the SDK retries it,
 * and the retry is refused as a conflict with the entry it wrote itself. That is the alert
 * stored (the 202 says "grouped", the poller counts it new), not a duplicate of another.
 */
const azurite = useAzurite('table');

const entry = (id: string): InboxEntry => ({
  id,
  dedupeKey: 'fired:job:job-1',
  alert: { source: 'minimal', condition: 'fired', vault: { name: 'rsv-prod' }, vm: { name: 'vm-1' }, codeHints: [], occurredAt: new Date('2026-03-01T10:00:00Z'), jobId: 'job-1' },
  code: 'UserErrorGuestAgentStatusUnavailable',
  status: 'grouped',
  incidentId: 'inc-1',
  receivedAt: new Date('2026-03-01T10:00:01Z'),
});

describe('Azure Tables alert inbox: an insert whose answer was lost after it landed', () => {
  let proxy: LossyProxy;
  let inbox: TableAlertInbox;

  beforeEach(async () => {
    const running = azurite();
    if (!running) throw new Error('Azurite is not running');
    proxy = await startLossyProxy(running.port);
    const throughProxy = running.connectionString.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${proxy.port}`);
    inbox = new TableAlertInbox(createStateTables({ connectionString: throughProxy, tablePrefix: uniqueTablePrefix('lost') })('inbox'));
  });
  afterEach(() => proxy.close());

  test('counts as inserted, once', async () => {
    const intoInbox = (method: string, path: string) => method === 'POST' && path.endsWith('inbox');
    proxy.loseAnswerOf(intoInbox);

    expect(await inbox.insert(entry('alert-1'))).toMatchObject({ inserted: true, entry: { id: 'alert-1' } });
    expect(proxy.seen.filter((line) => /^POST \S*inbox\b/.test(line))).toEqual([expect.stringContaining('(answer lost)'), expect.not.stringContaining('(answer lost)')]);
    // Another alert with the same job is still the duplicate of the stored one.
    expect(await inbox.insert(entry('alert-2'))).toMatchObject({ inserted: false, entry: { id: 'alert-1' } });
  });
});
