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
 * Azure Monitor's secure webhook with an Entra ID bearer token (issuer, audience and
 * signature against the configured JWKS).
 */
export interface AlertAuthSettings {
  readonly sharedSecret?: string;
  readonly aad?: {
    readonly issuer: string | readonly string[];
    readonly audience: string | readonly string[];
    readonly jwksUrl: string;
  };
}

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
      const presented = (Array.isArray(headerValue) ? headerValue[0] : headerValue) ?? query.get('code') ?? undefined;
      if (presented !== undefined && secretDigest) {
        if (timingSafeEqual(digest(presented), secretDigest)) return { ok: true, principal: 'shared-secret' };
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
            clockTolerance: 60,
          });
          return { ok: true, principal: `aad:${String(payload['appid'] ?? payload['azp'] ?? payload.sub ?? 'unknown')}` };
        } catch (error) {
          return { ok: false, reason: `bearer token rejected: ${(error as { code?: string }).code ?? 'invalid'}` };
        }
      }
      return { ok: false, reason: 'no credentials: send the shared secret in x-backup-doctor-key (or ?code=) or an Entra ID bearer token' };
    },
  };
}
