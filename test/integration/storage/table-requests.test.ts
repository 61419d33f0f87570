import { type StateTableKind, type TableOperation, type TableRequestOutcome, createStateTables } from '../../../src/storage/table-client';
import { alertSecret, metricsText, metricValue, minimalAlert, postAlert } from '../alerts/alert-test-kit';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { uniqueContainerName, uniqueTablePrefix, useAzuriteAccount } from './azurite';

/**
 * Every request to the shared state's tables is counted by how it ended, so an operator running
 * several instances sees the storage transactions each alert costs and the compare-and-swaps one
 * instance lost to another (`conflict`), on /metrics.
 */

const account = useAzuriteAccount();

type Seen = [StateTableKind, TableOperation, TableRequestOutcome];

function recordingTables(): { seen: Seen[]; tables: ReturnType<typeof createStateTables> } {
  const seen: Seen[] = [];
  const tables = createStateTables({ connectionString: account()?.connectionString, tablePrefix: uniqueTablePrefix('req') }, undefined, (table, operation, outcome) => seen.push([table, operation, outcome]));
  return { seen, tables };
}

test('a table reports each request with its outcome: a lost create, a stale replace and a missing key are told apart from errors', async () => {
  const { seen, tables } = recordingTables();
  const inbox = tables('inbox');
  const etag = await inbox.create({ partitionKey: 'p', rowKey: 'r', status: 'new' });
  expect(etag).toEqual(expect.any(String));
  // Another instance got there first: a normal outcome, counted as a conflict.
  expect(await inbox.create({ partitionKey: 'p', rowKey: 'r', status: 'other' })).toBeUndefined();
  expect(await inbox.get('p', 'missing')).toBeUndefined();
  const current = await inbox.get<{ status: string }>('p', 'r');
  expect(current?.status).toBe('new');
  expect(await inbox.replace({ partitionKey: 'p', rowKey: 'r', status: 'moved' }, current?.etag ?? '')).toEqual(expect.any(String));
  // The ETag read before the replace is stale now.
  expect(await inbox.replace({ partitionKey: 'p', rowKey: 'r', status: 'late' }, current?.etag ?? '')).toBeUndefined();
  expect(await inbox.transact([['update', { partitionKey: 'p', rowKey: 'r', status: 'late' }, 'Replace', { etag: current?.etag ?? '' }]])).toBe(false);
  expect((await inbox.all<{ status: string }>("PartitionKey eq 'p'")).map((e) => e.status)).toEqual(['moved']);
  expect(seen).toEqual([
    ['inbox', 'create', 'ok'],
    // Each refused write reads the entity back once: it may be this write's own earlier try, landed.
    ['inbox', 'create', 'conflict'],
    ['inbox', 'get', 'ok'],
    ['inbox', 'get', 'not_found'],
    ['inbox', 'get', 'ok'],
    ['inbox', 'replace', 'ok'],
    ['inbox', 'replace', 'conflict'],
    ['inbox', 'get', 'ok'],
    ['inbox', 'transact', 'conflict'],
    ['inbox', 'get', 'ok'],
    ['inbox', 'query', 'ok'],
  ]);
});

test('a request the store refuses for another reason is counted as an error and still thrown', async () => {
  const { seen, tables } = recordingTables();
  // A string property is at most 64 KB: the service answers 400 PropertyValueTooLarge, which is no race.
  await expect(tables('outbox').put({ partitionKey: 'p', rowKey: 'r', entry: 'x'.repeat(70_000) })).rejects.toThrow(/PropertyValueTooLarge/);
  expect(seen).toEqual([['outbox', 'put', 'error']]);
});

describe('the app on STATE_STORE=blob', () => {
  let bot: TestBot;
  let cleanup: () => void;
  beforeAll(async () => {
    const file = tempStateFile();
    cleanup = file.cleanup;
    bot = await startTestBot(file.file, {
      STATE_STORE: 'blob',
      STATE_BLOB_CONNECTION_STRING: account()?.connectionString ?? '',
      STATE_BLOB_CONTAINER: uniqueContainerName('requests'),
      STATE_TABLE_PREFIX: uniqueTablePrefix('requests'),
      ALERTS_SHARED_SECRET: alertSecret,
      POLL_INTERVAL_MINUTES: '0',
    }, { alerts: { startWorkers: false } });
  }, 60_000);
  afterAll(async () => {
    await bot?.stop();
    cleanup?.();
  });

  test('/metrics counts the table requests an alert cost, and a retried alert costs one read', async () => {
    const count = (text: string, labels: Record<string, string>) => metricValue(text, 'backup_doctor_state_table_requests_total', labels) ?? 0;
    // Each scrape reads the outbox's depth (one query): what the alerts cost is the rest.
    const requests = async (labels: Record<string, string> = {}) => {
      const text = await metricsText(bot.running.url);
      return count(text, labels) - (Object.keys(labels).length === 0 ? count(text, { table: 'outbox', operation: 'query' }) : 0);
    };
    const alert = minimalAlert('rsv-metrics', 'vm-metrics-1', 'UserErrorGuestAgentStatusUnavailable', 'job-metrics-1');
    expect((await postAlert(bot.running.url, alert)).status).toBe(202);
    // The dedupe key was not stored yet; then the group is committed and the key stored.
    expect(await requests({ table: 'inbox', operation: 'get', outcome: 'not_found' })).toBe(1);
    expect(await requests({ table: 'incidents', operation: 'transact', outcome: 'ok' })).toBe(1);
    expect(await requests({ table: 'inbox', operation: 'create', outcome: 'ok' })).toBe(1);
    expect(await requests({ outcome: 'error' })).toBe(0);
    const afterFirst = await requests();
    // The sender retries the same alert: the stored dedupe key answers at once.
    const retried = await postAlert(bot.running.url, alert);
    expect(retried.body['status']).toBe('duplicate');
    expect(await requests()).toBe(afterFirst + 1);
    expect(await requests({ table: 'inbox', operation: 'get', outcome: 'ok' })).toBe(1);
  });

  test('an alert past the group\'s latest incident window (a new storm) opens an incident without querying older ones', async () => {
    const count = async (labels: Record<string, string>) => metricValue(await metricsText(bot.running.url), 'backup_doctor_state_table_requests_total', labels) ?? 0;
    const earlier = { ...minimalAlert('rsv-storms', 'vm-storm-1', 'UserErrorGuestAgentStatusUnavailable', 'job-storm-1'), occurredAt: new Date(Date.now() - 3 * 3_600_000).toISOString() };
    const first = await postAlert(bot.running.url, earlier);
    const queriesBefore = await count({ table: 'incidents', operation: 'query' });
    const later = await postAlert(bot.running.url, minimalAlert('rsv-storms', 'vm-storm-2', 'UserErrorGuestAgentStatusUnavailable', 'job-storm-2'));
    expect(later.body['incidentId']).not.toBe(first.body['incidentId']);
    expect(await count({ table: 'incidents', operation: 'query' })).toBe(queriesBefore);
  });
});
