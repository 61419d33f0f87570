import { createApp } from './app';
import { loadConfig } from './config';
import { isCodedError } from './core/errors';
import { createServer, listen } from './server/create-server';

/** Production entry (`npm start`): the bot only, configured from the environment. */
async function main(): Promise<void> {
  let config;
  let app;
  try {
    config = loadConfig();
    // Building the app reads the files the settings name (the fix policy, the knowledge base, the CA file).
    app = createApp(config);
  } catch (error) {
    // A wrong setting or file is the operator's to fix: one line naming it, not a stack trace.
    if (isCodedError(error, 'config_invalid') || isCodedError(error, 'knowledge_invalid')) {
      process.stderr.write(`backup-doctor: ${error.message.replace(/\s*\n\s*/g, '; ')}\n`);
      process.exit(2);
    }
    throw error;
  }
  const running = await listen(createServer(app), config.port, config.host);
  app.logger.info({ host: config.host, port: running.port, mode: config.mode, appType: config.bot.MicrosoftAppType }, 'Backup Doctor listening on /api/messages');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    await running.close();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`backup-doctor failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
