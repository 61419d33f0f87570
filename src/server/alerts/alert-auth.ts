import { createHash, timingSafeEqual } from 'node:crypto';
import { loadJose } from './jose-loader';
import { SigningKeySet, type SigningKeySetOptions, SigningKeysUnavailable } from './signing-key-set';

const { jwtVerify } = loadJose();

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
  /** How the signing keys are fetched and kept (tests set a clock). */
  readonly signingKeys?: SigningKeySetOptions;
}

/** The Action Groups service principal's app id (the same in every tenant). */
export const actionGroupsAppId = '461e8683-5575-4561-ac7f-899cc907d62a';
/** The app role a secure webhook's receiving app assigns to that service principal. */
export const actionGroupsRole = 'ActionGroupsSecureWebhook';

/**
 * `unavailable`: the caller may be genuine, but its token could not be checked now (the Entra ID
 * signing keys could not be fetched): a retryable answer, not a refusal.
 */
export type AuthResult = { readonly ok: true; readonly principal: string } | { readonly ok: false; readonly reason: string; readonly unavailable?: true };

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
  let keys: SigningKeySet | undefined;
  const keySet = (): SigningKeySet => (keys ??= new SigningKeySet(new URL(aad?.jwksUrl ?? 'http://invalid'), settings.signingKeys));

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
          const { payload } = await jwtVerify(token, keySet().getKey, {
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
          if (error instanceof SigningKeysUnavailable) return { ok: false, reason: `the bearer token could not be checked: ${error.message}; retry`, unavailable: true };
          return { ok: false, reason: `bearer token rejected: ${(error as { code?: string }).code ?? 'invalid'}` };
        }
      }
      return { ok: false, reason: 'no credentials: send the shared secret in x-backup-doctor-key (or ?code=) or an Entra ID bearer token' };
    },
  };
}
