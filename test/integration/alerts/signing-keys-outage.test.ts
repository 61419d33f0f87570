import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { SignJWT, aadAudience, aadIssuer, alertEnv, exportJWK, fixture, generateKeyPair, postAlert } from './alert-test-kit';
import { actionGroupsAppId } from '../../../src/server/alerts/alert-auth';

/**
 * POST /api/alerts with Azure Monitor's secure webhook token while the Entra ID signing keys cannot
 * be fetched: the genuine alert gets a 503 Azure Monitor retries (a 401 would drop it), and a
 * stream of junk tokens does not make the bot fetch the keys once per request.
 */
describe('the Entra ID signing keys are unavailable', () => {
  // The keys URL fails throughout: the bot never has keys to check a token with.
  const failing = true;
  let fetches = 0;
  let jwks: Server;
  let jwk: Record<string, unknown>;
  let key: Parameters<InstanceType<typeof SignJWT>['sign']>[0];
  let bot: TestBot;
  let state: { file: string; cleanup: () => void };

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      fetches += 1;
      if (failing) {
        res.writeHead(503);
        res.end('temporarily unavailable');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    state = tempStateFile();
    bot = await startTestBot(state.file, alertEnv(`http://127.0.0.1:${(jwks.address() as AddressInfo).port}/keys`), { alerts: { startWorkers: false } });
  });
  afterAll(async () => {
    await bot.stop();
    jwks.closeAllConnections();
    await new Promise((resolve) => jwks.close(resolve));
    state.cleanup();
  });

  /** What Azure Monitor's secure webhook sends. */
  const actionGroupsToken = (): Promise<string> =>
    new SignJWT({ appid: actionGroupsAppId, roles: ['ActionGroupsSecureWebhook'] }).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).setIssuer(aadIssuer).setAudience(aadAudience).setIssuedAt().setExpirationTime('1h').sign(key);
  const send = (token: string) => postAlert(bot.running.url, fixture('common-vm.json'), { secret: null, headers: { authorization: `Bearer ${token}` } });

  it('junk bearer tokens are refused without a fetch of the keys per request', async () => {
    const junk = `${Buffer.from('{"alg":"RS256","kid":"x"}').toString('base64url')}.e30.AAAA`;
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push((await send(`${junk}${i}`)).status);
    // Not checkable now (no keys): a retryable answer, never an acceptance.
    expect(new Set(answers)).toEqual(new Set([503]));
    expect(fetches).toBeLessThanOrEqual(1);
  });

  it("a genuine Action Groups alert gets a 503 with Retry-After, naming why, while the keys cannot be fetched", async () => {
    const response = await fetch(`${bot.running.url}/api/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await actionGroupsToken()}` }, body: JSON.stringify(fixture('common-vm.json')) });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('10');
    expect(await response.json()).toMatchObject({ error: 'auth_unavailable', reason: expect.stringContaining('signing keys') });
  });
});
