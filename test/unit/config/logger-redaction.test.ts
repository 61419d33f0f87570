import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { parseConfig } from '../../../src/config';
import { createLogger } from '../../../src/logger';

function capture(): { sink: Writable; text: () => string } {
  let written = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      written += chunk.toString();
      done();
    },
  });
  return { sink, text: () => written };
}

describe('log redaction', () => {
  test('a logged request hides the alert secret header, authorization headers and ?code=', () => {
    const out = capture();
    const req = new IncomingMessage(new Socket());
    req.method = 'POST';
    req.url = '/api/alerts?code=query-secret-value&x=1';
    req.headers = { 'x-backup-doctor-key': 'header-secret-value', authorization: 'Bearer token-secret-value', 'proxy-authorization': 'Basic proxy-secret-value', 'content-type': 'application/json' };
    createLogger('info', out.sink).info({ req }, 'alert received');
    createLogger('info', out.sink).info({ url: req.url, headers: req.headers, query: { code: 'plain-query-secret' } }, 'by hand');
    const text = out.text();
    for (const secret of ['query-secret-value', 'header-secret-value', 'token-secret-value', 'proxy-secret-value', 'plain-query-secret']) expect(text).not.toContain(secret);
    expect(text).toMatch(/\[redacted\]/i);
    expect(text).toContain('x=1');
    expect(text).toContain('application/json');
  });

  test('a logged config hides the alert shared secret and the audit API key', () => {
    const out = capture();
    const config = parseConfig({ BOT_MODE: 'local', ALERTS_SHARED_SECRET: 'shared-secret-0123456789', AUDIT_API_KEY: 'audit-key-0123456789abc' });
    const logger = createLogger('info', out.sink);
    logger.info({ config }, 'started');
    logger.info({ alerts: config.alerts, remediation: config.remediation }, 'parts');
    const text = out.text();
    expect(text).not.toContain('shared-secret-0123456789');
    expect(text).not.toContain('audit-key-0123456789abc');
    expect(text).toMatch(/"sharedSecret":"\[redacted\]"/i);
    expect(text).toMatch(/"auditApiKey":"\[redacted\]"/i);
  });
});
