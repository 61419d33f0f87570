import { createHash, timingSafeEqual } from 'node:crypto';
import NodeModule from 'node:module';
import type { JWTVerifyGetKey } from 'jose';

type Jose = typeof import('jose');
/**
 * jose 6 is ESM-only. Node 20.19+ loads it with require() (production, tsx); jest's module
 * registry cannot, so there it comes from Node's own loader through the main module
 * (the same package either way).
 */
export function loadJose(): Jose {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a static import would be hoisted out of this try
    return require('jose') as Jose;
  } catch {
    // Under jest: a Module instance of Node's own loader (require(esm) since Node 20.19) resolves from here.
    const Loader = NodeModule as unknown as NodeModuleInternals; // the internals are untyped in @types/node
    const loader = new Loader(__filename);
    loader.filename = __filename;
    loader.paths = Loader._nodeModulePaths(__dirname);
    return loader.require('jose') as Jose;
  }
}

/** The internals of node:module the fallback above uses (stable since Node 0.x, untyped in @types/node). */
interface NodeModuleInternals {
  new (id: string): { filename: string; paths: string[]; require(id: string): unknown };
  _nodeModulePaths(dir: string): string[];
}
const { createRemoteJWKSet, jwtVerify } = loadJose();

/**
 * Who may POST /api/alerts: a caller that knows the shared secret (header
 * `x-backup-doctor-key` or `?code=`, as Azure Monitor webhooks and Functions do), or
 * Azure Monitor's secure webhook with an Entra ID bearer token (issuer, audience, an expiry
 * and an RS256 signature against the configured JWKS), issued to the Action Groups service
 * principal (appid/azp in `allowedAppIds`) and carrying the app role `requiredRole`. Any
 * token the tenant issues for the audience is not enough: other apps can get those too.
 */
export interface AlertAuthSettings {
  readonly sharedSecret?: string;
  readonly aad?: {
    readonly issuer: string | readonly string[];
    readonly audience: string | readonly string[];
    readonly jwksUrl: string;
    /** Client app ids (appid v1, azp v2) allowed to post; default: Azure Monitor Action Groups only. */
    readonly allowedAppIds?: readonly string[];
    /** An app role the token must carry in `roles`; default ActionGroupsSecureWebhook. */
    readonly requiredRole?: string;
  };
}

/** The Action Groups service principal's app id (the same in every tenant). */
export const actionGroupsAppId = '461e8683-5575-4561-ac7f-899cc907d62a';
/** The app role a secure webhook's receiving app assigns to that service principal. */
export const actionGroupsRole = 'ActionGroupsSecureWebhook';

export type AuthResult = { readonly ok: true; readonly principal: string } | { readonly ok: false; readonly reason: string };

export const secretHeader = 'x-backup-doctor-key';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export interface AlertAuthenticator {
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>, query: URLSearchParams): Promise<AuthResult>;
  readonly configured: boolean;
}

export function createAlertAuthenticator(settings: AlertAuthSettings): AlertAuthenticator {
  // Hashing first gives equal-length buffers, so timingSafeEqual neither throws nor leaks the length.
  const secretDigest = settings.sharedSecret ? digest(settings.sharedSecret) : undefined;
  const aad = settings.aad;
  let keys: JWTVerifyGetKey | undefined;
  const keySet = (): JWTVerifyGetKey => (keys ??= createRemoteJWKSet(new URL(aad?.jwksUrl ?? 'http://invalid'), { timeoutDuration: 5000, cooldownDuration: 30_000 }));

  return {
    configured: secretDigest !== undefined || aad !== undefined,
    async authenticate(headers, query) {
      const headerValue = headers[secretHeader];
      const fromHeader = Array.isArray(headerValue) ? headerValue[0] : headerValue;
      const presented = fromHeader ?? query.get('code') ?? undefined;
      if (presented !== undefined && secretDigest) {
        // A secret pasted into the webhook URL as it is ("?code=a+b") reads as "a b" once the query is decoded: its '+' are tried too.
        const candidates = fromHeader === undefined && presented.includes(' ') ? [presented, presented.replace(/ /g, '+')] : [presented];
        const matches = candidates.map((candidate) => timingSafeEqual(digest(candidate), secretDigest));
        if (matches.includes(true)) return { ok: true, principal: 'shared-secret' };
        return { ok: false, reason: 'wrong shared secret' };
      }
      const authorization = headers['authorization'];
      const auth = Array.isArray(authorization) ? authorization[0] : authorization;
      if (auth && /^bearer\s+/i.test(auth) && aad) {
        const token = auth.replace(/^bearer\s+/i, '').trim();
        try {
          const { payload } = await jwtVerify(token, keySet(), {
            issuer: typeof aad.issuer === 'string' ? aad.issuer : [...aad.issuer],
            audience: typeof aad.audience === 'string' ? aad.audience : [...aad.audience],
            algorithms: ['RS256'],
            // A token without an expiry would be valid forever once leaked.
            requiredClaims: ['exp'],
            clockTolerance: 60,
          });
          const appId = typeof payload['appid'] === 'string' ? payload['appid'] : typeof payload['azp'] === 'string' ? payload['azp'] : undefined;
          const allowed = (aad.allowedAppIds ?? [actionGroupsAppId]).map((id) => id.toLowerCase());
          if (appId === undefined || !allowed.includes(appId.toLowerCase())) {
            return { ok: false, reason: 'bearer token rejected: not issued to an allowed client app (appid/azp)' };
          }
          const role = aad.requiredRole ?? actionGroupsRole;
          const roles = payload['roles'];
          if (!Array.isArray(roles) || !roles.includes(role)) {
            return { ok: false, reason: `bearer token rejected: the roles claim lacks ${role}` };
          }
          return { ok: true, principal: `aad:${appId}` };
        } catch (error) {
          return { ok: false, reason: `bearer token rejected: ${(error as { code?: string }).code ?? 'invalid'}` };
        }
      }
      return { ok: false, reason: 'no credentials: send the shared secret in x-backup-doctor-key (or ?code=) or an Entra ID bearer token' };
    },
  };
}
