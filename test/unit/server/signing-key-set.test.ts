import { SigningKeySet, SigningKeysUnavailable } from '../../../src/server/alerts/signing-key-set';
import { loadJose } from '../../../src/server/alerts/jose-loader';

/**
 * The Entra ID signing keys behind the secure alert webhook: an outage at the keys URL neither
 * refuses genuine alerts while keys are in hand, nor lets callers make the bot fetch once per request.
 */
const { SignJWT, exportJWK, generateKeyPair, jwtVerify } = loadJose();
type SigningKey = Parameters<InstanceType<typeof SignJWT>['sign']>[0];

const url = new URL('https://login.example/keys');
const minute = 60_000;

async function keyPair(kid: string): Promise<{ privateKey: SigningKey; jwk: Record<string, unknown> }> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  return { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const token = (key: SigningKey, kid: string): Promise<string> => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid }).setExpirationTime('1h').sign(key);

/** A keys URL whose answer the test sets; counts fetches. */
function keysUrl(keys: Record<string, unknown>[]) {
  const endpoint = { keys, failing: false, fetches: 0 };
  const fetcher = (async () => {
    endpoint.fetches += 1;
    if (endpoint.failing) return new Response('temporarily unavailable', { status: 503 });
    return new Response(JSON.stringify({ keys: endpoint.keys }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { endpoint, fetcher };
}

it('keeps the keys it has while a refresh fails, and fetches again only after a pause', async () => {
  const a = await keyPair('a');
  const { endpoint, fetcher } = keysUrl([a.jwk]);
  let now = 0;
  const keys = new SigningKeySet(url, { fetch: fetcher, now: () => now });
  await jwtVerify(await token(a.privateKey, 'a'), keys.getKey);
  expect(endpoint.fetches).toBe(1);

  // Eleven minutes on (the keys are due a refresh) the URL fails: the token still verifies with the keys in hand.
  now += 11 * minute;
  endpoint.failing = true;
  await jwtVerify(await token(a.privateKey, 'a'), keys.getKey);
  expect(endpoint.fetches).toBe(2);
  // Twenty more requests within the pause after the failure: no fetch.
  for (let i = 0; i < 20; i++) await jwtVerify(await token(a.privateKey, 'a'), keys.getKey);
  expect(endpoint.fetches).toBe(2);
  // After the pause, one more try.
  now += 11_000;
  await jwtVerify(await token(a.privateKey, 'a'), keys.getKey);
  expect(endpoint.fetches).toBe(3);
});

it('without keys in hand, a failing URL is "unavailable" (retry), and fetched at most once per pause however many callers', async () => {
  const a = await keyPair('a');
  const { endpoint, fetcher } = keysUrl([a.jwk]);
  endpoint.failing = true;
  let now = 0;
  const keys = new SigningKeySet(url, { fetch: fetcher, now: () => now });
  const junk = `${Buffer.from('{"alg":"RS256","kid":"x"}').toString('base64url')}.e30.AAAA`;
  const outcomes = await Promise.all(Array.from({ length: 10 }, () => jwtVerify(junk, keys.getKey).then(() => 'verified', (error: unknown) => error)));
  expect(outcomes.every((e) => e instanceof SigningKeysUnavailable)).toBe(true);
  for (let i = 0; i < 10; i++) await expect(jwtVerify(junk, keys.getKey)).rejects.toBeInstanceOf(SigningKeysUnavailable);
  expect(endpoint.fetches).toBe(1);
  // The URL recovers; after the pause the genuine token verifies.
  endpoint.failing = false;
  now += 11_000;
  await jwtVerify(await token(a.privateKey, 'a'), keys.getKey);
  expect(endpoint.fetches).toBe(2);
});

it('a key id it does not know (a rollover) fetches the set again, at most once per cooldown', async () => {
  const a = await keyPair('a');
  const b = await keyPair('b');
  const { endpoint, fetcher } = keysUrl([a.jwk]);
  let now = 0;
  const keys = new SigningKeySet(url, { fetch: fetcher, now: () => now });
  await jwtVerify(await token(a.privateKey, 'a'), keys.getKey);
  endpoint.keys = [a.jwk, b.jwk];
  // Within the cooldown an unknown key id is refused without a fetch.
  await expect(jwtVerify(await token(b.privateKey, 'b'), keys.getKey)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  expect(endpoint.fetches).toBe(1);
  now += 31_000;
  await jwtVerify(await token(b.privateKey, 'b'), keys.getKey);
  expect(endpoint.fetches).toBe(2);
});

it('keys older than a day are not trusted while the URL keeps failing', async () => {
  const a = await keyPair('a');
  const { endpoint, fetcher } = keysUrl([a.jwk]);
  let now = 0;
  const keys = new SigningKeySet(url, { fetch: fetcher, now: () => now });
  await jwtVerify(await token(a.privateKey, 'a'), keys.getKey);
  endpoint.failing = true;
  now += 25 * 60 * minute;
  await expect(jwtVerify(await token(a.privateKey, 'a'), keys.getKey)).rejects.toBeInstanceOf(SigningKeysUnavailable);
});
