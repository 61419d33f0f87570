import { Writable } from 'node:stream';
import { parseConfig } from '../../../src/config';
import { isCodedError } from '../../../src/core/errors';
import { createLogger } from '../../../src/logger';

function configError(env: Record<string, string>): { code: string; message: string; missing: unknown } {
  try {
    parseConfig(env);
  } catch (error) {
    if (isCodedError(error)) return { code: error.code, message: error.message, missing: error.details['missing'] };
    throw error;
  }
  throw new Error('expected parseConfig to throw');
}

describe('configuration', () => {
  test('production (the default) refuses to start without bot credentials, naming the missing settings', () => {
    const e = configError({});
    expect(e.code).toBe('config_invalid');
    expect(e.missing).toEqual(['MicrosoftAppId', 'MicrosoftAppPassword']);
    expect(e.message).toContain('MicrosoftAppId');
    expect(e.message).toContain('BOT_MODE=local');
  });

  test('a single-tenant app needs its tenant; a user-assigned managed identity needs no password', () => {
    expect(configError({ MicrosoftAppType: 'SingleTenant', MicrosoftAppId: 'id', MicrosoftAppPassword: 'pw' }).missing).toEqual(['MicrosoftAppTenantId']);
    const msi = parseConfig({ MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppId: 'client-id', MicrosoftAppTenantId: 'tenant', ALERTS_SHARED_SECRET: 'test-alerts-secret-0123456789' });
    expect(msi.bot).toEqual({ MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppId: 'client-id', MicrosoftAppPassword: undefined, MicrosoftAppTenantId: 'tenant' });
  });

  test('local mode is explicit and allows anonymous access, with the documented defaults', () => {
    const c = parseConfig({ BOT_MODE: 'local' });
    expect(c).toMatchObject({ mode: 'local', port: 3978, stateFile: './data/backup-doctor.sqlite', sessionTtlHours: 72, logLevel: 'info', knowledgeDir: undefined });
    expect(c.bot.MicrosoftAppId).toBeUndefined();
    expect(c.azure).toEqual({
      endpoint: undefined,
      caFile: undefined,
      managedIdentityClientId: undefined,
      subscriptionIds: [],
      watchedVaults: [],
      simulatorScenario: undefined,
      logAnalytics: { workspaceId: undefined, endpoint: 'https://api.loganalytics.io', queryTimeoutSeconds: 60 },
    });
  });

  test('local mode listens on loopback only (another loopback address may be chosen); production listens on every interface', () => {
    expect(parseConfig({ BOT_MODE: 'local' }).host).toBe('127.0.0.1');
    expect(parseConfig({ BOT_MODE: 'local', HOST: '::1' }).host).toBe('::1');
    expect(parseConfig({ MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppId: 'id', MicrosoftAppTenantId: 't', ALERTS_SHARED_SECRET: 'test-alerts-secret-0123456789' }).host).toBe('0.0.0.0');
  });

  test('values are parsed and lists split; the result is deeply frozen', () => {
    const c = parseConfig({
      BOT_MODE: 'local',
      PORT: '8080',
      SESSION_TTL_HOURS: '12',
      AZURE_ENDPOINT: 'https://127.0.0.1:8443',
      AZURE_SUBSCRIPTION_IDS: ' sub-1, sub-2 ,',
      WATCHED_VAULTS: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1',
    });
    expect(c.port).toBe(8080);
    expect(c.sessionTtlHours).toBe(12);
    expect(c.azure.subscriptionIds).toEqual(['sub-1', 'sub-2']);
    expect(c.azure.watchedVaults).toHaveLength(1);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.azure.subscriptionIds)).toBe(true);
  });

  test('WATCHED_VAULTS is parsed once into vault references: resource ids and subscription/resourceGroup/name triples, duplicates once', () => {
    const c = parseConfig({
      BOT_MODE: 'local',
      WATCHED_VAULTS: '/subscriptions/sub-1/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-prod-weu, sub-2/rg-dr/rsv-dr-neu, sub-1/RG-BACKUP/rsv-prod-weu',
    });
    expect(c.azure.watchedVaults).toEqual([
      { subscriptionId: 'sub-1', resourceGroup: 'rg-backup', name: 'rsv-prod-weu' },
      { subscriptionId: 'sub-2', resourceGroup: 'rg-dr', name: 'rsv-dr-neu' },
    ]);
  });

  test('a malformed WATCHED_VAULTS entry stops start-up naming it, instead of the poller silently watching fewer vaults', () => {
    const e = configError({ BOT_MODE: 'local', WATCHED_VAULTS: 'sub-1/rg-backup/rsv-prod-weu, rsv-dr-neu' });
    expect(e.code).toBe('config_invalid');
    expect(e.message).toContain('WATCHED_VAULTS');
    expect(e.message).toContain('"rsv-dr-neu"');
    expect(e.message).not.toContain('"sub-1/rg-backup/rsv-prod-weu"');
    expect(configError({ BOT_MODE: 'local', WATCHED_VAULTS: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1' }).message).toContain('WATCHED_VAULTS');
  });

  test('the Log Analytics workspace for log search alerts must be its id (a GUID), and its query timeout within 1-600 s', () => {
    const e = configError({ BOT_MODE: 'local', LOG_ANALYTICS_WORKSPACE_ID: 'law-backup-reports', LOG_ANALYTICS_QUERY_TIMEOUT_SECONDS: '0' });
    expect(e.message).toContain('LOG_ANALYTICS_WORKSPACE_ID');
    expect(e.message).toContain('Workspace ID');
    expect(e.message).toContain('LOG_ANALYTICS_QUERY_TIMEOUT_SECONDS');
    const c = parseConfig({ BOT_MODE: 'local', LOG_ANALYTICS_WORKSPACE_ID: '6f0b8b7e-3c1a-4d2b-9a41-0c5e2f7d9a10', LOG_ANALYTICS_ENDPOINT: 'https://127.0.0.1:8443/', LOG_ANALYTICS_QUERY_TIMEOUT_SECONDS: '20' });
    expect(c.azure.logAnalytics).toEqual({ workspaceId: '6f0b8b7e-3c1a-4d2b-9a41-0c5e2f7d9a10', endpoint: 'https://127.0.0.1:8443', queryTimeoutSeconds: 20 });
  });

  test('how long a client may take to send its body and its headers: 10 s and 60 s unless set, never zero', () => {
    expect(parseConfig({ BOT_MODE: 'local' }).http).toEqual({ bodyTimeoutSeconds: 10, headersTimeoutSeconds: 60 });
    expect(parseConfig({ BOT_MODE: 'local', REQUEST_BODY_TIMEOUT_SECONDS: '0.5', REQUEST_HEADERS_TIMEOUT_SECONDS: '5' }).http).toEqual({ bodyTimeoutSeconds: 0.5, headersTimeoutSeconds: 5 });
    expect(configError({ BOT_MODE: 'local', REQUEST_BODY_TIMEOUT_SECONDS: '0' }).message).toContain('REQUEST_BODY_TIMEOUT_SECONDS');
    expect(configError({ BOT_MODE: 'local', REQUEST_HEADERS_TIMEOUT_SECONDS: 'soon' }).message).toContain('REQUEST_HEADERS_TIMEOUT_SECONDS');
  });

  test('bad values are reported by setting name', () => {
    const e = configError({ BOT_MODE: 'staging', PORT: 'eighty' });
    expect(e.code).toBe('config_invalid');
    expect(e.message).toContain('BOT_MODE');
    expect(e.message).toContain('PORT');
  });

  test('secrets never reach the log', () => {
    let written = '';
    const sink = new Writable({ write(chunk, _enc, done) { written += String(chunk); done(); } });
    const config = parseConfig({ MicrosoftAppId: 'app', MicrosoftAppPassword: 'super-secret-password', MicrosoftAppTenantId: 't', ALERTS_SHARED_SECRET: 'test-alerts-secret-0123456789' });
    createLogger('info', sink).info({ config }, 'started');
    expect(written).toContain('[redacted]');
    expect(written).not.toContain('super-secret-password');
  });
});
