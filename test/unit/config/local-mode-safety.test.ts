import { type Config, parseConfig } from '../../../src/config';
import { createAzurePortFromConfig } from '../../../src/azure/azure-from-config';
import { isCodedError } from '../../../src/core/errors';

/** Local mode is anonymous: it must stay on this machine and never reach real Azure. */
function refusal(env: Record<string, string>): { code: string; message: string; setting: unknown } {
  try {
    parseConfig(env);
  } catch (error) {
    if (isCodedError(error)) return { code: error.code, message: error.message, setting: error.details['setting'] };
    throw error;
  }
  throw new Error('expected parseConfig to refuse the configuration');
}

describe('local mode safety', () => {
  test.each(['https://management.azure.com', 'https://management.azure.com/', 'https://10.0.0.5:8443', 'https://arm.example.com'])(
    'refuses AZURE_ENDPOINT=%s: anonymous users must not reach real Azure',
    (endpoint) => {
      const e = refusal({ BOT_MODE: 'local', AZURE_ENDPOINT: endpoint });
      expect(e.code).toBe('config_invalid');
      expect(e.setting).toBe('AZURE_ENDPOINT');
      expect(e.message).toContain('AZURE_ENDPOINT');
      expect(e.message).toMatch(/anonymous/);
    },
  );

  test.each(['https://127.0.0.1:8443', 'https://localhost:8443/', 'https://[::1]:8443'])('accepts the local simulator at %s', (endpoint) => {
    expect(parseConfig({ BOT_MODE: 'local', AZURE_ENDPOINT: endpoint }).azure.endpoint).toBe(endpoint);
  });

  test('refuses a Log Analytics workspace on public Azure: local mode only queries the simulator', () => {
    const e = refusal({ BOT_MODE: 'local', LOG_ANALYTICS_WORKSPACE_ID: '6f0b8b7e-3c1a-4d2b-9a41-0c5e2f7d9a10' });
    expect(e.setting).toBe('LOG_ANALYTICS_ENDPOINT');
    expect(e.message).toContain('https://api.loganalytics.io');
  });

  test.each(['0.0.0.0', '::', '10.1.2.3', 'bot.example.com'])('refuses HOST=%s: anonymous access must stay on this machine', (host) => {
    const e = refusal({ BOT_MODE: 'local', HOST: host });
    expect(e.code).toBe('config_invalid');
    expect(e.setting).toBe('HOST');
    expect(e.message).toContain(`HOST=${host}`);
  });

  test.each(['127.0.0.1', 'localhost', '::1', '127.0.0.2'])('accepts the loopback HOST %s', (host) => {
    expect(parseConfig({ BOT_MODE: 'local', HOST: host }).host).toBe(host);
  });

  test('refuses local mode on App Service (WEBSITE_SITE_NAME set), naming BOT_MODE', () => {
    const e = refusal({ BOT_MODE: 'local', WEBSITE_SITE_NAME: 'backup-doctor-prod' });
    expect(e.code).toBe('config_invalid');
    expect(e.setting).toBe('BOT_MODE');
    expect(e.message).toContain('App Service');
  });

  test('production is unaffected: any HOST, a custom endpoint, App Service', () => {
    const c = parseConfig({ MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppId: 'id', MicrosoftAppTenantId: 't', ALERTS_SHARED_SECRET: 'test-alerts-secret-0123456789', HOST: '0.0.0.0', AZURE_ENDPOINT: 'https://management.azure.com', WEBSITE_SITE_NAME: 'backup-doctor-prod' });
    expect(c.mode).toBe('production');
    expect(c.host).toBe('0.0.0.0');
  });

  test('the Azure door refuses a local-mode Config with a non-loopback endpoint even when built by hand', () => {
    const base = parseConfig({ BOT_MODE: 'local', AZURE_ENDPOINT: 'https://127.0.0.1:8443' });
    const forged: Config = { ...base, azure: { ...base.azure, endpoint: 'https://management.azure.com' } };
    expect(() => createAzurePortFromConfig(forged)).toThrow(/AZURE_ENDPOINT/);
    expect(createAzurePortFromConfig(base)).toBeDefined();
  });
});
