import type { Config } from './config';
import type { Identifier } from './core/identify';
import type { KnowledgeBase } from './core/knowledge/knowledge-base';
import type { Clock } from './core/ports';
import type { TroubleshootService } from './core/troubleshoot/troubleshoot-service';
import type { Logger } from './logger';
import type { SqliteDatabase } from './storage/sqlite-database';

/** What createApp hands a feature module (alerts, fixes) before the App itself exists: no channel in it, the modules are channel-neutral. */
export interface AppParts {
  readonly config: Config;
  readonly db: SqliteDatabase;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly identifier: Identifier;
  readonly knowledge: KnowledgeBase;
  readonly troubleshoot: TroubleshootService;
}
