import type { CloudAdapter } from 'botbuilder';
import type { TeamsBot } from './channels/teams/teams-bot';
import type { Config } from './config';
import type { Identifier } from './core/identify';
import type { KnowledgeBase } from './core/knowledge/knowledge-base';
import type { Clock } from './core/ports';
import type { TroubleshootService } from './core/troubleshoot/troubleshoot-service';
import type { Logger } from './logger';
import type { SqliteDatabase } from './storage/sqlite-database';

/** What createApp hands a feature module (alerts, fixes) before the App itself exists. */
export interface AppParts {
  readonly config: Config;
  readonly db: SqliteDatabase;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly identifier: Identifier;
  readonly knowledge: KnowledgeBase;
  readonly adapter: CloudAdapter;
  readonly bot: TeamsBot;
  readonly troubleshoot: TroubleshootService;
}
