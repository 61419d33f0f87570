import { createAlertAuthenticator } from '../../../src/server/alerts/alert-auth';

/**
 * The webhook's shared secret in `?code=`: Azure Monitor posts to the URL exactly as the action
 * group holds it, so a secret with '+' pasted in unencoded arrives as "+" in the query, which URL
 * decoding reads as a space. It must still be the secret; anything else still is not.
 */
const secret = 'k3y+with/slash=and+plus-0123456789';
const auth = createAlertAuthenticator({ sharedSecret: secret });
const withCode = (rawQuery: string) => auth.authenticate({}, new URLSearchParams(rawQuery));

describe('the shared secret in ?code=', () => {
  it('is accepted pasted as it is, with its "+" unencoded', async () => {
    expect(await withCode(`code=${secret}`)).toEqual({ ok: true, principal: 'shared-secret' });
  });

  it('is accepted percent-encoded', async () => {
    expect(await withCode(`code=${encodeURIComponent(secret)}`)).toEqual({ ok: true, principal: 'shared-secret' });
  });

  it('is refused when it differs, with its "+" or its spaces', async () => {
    expect(await withCode(`code=${secret.replace('slash', 'slosh')}`)).toMatchObject({ ok: false, reason: 'wrong shared secret' });
    expect(await withCode(`code=${encodeURIComponent(secret.replace(/\+/g, ' x'))}`)).toMatchObject({ ok: false });
  });

  it('is taken from the header as sent, without the query\'s decoding', async () => {
    expect(await auth.authenticate({ 'x-backup-doctor-key': secret.replace(/\+/g, ' ') }, new URLSearchParams())).toMatchObject({ ok: false });
    expect(await auth.authenticate({ 'x-backup-doctor-key': secret }, new URLSearchParams())).toMatchObject({ ok: true });
  });
});
