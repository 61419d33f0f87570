import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a log line: bot and Azure
 * secrets, auth headers, alert secrets. Config is logged only through these paths' filter.
 */
export const redactedPaths = [
  'MicrosoftAppPassword',
  '*.MicrosoftAppPassword',
  '*.*.MicrosoftAppPassword',
  'password',
  '*.password',
  'secret',
  '*.secret',
  '*.*.secret',
  'clientSecret',
  '*.clientSecret',
  'signingSecret',
  '*.signingSecret',
  '*.*.signingSecret',
  'botToken',
  '*.botToken',
  '*.*.botToken',
  'blobConnectionString',
  '*.blobConnectionString',
  '*.*.blobConnectionString',
  'token',
  '*.token',
  'sharedSecret',
  '*.sharedSecret',
  '*.*.sharedSecret',
  'auditApiKey',
  '*.auditApiKey',
  '*.*.auditApiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  '*.*.headers.authorization',
  'proxy-authorization',
  '*.proxy-authorization',
  'headers["proxy-authorization"]',
  '*.headers["proxy-authorization"]',
  '*.*.headers["proxy-authorization"]',
  'x-backup-doctor-key',
  '*["x-backup-doctor-key"]',
  'headers["x-backup-doctor-key"]',
  '*.headers["x-backup-doctor-key"]',
  '*.*.headers["x-backup-doctor-key"]',
  'cookie',
  '*.headers.cookie',
  // The alert secret also travels as ?code= (Azure Monitor webhooks): parsed query objects...
  'query.code',
  '*.query.code',
];

/** ...and query strings inside URLs, which path-based redaction cannot reach. */
export function maskQuerySecrets(url: string): string {
  return url.replace(/([?&]code=)[^&#]*/gi, '$1[redacted]');
}

/** A request's standard fields, with the ?code= secret masked in its URL (headers are redacted by path). */
function serializeRequest(req: unknown): unknown {
  const out = pino.stdSerializers.req(req as Parameters<typeof pino.stdSerializers.req>[0]) as unknown as Record<string, unknown>;
  return typeof out['url'] === 'string' ? { ...out, url: maskQuerySecrets(out['url']) } : out;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { app: 'backup-doctor' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: {
      req: serializeRequest,
      url: (url: unknown) => (typeof url === 'string' ? maskQuerySecrets(url) : url),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
