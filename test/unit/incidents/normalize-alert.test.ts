import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertDedupeKey } from '../../../src/core/incidents/backup-alert';
import { identifyAlertCode } from '../../../src/core/incidents/identify-alert-code';
import { normaliseAlert } from '../../../src/core/incidents/normalize-alert';
import { fakeIdentifier } from './fake-identifier';

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(__dirname, '../../fixtures/alerts', name), 'utf8')) as Record<string, unknown>;
const now = new Date('2025-01-01T04:00:00Z');

function ok(body: unknown) {
  const r = normaliseAlert(body, now);
  if (!r.ok) throw new Error(`expected ok, got ${r.field}: ${r.reason}`);
  return r.alert;
}

describe('normaliseAlert', () => {
  it('reads the captured Azure Backup alert: vault from alertTargetIDs in its own spelling, VM, job id, message and hints', () => {
    const a = ok(fixture('common-sql-real.json'));
    expect(a.source).toBe('azure-monitor-backup');
    expect(a.condition).toBe('fired');
    expect(a.vault).toEqual({ name: 'Vault-Prod-WEU', subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-backup' });
    expect(a.vm).toEqual({ name: 'sqlvm01', resourceGroup: 'rg-sql', subscriptionId: '00000000-0000-0000-0000-000000000001' });
    expect(a.jobId).toBe('aaaaaaaa-0000-0000-0000-000000000001');
    expect(a.message).toBe('First full backup is missing for this datasource.');
    expect(a.occurredAt.toISOString()).toBe('2026-03-13T11:56:13.939Z');
    expect(identifyAlertCode(a, fakeIdentifier)).toBe('UserErrorParentFullBackupMissing');
  });

  it('reads the Azure VM variant and identifies the code from the message', () => {
    const a = ok(fixture('common-vm.json'));
    expect(a.vm.name).toBe('app-vm-01');
    expect(identifyAlertCode(a, fakeIdentifier)).toBe('UserErrorGuestAgentStatusUnavailable');
  });

  it('falls back to the lower-cased code inside originAlertId when the message is unknown', () => {
    const body = fixture('common-vm.json') as { data: { essentials: Record<string, unknown>; alertContext: { extendedInfo: Record<string, unknown> } } };
    body.data.essentials['description'] = 'Something the catalogue has never seen';
    body.data.alertContext.extendedInfo['recommendedActions'] = null;
    expect(identifyAlertCode(ok(body), fakeIdentifier)).toBe('UserErrorGuestAgentStatusUnavailable');
  });

  it('reads a Resolved alert as a recovery at its resolved time', () => {
    const body = fixture('common-vm.json') as { data: { essentials: Record<string, unknown> } };
    body.data.essentials['monitorCondition'] = 'Resolved';
    body.data.essentials['resolvedDateTime'] = '2025-01-01T05:00:00Z';
    const a = ok(body);
    expect(a.condition).toBe('resolved');
    expect(a.occurredAt.toISOString()).toBe('2025-01-01T05:00:00.000Z');
  });

  it('reads the Backup Health Events metric alert: VM from DatasourceId, no code, the health status', () => {
    const a = ok(fixture('metric-health.json'));
    expect(a.source).toBe('azure-monitor-metric');
    expect(a.vm.name).toBe('app-vm-02');
    expect(a.healthStatus).toBe('Persistent Unhealthy');
    expect(a.jobId).toBeUndefined();
    expect(identifyAlertCode(a, fakeIdentifier)).toBeUndefined();
  });

  it('treats a metric alert back at Healthy as a recovery', () => {
    const body = fixture('metric-health.json') as { data: { alertContext: { condition: { allOf: Array<{ dimensions: Array<{ name: string; value: string }> }> } } } };
    body.data.alertContext.condition.allOf[0]!.dimensions[2]!.value = 'Healthy';
    expect(ok(body).condition).toBe('resolved');
  });

  it('reads the minimal JSON, with "now" when it carries no time', () => {
    const a = ok(fixture('minimal.json'));
    expect(a).toMatchObject({ source: 'minimal', vault: { name: 'vault-prod-weu' }, vm: { name: 'app-vm-03' }, errorCode: 'UserErrorGuestAgentStatusUnavailable' });
    expect(a.occurredAt).toEqual(now);
    expect(identifyAlertCode(a, fakeIdentifier)).toBe('UserErrorGuestAgentStatusUnavailable');
  });

  it('keeps a stated code the catalogue does not know (it still groups)', () => {
    expect(identifyAlertCode(ok({ vault: 'v1', vm: 'vm1', errorCode: 'BrandNewCode' }), fakeIdentifier)).toBe('BrandNewCode');
  });

  it('gives the webhook and the poller the same dedupe key for one job', () => {
    const a = ok({ vault: 'v1', vm: 'vm1', message: 'x', jobId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v1/backupJobs/BBBBBBBB-0000-0000-0000-000000000001' });
    const b = ok(fixture('common-vm.json'));
    expect(alertDedupeKey(a)).toBe(alertDedupeKey(b));
  });

  it.each([
    ['not an object', [1, 2], '(body)'],
    ['no known shape', { hello: 'world' }, 'schemaId'],
    ['wrong schemaId', { schemaId: 'other', data: {} }, 'schemaId'],
    ['minimal without vm', { vault: 'v1', errorCode: 'Abc' }, 'vm'],
    ['minimal without code or message', { vault: 'v1', vm: 'vm1' }, 'errorCode'],
    ['minimal bad vault', { vault: '1-bad', vm: 'vm1', errorCode: 'Abc' }, 'vault'],
    ['minimal unknown field', { vault: 'v1', vm: 'vm1', errorCode: 'Abc', errrorCode: 'x' }, 'errrorCode'],
    ['minimal bad condition', { vault: 'v1', vm: 'vm1', errorCode: 'Abc', condition: 'maybe' }, 'condition'],
  ])('names the wrong field: %s', (_name, body, field) => {
    const r = normaliseAlert(body, now);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.field).toBe(field);
  });
});
