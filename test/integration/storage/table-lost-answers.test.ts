import type { InboxEntry } from '../../../src/core/incidents/ports';
import { createStateTables, type StateTable } from '../../../src/storage/table-client';
import { TableAlertInbox } from '../../../src/storage/table-alert-inbox';
import { uniqueTablePrefix, useAzurite } from './azurite';
import { type LossyProxy, startLossyProxy } from './lossy-proxy';

/**
 * Table writes whose first try landed but whose answer was lost: the SDK retries them, and the
 * retry is refused by its own condition (409 for a create, 412 for If-Match or a transaction).
 * Each is still the write landing, once: an alert's inbox insert is the alert stored (the 202
 * says "grouped", the poller counts it new), not a duplicate of another; an incident's commit
 * (a transaction) is not decided again on top of itself.
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

describe('Azure Tables: a write whose answer was lost after it landed', () => {
  let proxy: LossyProxy;
  let table: StateTable;
  let inbox: TableAlertInbox;

  beforeEach(async () => {
    const running = azurite();
    if (!running) throw new Error('Azurite is not running');
    proxy = await startLossyProxy(running.port);
    const throughProxy = running.connectionString.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${proxy.port}`);
    table = createStateTables({ connectionString: throughProxy, tablePrefix: uniqueTablePrefix('lost') })('inbox');
    inbox = new TableAlertInbox(table);
  });
  afterEach(() => proxy.close());

  test('an alert inbox insert counts as inserted, once', async () => {
    const intoInbox = (method: string, path: string) => method === 'POST' && path.endsWith('inbox');
    proxy.loseAnswerOf(intoInbox);

    expect(await inbox.insert(entry('alert-1'))).toMatchObject({ inserted: true, entry: { id: 'alert-1' } });
    expect(proxy.seen.filter((line) => /^POST \S*inbox\b/.test(line))).toEqual([expect.stringContaining('(answer lost)'), expect.not.stringContaining('(answer lost)')]);
    // Another alert with the same job is still the duplicate of the stored one.
    expect(await inbox.insert(entry('alert-2'))).toMatchObject({ inserted: false, entry: { id: 'alert-1' } });
  });

  test('a replace If-Match returns its new ETag, and a replace with the old ETag is still refused', async () => {
    const created = await table.create({ partitionKey: 'p', rowKey: 'r', status: 'new' });
    proxy.loseAnswerOf((method, path) => method === 'PUT' && path.includes('inbox('));

    expect(await table.replace({ partitionKey: 'p', rowKey: 'r', status: 'moved' }, created ?? '')).toEqual(expect.any(String));
    expect(proxy.seen.some((line) => line.endsWith('(answer lost)'))).toBe(true);
    expect(await table.replace({ partitionKey: 'p', rowKey: 'r', status: 'late' }, created ?? '')).toBeUndefined();
    expect((await table.get<{ status: string }>('p', 'r'))?.status).toBe('moved');
  });

  test('a transaction counts as committed, and the same transaction again is refused', async () => {
    await table.ready();
    const commit = () => table.transact([['create', { partitionKey: 'p', rowKey: 'head', incidentId: 'inc-1' }], ['upsert', { partitionKey: 'p', rowKey: 'row', alerts: 1 }, 'Replace']]);
    proxy.loseAnswerOf((method, path) => method === 'POST' && path.endsWith('$batch'));

    expect(await commit()).toBe(true);
    expect(proxy.seen.some((line) => line.endsWith('(answer lost)'))).toBe(true);
    expect(await commit()).toBe(false);
  });
});
