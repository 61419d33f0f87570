import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { loadJose } from './jose-loader';

const { createLocalJWKSet } = loadJose();

/** The Entra ID signing keys could not be had: the caller is not at fault, and should retry (503). */
export class SigningKeysUnavailable extends Error {
  readonly code = 'ERR_SIGNING_KEYS_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningKeysUnavailable';
  }
}

export interface SigningKeySetOptions {
  /** Longest wait for the key set document. Default 5 s. */
  readonly fetchTimeoutMs?: number;
  /** Keys are fetched again after this long. Default 10 minutes (jose's own default). */
  readonly maxAgeMs?: number;
  /** An unknown key id fetches the set again at most this often (a rotated key appears at once). Default 30 s. */
  readonly cooldownMs?: number;
  /** After a failed fetch, none is tried for this long: requests cannot turn an outage into a storm of fetches. Default 10 s. */
  readonly retryAfterFailureMs?: number;
  /** Keys older than this are not used even while fetching fails (Entra ID rolls keys over weeks). Default 24 h. */
  readonly maxStaleMs?: number;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

/**
 * The Entra ID signing keys of a JWKS URL, for jose's jwtVerify. Unlike jose's remote key set it
 * keeps the last good keys while a refresh fails (a blip at login.microsoftonline.com must not
 * refuse every genuine alert), waits a while after a failed fetch before trying again (an
 * anonymous caller must not make the bot fetch once per request), and says when the keys are
 * unavailable rather than wrong, so the sender is told to retry.
 */
export class SigningKeySet {
  private local: JWTVerifyGetKey | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private failedAt = Number.NEGATIVE_INFINITY;
  private lastFailure: unknown;
  private pending: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly url: URL,
    private readonly options: SigningKeySetOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The key resolver jwtVerify takes. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (this.local === undefined || this.age() > (this.options.maxAgeMs ?? 600_000)) await this.refresh();
    const local = this.usable();
    try {
      return await local(header, token);
    } catch (error) {
      // A key id the set does not have yet: a rollover; fetched again unless that was just done.
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || this.age() < (this.options.cooldownMs ?? 30_000)) throw error;
      await this.refresh();
      return this.usable()(header, token);
    }
  };

  private age(): number {
    return this.now() - this.fetchedAt;
  }

  /** The keys in hand, unless there are none or they are too old to trust. */
  private usable(): JWTVerifyGetKey {
    if (this.local === undefined || this.age() > (this.options.maxStaleMs ?? 86_400_000)) {
      throw new SigningKeysUnavailable(`the signing keys at ${this.url.origin}${this.url.pathname} could not be fetched`, { cause: this.lastFailure });
    }
    return this.local;
  }

  /** Fetches the set (one fetch for every caller waiting), unless the last one failed a moment ago. A failure keeps the old keys. */
  private async refresh(): Promise<void> {
    if (this.now() - this.failedAt < (this.options.retryAfterFailureMs ?? 10_000)) return;
    this.pending ??= this.load().finally(() => {
      this.pending = undefined;
    });
    await this.pending;
  }

  private async load(): Promise<void> {
    try {
      const response = await (this.options.fetch ?? fetch)(this.url, { signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 5_000), redirect: 'manual' });
      if (response.status !== 200) throw new Error(`the key set answered ${response.status}`);
      const document = (await response.json()) as JSONWebKeySet;
      if (!Array.isArray(document?.keys)) throw new Error('the key set is no JSON Web Key Set (no keys list)');
      this.local = createLocalJWKSet(document);
      this.fetchedAt = this.now();
    } catch (error) {
      this.failedAt = this.now();
      this.lastFailure = error;
    }
  }
}
