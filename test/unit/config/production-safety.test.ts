import { parseConfig } from '../../../src/config';
import { isCodedError } from '../../../src/core/errors';

/** What the ARM template gives the app (managed identity, blob state), without the alert webhook's settings: production must refuse what it cannot work with, naming the setting. */
const production = {
  BOT_MODE: 'production',
  MicrosoftAppType: 'UserAssignedMSI',
  MicrosoftAppId: '00000000-0000-0000-0000-000000000001',
  MicrosoftAppTenantId: '00000000-0000-0000-0000-000000000002',
  AZURE_MANAGED_IDENTITY_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
  STATE_STORE: 'blob',
  STATE_BLOB_ACCOUNT_URL: 'https://stbackupdoctor.blob.core.windows.net/',
};

function configError(env: Record<string, string>): { code: string; message: string } {
  try {
    parseConfig(env);
  } catch (error) {
    if (isCodedError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected parseConfig to throw');
}

describe('production refuses to start without what it needs', () => {
  test('POST /api/alerts without any authentication (no ALERTS_SHARED_SECRET, no ALERTS_AAD_*) stops start-up, naming the settings', () => {
    const e = configError(production);
    expect(e.code).toBe('config_invalid');
    expect(e.message).toContain('ALERTS_SHARED_SECRET');
  });

  test('half an Entra ID set-up for the secure webhook (audience without issuer) stops start-up instead of silently turning it off', () => {
    const e = configError({ ...production, ALERTS_SHARED_SECRET: 'a-shared-secret-0123456789abcdef', ALERTS_AAD_AUDIENCE: 'api://backup-doctor-alerts' });
    expect(e.code).toBe('config_invalid');
    expect(e.message).toContain('ALERTS_AAD_ISSUER');
  });

  test.each([
    ['STATE_BLOB_ACCOUNT_URL', 'foo:bar'],
    ['STATE_BLOB_ACCOUNT_URL', 'http://stbackupdoctor.blob.core.windows.net/'],
    ['STATE_TABLE_ACCOUNT_URL', 'table:stbackupdoctor'],
  ])('a state store URL that the managed identity cannot use (%s=%s) stops start-up naming it', (name, value) => {
    const e = configError({ ...production, ALERTS_SHARED_SECRET: 'a-shared-secret-0123456789abcdef', [name]: value });
    expect(e.code).toBe('config_invalid');
    expect(e.message).toContain(name);
  });
});
