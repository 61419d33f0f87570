import { type ResourceQuestion, parseResourceQuestion } from '../../../src/core/questions';

type Case = readonly [text: string, expected: ResourceQuestion];

const explain: Case[] = [
  ['why did the backup of vm-sql01 fail?', { kind: 'explain-failure', vmName: 'vm-sql01' }],
  ["what happened to vm-sql01's backup", { kind: 'explain-failure', vmName: 'vm-sql01' }],
  ['What happened to the backup of VM-SQL01?', { kind: 'explain-failure', vmName: 'VM-SQL01' }],
  ['why did vm-web01 fail', { kind: 'explain-failure', vmName: 'vm-web01' }],
  ['why is the backup of vm sqlprod failing', { kind: 'explain-failure', vmName: 'sqlprod' }],
  ['latest failure of vm-app02', { kind: 'explain-failure', vmName: 'vm-app02' }],
  ['why did the bakcup of vm-sql01 fial?', { kind: 'explain-failure', vmName: 'vm-sql01' }],
  ['Why did the backup of `vm-sql01` fail?', { kind: 'explain-failure', vmName: 'vm-sql01' }],
  ['dlaczego kopia zapasowa vm-sql01 się nie powiodła?', { kind: 'explain-failure', vmName: 'vm-sql01', language: 'pl' }],
  ['dlaczego kopia zapasowa vm-sql01 sie nie powiodla', { kind: 'explain-failure', vmName: 'vm-sql01', language: 'pl' }],
  ['czemu backup vm-sql01 padł', { kind: 'explain-failure', vmName: 'vm-sql01', language: 'pl' }],
  ['dlaczgo backup vm-sql01 nie działa?', { kind: 'explain-failure', vmName: 'vm-sql01', language: 'pl' }],
  ['co się stało z kopią vm-linux01?', { kind: 'explain-failure', vmName: 'vm-linux01', language: 'pl' }],
  ['ostatni błąd kopii vm-sql01', { kind: 'explain-failure', vmName: 'vm-sql01', language: 'pl' }],
];

const list: Case[] = [
  ['failed backups today', { kind: 'list-failures', window: { kind: 'today' } }],
  ['Failed backups today?', { kind: 'list-failures', window: { kind: 'today' } }],
  ['failed backups in the last 24 hours', { kind: 'list-failures', window: { kind: 'last-hours', hours: 24 } }],
  ['failed backups last 48h', { kind: 'list-failures', window: { kind: 'last-hours', hours: 48 } }],
  ['what failed in the last 7 days?', { kind: 'list-failures', window: { kind: 'last-hours', hours: 168 } }],
  ['which backups failed yesterday', { kind: 'list-failures', window: { kind: 'yesterday' } }],
  ['faild bakups yesterday', { kind: 'list-failures', window: { kind: 'yesterday' } }],
  ['show failed backups', { kind: 'list-failures', window: { kind: 'last-hours', hours: 24 } }],
  ['backup failures', { kind: 'list-failures', window: { kind: 'last-hours', hours: 24 } }],
  ['failed backups in vault rsv-prod-weu today', { kind: 'list-failures', window: { kind: 'today' }, vaultName: 'rsv-prod-weu' }],
  ['nieudane kopie zapasowe dzisiaj', { kind: 'list-failures', window: { kind: 'today' }, language: 'pl' }],
  ['nieudane kopie zapasowe dziś', { kind: 'list-failures', window: { kind: 'today' }, language: 'pl' }],
  ['nieudane kopie z ostatnich 48 godzin', { kind: 'list-failures', window: { kind: 'last-hours', hours: 48 }, language: 'pl' }],
  ['pokaż nieudane zadania z ostatnich 24h', { kind: 'list-failures', window: { kind: 'last-hours', hours: 24 }, language: 'pl' }],
  ['co padło wczoraj?', { kind: 'list-failures', window: { kind: 'yesterday' }, language: 'pl' }],
];

const status: Case[] = [
  ['status of vault rsv-prod-weu', { kind: 'vault-status', vaultName: 'rsv-prod-weu' }],
  ['vault rsv-prod-weu status', { kind: 'vault-status', vaultName: 'rsv-prod-weu' }],
  ['vault rsv-prod-weu', { kind: 'vault-status', vaultName: 'rsv-prod-weu' }],
  ['health of rsv-prod-weu', { kind: 'vault-status', vaultName: 'rsv-prod-weu' }],
  ['status magazynu rsv-prod-weu', { kind: 'vault-status', vaultName: 'rsv-prod-weu', language: 'pl' }],
  ['stan magazynu rsv-prod-weu', { kind: 'vault-status', vaultName: 'rsv-prod-weu', language: 'pl' }],
];

describe('questions about resources are recognised in English and Polish', () => {
  test.each([...explain, ...list, ...status])('%s', (text, expected) => {
    expect(parseResourceQuestion(text)).toEqual(expected);
  });
});

describe('anything else is left to error identification and the other commands', () => {
  test.each([
    'UserErrorGuestAgentStatusUnavailable',
    'Backup failed with an internal error - Please retry the operation in a few minutes',
    'Snapshot operation failed due to no network connectivity on the virtual machine',
    'Could not communicate with the VM agent for snapshot status',
    'VM Agent unable to communicate with Azure Backup',
    'Nie można nawiązać komunikacji z usługą Azure Backup agent maszyny Wirtualnej',
    'Operacja tworzenia migawki nie powiodła się z powodu braku łączności sieciowej na maszynie wirtualnej',
    '{"error":{"code":"UserErrorGuestAgentStatusUnavailable"}}',
    'help',
    'pomoc',
    'codes',
    'subscribe vault rsv-prod-weu',
    'unsubscribe',
    'why did the backup fail?',
    'hello there',
    'an error code gives its card: code, message, cause 1 of n and every cause in the documented order',
    '"Still failing" on every cause ends with what to send to Microsoft support',
    'takes a failing VM from the cause card through plan and approval',
    'the cause of the error is the agent',
    '',
    `why did the backup of vm-sql01 fail? ${'x'.repeat(300)}`,
  ])('%j', (text) => {
    expect(parseResourceQuestion(text)).toBeUndefined();
  });
});
