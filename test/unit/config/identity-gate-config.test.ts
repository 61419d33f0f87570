import { parseConfig } from '../../../src/config';
import { admitActivity } from '../../../src/channels/teams/teams-bot';
import { isCodedError } from '../../../src/core/errors';

const msi = { MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppId: 'client-id', MicrosoftAppTenantId: 'Tenant-A', ALERTS_SHARED_SECRET: 'test-alerts-secret-0123456789' };

describe('ALLOWED_TENANT_IDS and the entry check', () => {
  test('production serves only Teams, in the app\'s own tenant unless ALLOWED_TENANT_IDS lists others', () => {
    expect(parseConfig(msi).identityGate).toEqual({ teamsOnly: true, allowedTenantIds: ['tenant-a'] });
    expect(parseConfig({ ...msi, ALLOWED_TENANT_IDS: 'tenant-b, tenant-c' }).identityGate).toEqual({ teamsOnly: true, allowedTenantIds: ['tenant-b', 'tenant-c'] });
  });

  test('production with a MultiTenant app and no tenant refuses to start, naming ALLOWED_TENANT_IDS', () => {
    let error: unknown;
    try {
      parseConfig({ MicrosoftAppId: 'id', MicrosoftAppPassword: 'pw' });
    } catch (e) {
      error = e;
    }
    expect(isCodedError(error) && error.code).toBe('config_invalid');
    expect((error as Error).message).toContain('ALLOWED_TENANT_IDS');
    expect(parseConfig({ MicrosoftAppId: 'id', MicrosoftAppPassword: 'pw', ALLOWED_TENANT_IDS: 't1', ALERTS_SHARED_SECRET: 'test-alerts-secret-0123456789' }).identityGate.allowedTenantIds).toEqual(['t1']);
  });

  test('local mode (the Agents Playground) checks nothing unless ALLOWED_TENANT_IDS is set', () => {
    expect(parseConfig({ BOT_MODE: 'local' }).identityGate).toEqual({ teamsOnly: false, allowedTenantIds: [] });
    expect(parseConfig({ BOT_MODE: 'local', ALLOWED_TENANT_IDS: 'tenant-1' }).identityGate).toEqual({ teamsOnly: true, allowedTenantIds: ['tenant-1'] });
  });

  test('an activity is admitted only from msteams with every tenant it names allowed', () => {
    const gate = { teamsOnly: true, allowedTenantIds: ['tenant-a'] };
    const teams = { channelId: 'msteams', conversation: { tenantId: 'TENANT-A' } as never, channelData: { tenant: { id: 'tenant-a' } } };
    expect(admitActivity(gate, teams)).toEqual({ admitted: true });
    expect(admitActivity(gate, { ...teams, channelId: 'webchat' })).toEqual({ admitted: false, reason: 'channel' });
    expect(admitActivity(gate, { ...teams, channelData: { tenant: { id: 'evil' } } })).toEqual({ admitted: false, reason: 'tenant' });
    expect(admitActivity(gate, { channelId: 'msteams', conversation: {} as never, channelData: undefined })).toEqual({ admitted: false, reason: 'tenant' });
    expect(admitActivity(undefined, { ...teams, channelId: 'webchat' })).toEqual({ admitted: true });
  });
});
