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
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { app: 'backup-doctor' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
