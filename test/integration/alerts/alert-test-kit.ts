import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { actionGroupsAppId } from '../../../src/server/alerts/alert-auth';
import { loadJose } from '../../../src/server/alerts/jose-loader';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';

export const { SignJWT, exportJWK, generateKeyPair } = loadJose();
/** A private key jose signs with (the DOM CryptoKey type is not in this project's lib). */
type SigningKey = Parameters<InstanceType<typeof SignJWT>['sign']>[0];

export const alertSecret = 'test-alerts-secret-0123456789';
export const aadIssuer = 'https://sts.windows.net/00000000-0000-0000-0000-00000000000t/';
export const aadAudience = 'api://backup-doctor-alerts';

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures/alerts', name), 'utf8')) as Record<string, unknown>;
}

/** A local JWKS endpoint (the Entra ID keys URL in production) and a signer for tokens it vouches for. */
export class LocalJwks {
  private server: Server | undefined;
  private privateKey: SigningKey | undefined;
  private jwk: JWK | undefined;
  url = '';

  async start(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    this.privateKey = privateKey;
    this.jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    this.server = createServer((_req, res) => {
      // restify patches ServerResponse.writeHead in this process (it does not return `this`), so no chaining.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [this.jwk] }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/keys`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  /** By default the token Azure Monitor's secure webhook sends: the Action Groups app id and the ActionGroupsSecureWebhook role. */
  async token(
    options: { issuer?: string; audience?: string; expiresInSeconds?: number | null; key?: SigningKey; appid?: string; roles?: string[] | null } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { appid: options.appid ?? actionGroupsAppId };
    if (options.roles !== null) claims['roles'] = options.roles ?? ['ActionGroupsSecureWebhook'];
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(options.issuer ?? aadIssuer)
      .setAudience(options.audience ?? aadAudience)
      .setIssuedAt(now - 600);
    if (options.expiresInSeconds !== null) jwt.setExpirationTime(now + (options.expiresInSeconds ?? 3600));
    return jwt.sign(options.key ?? (this.privateKey as SigningKey));
  }
}

export function alertEnv(jwksUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ALERTS_SHARED_SECRET: alertSecret,
    ALERTS_AAD_AUDIENCE: aadAudience,
    ALERTS_AAD_ISSUER: aadIssuer,
    ALERTS_JWKS_URL: jwksUrl,
    ALERTS_MAX_BODY_BYTES: String(64 * 1024),
    POLL_INTERVAL_MINUTES: '0',
    ...extra,
  };
}

export async function postAlert(
  baseUrl: string,
  body: unknown,
  options: { headers?: Record<string, string>; query?: string; raw?: string | Buffer; secret?: string | null } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.secret !== null) headers['x-backup-doctor-key'] ??= options.secret ?? alertSecret;
  for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
  const response = await fetch(`${baseUrl}/api/alerts${options.query ?? ''}`, {
    method: 'POST',
    headers,
    body: options.raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed };
}

/** A minimal alert for VM `vm` in `vault` with `code`. */
export function minimalAlert(vault: string, vm: string, code: string, jobId?: string, condition: 'fired' | 'resolved' = 'fired'): Record<string, unknown> {
  return { vault, vm, errorCode: code, ...(jobId ? { jobId } : {}), condition, subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-backup' };
}

/** A clock the test moves by hand (the injected Clock of the app). */
export class ManualClock {
  private t: number;
  constructor(start: Date | number = Date.now()) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Sum of a metric's samples in Prometheus text (all label sets), or undefined when absent. */
export function metricValue(text: string, name: string, labels?: Record<string, string>): number | undefined {
  let found: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/);
    if (!m || m[1] !== name) continue;
    const set = m[2] ?? '';
    if (labels && !Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) continue;
    found = (found ?? 0) + Number(m[3]);
  }
  return found;
}

export async function metricsText(baseUrl: string): Promise<string> {
  const r = await fetch(`${baseUrl}/metrics`);
  return r.text();
}

/**
 * A webhook test suite's bot: a local JWKS for Entra tokens, a temporary SQLite file, and the
 * real app with workers stopped (tests drive processing themselves). Registers its own
 * beforeAll/afterAll; read `bot` inside tests.
 */
export function useWebhookBot(): { readonly jwks: LocalJwks; readonly bot: TestBot } {
  const jwks = new LocalJwks();
  let bot: TestBot | undefined;
  let state: { file: string; cleanup: () => void } | undefined;
  beforeAll(async () => {
    await jwks.start();
    state = tempStateFile();
    bot = await startTestBot(state.file, alertEnv(jwks.url), { alerts: { startWorkers: false } });
  });
  afterAll(async () => {
    await bot?.stop();
    await jwks.stop();
    state?.cleanup();
  });
  return {
    jwks,
    get bot(): TestBot {
      if (!bot) throw new Error('the webhook bot starts in beforeAll');
      return bot;
    },
  };
}
