import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { connect } from 'node:net';
import { LocalJwks, alertSecret, useWebhookBot, alertEnv, fixture, postAlert } from './alert-test-kit';

/** Entra ID tokens must come from Azure Monitor's action groups; malformed ARM ids are the sender's error. */
describe('POST /api/alerts hardening over HTTP (real restify, real SQLite)', () => {
  const suite = useWebhookBot();
  const { jwks } = suite;

  const withToken = (token: string) => postAlert(suite.bot.running.url, fixture('common-vm.json'), { secret: null, headers: { authorization: `Bearer ${token}` } });

  describe('Entra ID bearer tokens (Azure Monitor secure webhook)', () => {
    it('accepts the action groups app with the ActionGroupsSecureWebhook role (202)', async () => {
      const r = await withToken(await jwks.token());
      expect(r.status).toBe(202);
    });

    it('refuses a token for the same audience issued to another client app (401)', async () => {
      const r = await withToken(await jwks.token({ appid: '11111111-2222-3333-4444-555555555555' }));
      expect(r.status).toBe(401);
      expect(String(r.body['reason'])).toMatch(/appid/);
    });

    it('refuses a token without an expiry (401)', async () => {
      const r = await withToken(await jwks.token({ expiresInSeconds: null }));
      expect(r.status).toBe(401);
    });

    it('refuses a token without the required app role, or with another role (401)', async () => {
      const none = await withToken(await jwks.token({ roles: null }));
      expect(none.status).toBe(401);
      expect(String(none.body['reason'])).toMatch(/ActionGroupsSecureWebhook/);
      expect((await withToken(await jwks.token({ roles: ['Reader'] }))).status).toBe(401);
    });
  });

  describe('Entra ID with a configured allow-list and role', () => {
    const jwks2 = new LocalJwks();
    let custom: TestBot;
    let customState: { file: string; cleanup: () => void };
    beforeAll(async () => {
      await jwks2.start();
      customState = tempStateFile();
      custom = await startTestBot(customState.file, alertEnv(jwks2.url, { ALERTS_AAD_ALLOWED_APP_IDS: 'aaaaaaaa-0000-0000-0000-000000000001', ALERTS_AAD_REQUIRED_ROLE: 'Alerts.Send' }), { alerts: { startWorkers: false } });
    });
    afterAll(async () => {
      await custom.stop();
      await jwks2.stop();
      customState.cleanup();
    });

    it('accepts the configured app and role only', async () => {
      const send = async (token: string) => (await postAlert(custom.running.url, fixture('common-vm.json'), { secret: null, headers: { authorization: `Bearer ${token}` } })).status;
      expect(await send(await jwks2.token({ appid: 'aaaaaaaa-0000-0000-0000-000000000001', roles: ['Alerts.Send'] }))).toBe(202);
      expect(await send(await jwks2.token({ roles: ['Alerts.Send'] }))).toBe(401);
      expect(await send(await jwks2.token({ appid: 'aaaaaaaa-0000-0000-0000-000000000001' }))).toBe(401);
    });
  });

  describe('a malformed %-escape in an ARM id', () => {
    const common = (change: (ctx: Record<string, unknown>, essentials: Record<string, unknown>) => void): unknown => {
      const body = fixture('common-vm.json') as { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> } };
      change(body.data.alertContext, body.data.essentials);
      return body;
    };

    it.each([
      { name: 'in the VM id of the context', field: 'data.alertContext.linkedResourceId', body: common((ctx) => (ctx['linkedResourceId'] = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm%zz')) },
      { name: 'in the vault target', field: 'data.essentials.alertTargetIDs[0]', body: common((_ctx, e) => (e['alertTargetIDs'] = ['/subscriptions/s/resourcegroups/rg/providers/microsoft.recoveryservices/vaults/v%E0%A4%A'])) },
      { name: 'in the minimal JSON vm', field: 'vm', body: { vault: 'vault-1', vm: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm%', errorCode: 'UserErrorGuestAgentStatusUnavailable' } },
      { name: 'in the minimal JSON vault', field: 'vault', body: { vault: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v%zz', vm: 'vm1', errorCode: 'UserErrorGuestAgentStatusUnavailable' } },
    ])('$name: 400 naming $field, nothing stored', async (c) => {
      const before = suite.bot.app.alerts.sqlite!.inbox.count();
      const r = await postAlert(suite.bot.running.url, c.body);
      expect(r.status).toBe(400);
      expect(r.body['field']).toBe(c.field);
      expect(suite.bot.app.alerts.sqlite!.inbox.count()).toBe(before);
    });

    it('a well-formed escape is still decoded and accepted', async () => {
      const r = await postAlert(suite.bot.running.url, { vault: 'vault-1', vm: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm%2D07', errorCode: 'UserErrorGuestAgentStatusUnavailable' });
      expect(r.status).toBe(202);
    });
  });

  describe('a request line in absolute form ("POST http://host/api/alerts?…")', () => {
    /** One raw HTTP/1.1 request, as a proxy or a hand-written client may send it; the status code comes back. */
    const rawStatus = (target: string, headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify(fixture('minimal.json'));
        const socket = connect(suite.bot.running.port, '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
        socket.on('end', () => resolve(Number(answer.split(' ')[1])));
        socket.on('error', reject);
        const lines = Object.entries({ host: 'x', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
        socket.write(`POST ${target} HTTP/1.1\r\n${lines.join('')}\r\n${body}`);
      });

    it.each(['http://x:99999/api/alerts?code=1', 'http://1.2.3.4.5/api/alerts?x=1', 'http://a:b@/api/alerts?x=1'])('%s: 401 without credentials and 202 with them, never a 500', async (target) => {
      expect(await rawStatus(target, {})).toBe(401);
      expect(await rawStatus(target, { 'x-backup-doctor-key': alertSecret })).toBe(202);
    });
  });
});
