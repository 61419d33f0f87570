import { parseConfig } from '../../../src/config';
import { tableStateSettings } from '../../../src/storage/azure-state-stores';
import { createStateTables, tableKey } from '../../../src/storage/table-client';

const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };

describe('table state settings', () => {
  test('the tables live in the blob account unless STATE_TABLE_ACCOUNT_URL says otherwise; the prefix is checked', () => {
    const onBlob = parseConfig({ BOT_MODE: 'local', STATE_STORE: 'blob', STATE_BLOB_ACCOUNT_URL: 'https://acct.blob.core.windows.net/bot' });
    expect(onBlob.state).toMatchObject({ tableAccountUrl: 'https://acct.table.core.windows.net/', tablePrefix: 'backupdoctor' });
    const elsewhere = parseConfig({ BOT_MODE: 'local', STATE_STORE: 'blob', STATE_BLOB_ACCOUNT_URL: 'https://acct.blob.core.windows.net/', STATE_TABLE_ACCOUNT_URL: 'https://other.table.core.windows.net/', STATE_TABLE_PREFIX: 'bdProd1' });
    expect(tableStateSettings(elsewhere)).toMatchObject({ accountUrl: 'https://other.table.core.windows.net/', tablePrefix: 'bdProd1' });
    expect(() => parseConfig({ BOT_MODE: 'local', STATE_TABLE_PREFIX: 'bad-prefix' })).toThrow(/STATE_TABLE_PREFIX/);
    expect(() => parseConfig({ BOT_MODE: 'local', STATE_TABLE_PREFIX: '1abc' })).toThrow(/STATE_TABLE_PREFIX/);
  });

  test('production signs in with the managed identity on the table endpoint, one table per kind of record', () => {
    const tables = createStateTables({ accountUrl: 'https://acct.table.core.windows.net/', tablePrefix: 'backupdoctor' }, credential);
    expect(tables('outbox').client.url).toBe('https://acct.table.core.windows.net/');
    expect(tables('outbox').client.tableName).toBe('backupdoctoroutbox');
    expect(tables('outbox')).toBe(tables('outbox'));
    expect(() => createStateTables({ tablePrefix: 'backupdoctor' })('inbox')).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    const blobOnly = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';
    expect(() => createStateTables({ connectionString: blobOnly, tablePrefix: 'backupdoctor' })('inbox')).toThrow(expect.objectContaining({ code: 'config_invalid', details: { setting: 'STATE_BLOB_CONNECTION_STRING' } }));
  });

  test('any id becomes a legal, distinct table key, long ones by their hash', () => {
    const ids = ['19:abc@thread.tacv2', 'a/b\\c#d?e', 'T0123:C456', 'x'.repeat(2000), 'x'.repeat(2001), 'ó\u0001'];
    const keys = ids.map(tableKey);
    for (const key of keys) {
      expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(key.length).toBeLessThanOrEqual(513);
    }
    expect(new Set(keys).size).toBe(ids.length);
  });
});
