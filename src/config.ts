import { z } from 'zod';
import { type SweepSchedule, parseSweepSchedule } from './core/sweep/sweep-schedule';
import type { VaultRef } from './core/azure-port';
import { CodedError } from './core/errors';

/**
 * The only reader of process.env. `parseConfig` is pure (takes the environment as a
 * record) so every rule here is unit-tested; `loadConfig` is the one impure wrapper.
 * Every setting is documented in .env.sample.
 */

export const BotModes = ['production', 'local'] as const;
export type BotMode = (typeof BotModes)[number];

export const AppTypes = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;
export type AppType = (typeof AppTypes)[number];

export interface BotConfig {
  /** botbuilder's own setting names, passed to ConfigurationBotFrameworkAuthentication as-is. */
  readonly MicrosoftAppType: AppType;
  readonly MicrosoftAppId: string | undefined;
  readonly MicrosoftAppPassword: string | undefined;
  readonly MicrosoftAppTenantId: string | undefined;
}

/**
 * Which activities reach the bot's handlers. A user's identity (`from.aadObjectId`) is only
 * trusted when Teams vouches for it, in a tenant we serve: any other channel enabled on the bot
 * resource (Web Chat, Direct Line) lets the client fill in `from` itself.
 */
export interface IdentityGateConfig {
  /** Ignore activities whose channelId is not msteams. Always on in production; in local mode when ALLOWED_TENANT_IDS is set. */
  readonly teamsOnly: boolean;
  /** Tenants whose activities are handled (lower-cased); empty means any tenant (local mode only). */
  readonly allowedTenantIds: readonly string[];
}

export interface AzureConfig {
  /** ARM endpoint override (the local simulator); undefined means public Azure. */
  readonly endpoint: string | undefined;
  /** PEM file with the CA that signed the endpoint's certificate (the simulator's). */
  readonly caFile: string | undefined;
  readonly managedIdentityClientId: string | undefined;
  readonly subscriptionIds: readonly string[];
  /**
   * WATCHED_VAULTS, parsed once here (vault resource ids or subscription/resourceGroup/name
   * triples): the vaults the job poller watches and questions look in. Empty: every vault the
   * identity can see. A malformed entry stops start-up.
   */
  readonly watchedVaults: readonly VaultRef[];
  /** Local mode only: the ARM simulator scenario file to start with. */
  readonly simulatorScenario: string | undefined;
  /** Where log search alerts on backup jobs are answered from (the identity needs Log Analytics Reader on the workspace). */
  readonly logAnalytics: LogAnalyticsConfig;
}

export interface LogAnalyticsConfig {
  /** The workspace's id (a GUID, "Workspace ID" in the portal); undefined: log search alerts become one incident saying so. */
  readonly workspaceId: string | undefined;
  /** The Log Analytics query API, without /v1 (the simulator locally). */
  readonly endpoint: string;
  readonly queryTimeoutSeconds: number;
}

/** POST /api/alerts, the job poller and incident delivery. */
export interface AlertsConfig {
  /** Shared secret for x-backup-doctor-key / ?code=. Local mode defaults to 'local-demo-secret'. */
  readonly sharedSecret: string | undefined;
  /** Entra ID bearer tokens (Azure Monitor secure webhook): accepted when audience and issuer are set. */
  readonly aadAudience: readonly string[];
  readonly aadIssuer: readonly string[];
  readonly jwksUrl: string;
  /** Client app ids whose Entra tokens may post alerts (default: the Azure Monitor Action Groups app). */
  readonly aadAllowedAppIds: readonly string[];
  /** The app role those tokens must carry (default ActionGroupsSecureWebhook). */
  readonly aadRequiredRole: string;
  readonly maxBodyBytes: number;
  readonly incidentWindowMinutes: number;
  /** 0 turns the job poller off. */
  readonly pollIntervalMinutes: number;
  readonly pollLookbackHours: number;
  /** The longest a backup job runs: each poll reads back this far before its watermark (Azure lists jobs by start time). */
  readonly pollMaxJobHours: number;
  /** Longest wait for one Teams connector call when posting or updating an incident card (seconds). */
  readonly deliveryTimeoutSeconds: number;
  /** At most one card update per conversation per this many seconds during a storm. */
  readonly coalesceSeconds: number;
  /**
   * How long received alerts, past incidents and delivered messages are kept in the state file
   * (at least the incident window); purged with the sessions, every SESSION_PURGE_INTERVAL_MINUTES.
   */
  readonly retentionDays: number;
}

export interface Config {
  readonly mode: BotMode;
  readonly port: number;
  /** Interface to listen on: loopback by default in local mode (anonymous access must not reach the network). */
  readonly host: string;
  readonly bot: BotConfig;
  readonly identityGate: IdentityGateConfig;
  readonly stateFile: string;
  readonly sessionTtlHours: number;
  /** Expired sessions are kept this many days (a late press still hears "ended"), then purged. */
  readonly sessionRetentionDays: number;
  /** How often expired sessions are purged; 0 turns the purge off. */
  readonly sessionPurgeIntervalMinutes: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Knowledge base folder; undefined means the repository's knowledge/. */
  readonly knowledgeDir: string | undefined;
  readonly azure: AzureConfig;
  readonly alerts: AlertsConfig;
  readonly remediation: RemediationConfig;
  readonly state: StateConfig;
  readonly slack: SlackConfig;
  /**
   * The deadline of every outbound chat call (Teams connector, Slack Web API): a channel that
   * accepts a request and never answers delays a card, never a turn, a fix or a lock.
   */
  readonly chatTimeoutSeconds: number;
  /** SWEEP_SCHEDULE: the UTC times of day of the scheduled fleet sweep; undefined: no scheduled sweep. */
  readonly sweepSchedule: SweepSchedule | undefined;
  readonly http: HttpLimitsConfig;
}

/**
 * How long a client may take to send its request, so a slow or silent sender holds one socket
 * for a bounded time and never a handler: every route that reads a body answers 408 after the
 * body timeout, and the server answers 408 to headers that never finish.
 */
export interface HttpLimitsConfig {
  /** From the route starting to read the body to its last byte (REQUEST_BODY_TIMEOUT_SECONDS, default 10). */
  readonly bodyTimeoutSeconds: number;
  /** From the connection's first byte to the end of the headers (REQUEST_HEADERS_TIMEOUT_SECONDS, default 60, Node's own). */
  readonly headersTimeoutSeconds: number;
}

/** Slack through @slack/bolt on the same server (POST /api/slack/events); off unless both secrets are set. */
export interface SlackConfig {
  readonly enabled: boolean;
  /** Verifies every request's x-slack-signature. Secret: never logged. */
  readonly signingSecret: string | undefined;
  /** The bot token (xoxb-...). Secret: never logged. */
  readonly botToken: string | undefined;
  /** Web API base URL override (tests point it at a loopback fake); undefined means https://slack.com/api/. */
  readonly apiUrl: string | undefined;
}

export const StateStores = ['sqlite', 'blob'] as const;
export type StateStore = (typeof StateStores)[number];

/**
 * Where every deciding record lives. sqlite: STATE_FILE (one instance). blob: one Azure Storage
 * account (sessions, fix requests, the audit and the lease in blobs; the alert path's records in
 * tables), so several bot instances behave as one.
 */
export interface StateConfig {
  readonly store: StateStore;
  /** https://<account>.blob.core.windows.net/, signed in with the managed identity. */
  readonly blobAccountUrl: string | undefined;
  readonly blobContainer: string;
  /** Azurite or shared-key connection string (local use). Secret: never logged. */
  readonly blobConnectionString: string | undefined;
  /**
   * https://<account>.table.core.windows.net/ for the alert path's tables (incidents, inbox,
   * outbox, subscriptions, watermarks, Slack's seen events); by default the blob URL's account.
   * With a connection string its TableEndpoint is used instead.
   */
  readonly tableAccountUrl: string | undefined;
  /** Every table's name starts with it (letters and digits). */
  readonly tablePrefix: string;
  /**
   * How long the poller's leader lease lasts (15-60 s, Azure's bounds): when its holder dies, another
   * instance takes the poller and the fix sweeper over within about this long.
   */
  readonly leaseSeconds: number;
}

export interface RemediationConfig {
  /** The fix policy file (who may request and approve which fixes where); undefined shows fixes disabled. */
  readonly policyFile: string | undefined;
  /** Bearer token for GET /api/audit; undefined disables the export. */
  readonly auditApiKey: string | undefined;
  /** How often and how long the verification backup is followed. */
  readonly verifyPollSeconds: number;
  readonly verifyTimeoutMinutes: number;
  /** How often pending requests are expired and runs cut off by a restart are found. */
  readonly sweepSeconds: number;
  /**
   * How often a running fix says it is alive. A run silent for 4.5 heartbeats is taken to be
   * dead (its process crashed): the sweep puts back the locks it lifted and marks it interrupted.
   */
  readonly heartbeatSeconds: number;
}

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const list = optionalText.transform((v) =>
  v === undefined
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
);

const VAULT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.RecoveryServices\/vaults\/([^/]+)\/?$/i;
const VAULT_TRIPLE = /^([^/\s]+)\/([^/\s]+)\/([^/\s]+)$/;

/** One WATCHED_VAULTS entry: a vault resource id or "<subscription>/<resourceGroup>/<name>". */
export const WatchedVaultSchema = z.string().transform((entry, ctx): VaultRef => {
  const match = VAULT_ID.exec(entry) ?? VAULT_TRIPLE.exec(entry);
  if (match === null) {
    ctx.addIssue({ code: 'custom', message: `"${entry}" is neither a vault resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.RecoveryServices/vaults/<name>) nor <subscription>/<resourceGroup>/<name>` });
    return z.NEVER;
  }
  return { subscriptionId: match[1] as string, resourceGroup: match[2] as string, name: match[3] as string };
});

/** The same vault listed twice (an id and a triple) is watched once, as first written. */
function distinctVaults(vaults: readonly VaultRef[]): VaultRef[] {
  const seen = new Set<string>();
  return vaults.filter((v) => {
    const key = `${v.subscriptionId}/${v.resourceGroup}/${v.name}`.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const EnvSchema = z.object({
  BOT_MODE: optionalText.pipe(z.enum(BotModes).optional()).transform((v) => v ?? 'production'),
  PORT: optionalText.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()).transform((v) => v ?? 3978),
  HOST: optionalText,
  /** Set by Azure App Service on every web app: local mode must never run there. */
  WEBSITE_SITE_NAME: optionalText,
  MicrosoftAppType: optionalText.pipe(z.enum(AppTypes).optional()),
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppTenantId: optionalText,
  ALLOWED_TENANT_IDS: list,
  STATE_FILE: optionalText.transform((v) => v ?? './data/backup-doctor.sqlite'),
  SESSION_TTL_HOURS: optionalText.pipe(z.coerce.number<string | undefined>().positive().max(24 * 365).optional()).transform((v) => v ?? 72),
  SESSION_RETENTION_DAYS: optionalText.pipe(z.coerce.number<string | undefined>().min(0).max(3650).optional()).transform((v) => v ?? 7),
  INCIDENT_RETENTION_DAYS: optionalText.pipe(z.coerce.number<string | undefined>().min(1).max(3650).optional()).transform((v) => v ?? 30),
  SESSION_PURGE_INTERVAL_MINUTES: optionalText.pipe(z.coerce.number<string | undefined>().min(0).max(7 * 24 * 60).optional()).transform((v) => v ?? 60),
  LOG_LEVEL: optionalText.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()).transform((v) => v ?? 'info'),
  KNOWLEDGE_DIR: optionalText,
  AZURE_ENDPOINT: optionalText.pipe(z.url().optional()),
  AZURE_CA_FILE: optionalText,
  AZURE_MANAGED_IDENTITY_CLIENT_ID: optionalText,
  AZURE_SUBSCRIPTION_IDS: list,
  WATCHED_VAULTS: list.pipe(z.array(WatchedVaultSchema)).transform(distinctVaults),
  AZURE_SIMULATOR_SCENARIO: optionalText,
  LOG_ANALYTICS_WORKSPACE_ID: optionalText.pipe(z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be the workspace id (a GUID: the workspace\'s Overview, "Workspace ID")').optional()),
  LOG_ANALYTICS_ENDPOINT: optionalText.pipe(z.url().optional()).transform((v) => (v ?? 'https://api.loganalytics.io').replace(/\/+$/, '')),
  LOG_ANALYTICS_QUERY_TIMEOUT_SECONDS: optionalText.pipe(z.coerce.number<string | undefined>().min(1).max(600).optional()).transform((v) => v ?? 60),
  ALERTS_SHARED_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  ALERTS_AAD_AUDIENCE: list,
  ALERTS_AAD_ISSUER: list,
  ALERTS_JWKS_URL: optionalText.pipe(z.url().optional()).transform((v) => v ?? 'https://login.microsoftonline.com/common/discovery/v2.0/keys'),
  ALERTS_AAD_ALLOWED_APP_IDS: list.transform((v) => (v.length > 0 ? v : ['461e8683-5575-4561-ac7f-899cc907d62a'])),
  ALERTS_AAD_REQUIRED_ROLE: optionalText.transform((v) => v ?? 'ActionGroupsSecureWebhook'),
  ALERTS_MAX_BODY_BYTES: optionalText.pipe(z.coerce.number<string | undefined>().int().min(1024).max(10 * 1024 * 1024).optional()).transform((v) => v ?? 256 * 1024),
  INCIDENT_WINDOW_MINUTES: optionalText.pipe(z.coerce.number<string | undefined>().int().min(1).max(7 * 24 * 60).optional()).transform((v) => v ?? 60),
  POLL_INTERVAL_MINUTES: optionalText.pipe(z.coerce.number<string | undefined>().int().min(0).max(24 * 60).optional()).transform((v) => v ?? 15),
  POLL_LOOKBACK_HOURS: optionalText.pipe(z.coerce.number<string | undefined>().int().min(1).max(24 * 30).optional()).transform((v) => v ?? 24),
  POLL_MAX_JOB_HOURS: optionalText.pipe(z.coerce.number<string | undefined>().min(1).max(24 * 7).optional()).transform((v) => v ?? 24),
  DELIVERY_TIMEOUT_SECONDS: optionalText.pipe(z.coerce.number<string | undefined>().min(0.01).max(600).optional()).transform((v) => v ?? 30),
  FIX_POLICY_FILE: optionalText,
  SWEEP_SCHEDULE: optionalText.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const parsed = parseSweepSchedule(v);
    if (parsed.ok) return parsed.schedule;
    ctx.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  }),
  AUDIT_API_KEY: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  FIX_VERIFY_POLL_SECONDS: optionalText.pipe(z.coerce.number<string | undefined>().min(0.01).max(600).optional()).transform((v) => v ?? 15),
  FIX_VERIFY_TIMEOUT_MINUTES: optionalText.pipe(z.coerce.number<string | undefined>().int().min(1).max(24 * 60).optional()).transform((v) => v ?? 120),
  FIX_SWEEP_SECONDS: optionalText.pipe(z.coerce.number<string | undefined>().min(1).max(3600).optional()).transform((v) => v ?? 60),
  FIX_HEARTBEAT_SECONDS: optionalText.pipe(z.coerce.number<string | undefined>().min(0.1).max(600).optional()).transform((v) => v ?? 20),
  CHAT_TIMEOUT_SECONDS: optionalText.pipe(z.coerce.number<string | undefined>().min(0.1).max(120).optional()).transform((v) => v ?? 15),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  SLACK_API_URL: optionalText.pipe(z.url().optional()),
  STATE_STORE: optionalText.pipe(z.enum(StateStores).optional()).transform((v) => v ?? 'sqlite'),
  // Signed in with the managed identity: Azure sends a bearer token over https only.
  STATE_BLOB_ACCOUNT_URL: optionalText.pipe(z.url({ protocol: /^https$/, error: 'must be an https:// account URL, e.g. https://<account>.blob.core.windows.net/' }).optional()),
  // Container names: 3-63 lower-case letters, digits and single hyphens (Azure's rule).
  STATE_BLOB_CONTAINER: optionalText.pipe(z.string().regex(/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a container name: 3-63 lower-case letters, digits, single hyphens').optional()).transform((v) => v ?? 'bot-state'),
  STATE_BLOB_CONNECTION_STRING: optionalText,
  STATE_TABLE_ACCOUNT_URL: optionalText.pipe(z.url({ protocol: /^https$/, error: 'must be an https:// account URL, e.g. https://<account>.table.core.windows.net/' }).optional()),
  // Table names: a letter, then letters and digits, 3-63 in all; the longest kind ('subscriptions') takes 13.
  STATE_TABLE_PREFIX: optionalText.pipe(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,40}$/, 'must be a letter and then up to 40 letters or digits').optional()).transform((v) => v ?? 'backupdoctor'),
  STATE_LEASE_SECONDS: optionalText.pipe(z.coerce.number<string | undefined>().int().min(15).max(60).optional()).transform((v) => v ?? 60),
  REQUEST_BODY_TIMEOUT_SECONDS: optionalText.pipe(z.coerce.number<string | undefined>().min(0.05).max(300).optional()).transform((v) => v ?? 10),
  REQUEST_HEADERS_TIMEOUT_SECONDS: optionalText.pipe(z.coerce.number<string | undefined>().min(0.05).max(300).optional()).transform((v) => v ?? 60),
  INCIDENT_COALESCE_SECONDS: optionalText.pipe(z.coerce.number<string | undefined>().min(0).max(600).optional()).transform((v) => v ?? 5),
});

/** The same storage account's table endpoint (https://x.blob.core.windows.net/ -> https://x.table.core.windows.net/). */
function tableUrlOfBlobUrl(blobUrl: string | undefined): string | undefined {
  if (blobUrl === undefined) return undefined;
  const url = new URL(blobUrl);
  if (!url.hostname.includes('.blob.')) return undefined;
  url.hostname = url.hostname.replace('.blob.', '.table.');
  url.pathname = '/';
  return url.toString();
}

export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CodedError('config_invalid', `Invalid configuration: ${problems.join('; ')}`, { problems });
  }
  const e = parsed.data;
  const appType: AppType = e.MicrosoftAppType ?? (e.MicrosoftAppTenantId ? 'SingleTenant' : 'MultiTenant');

  if (e.BOT_MODE === 'production') {
    // Anonymous Bot Framework access would let anyone on the network talk as any user: local mode only.
    const missing: string[] = [];
    if (!e.MicrosoftAppId) missing.push('MicrosoftAppId');
    if (appType !== 'UserAssignedMSI' && !e.MicrosoftAppPassword) missing.push('MicrosoftAppPassword');
    if (appType !== 'MultiTenant' && !e.MicrosoftAppTenantId) missing.push('MicrosoftAppTenantId');
    if (missing.length > 0) {
      throw new CodedError(
        'config_invalid',
        `Bot credentials missing: set ${missing.join(', ')} (MicrosoftAppType=${appType}), or set BOT_MODE=local for anonymous local use.`,
        { missing },
      );
    }
  }

  // Teams tenants we serve: without one, anyone who installs a MultiTenant app in their own tenant could use it.
  const allowedTenantIds = (e.ALLOWED_TENANT_IDS.length > 0 ? e.ALLOWED_TENANT_IDS : e.MicrosoftAppTenantId ? [e.MicrosoftAppTenantId] : []).map((t) => t.toLowerCase());
  if (e.BOT_MODE === 'production' && allowedTenantIds.length === 0) {
    throw new CodedError('config_invalid', `No allowed Teams tenant: set ALLOWED_TENANT_IDS (comma-separated Entra tenant ids) or MicrosoftAppTenantId (MicrosoftAppType=${appType}).`, { missing: ['ALLOWED_TENANT_IDS'] });
  }

  if (e.BOT_MODE === 'local') refuseUnsafeLocalMode(e);

  // Azure Monitor's secure webhook needs both; half of it would be switched off without a word.
  if ((e.ALERTS_AAD_AUDIENCE.length === 0) !== (e.ALERTS_AAD_ISSUER.length === 0)) {
    const missing = e.ALERTS_AAD_AUDIENCE.length === 0 ? ['ALERTS_AAD_AUDIENCE'] : ['ALERTS_AAD_ISSUER'];
    throw new CodedError('config_invalid', `Entra ID sign-in of the alert webhook needs both ALERTS_AAD_AUDIENCE and ALERTS_AAD_ISSUER: set ${missing.join(', ')}, or neither.`, { missing });
  }
  // In production a webhook nobody can authenticate to refuses every alert while looking healthy.
  if (e.BOT_MODE === 'production' && e.ALERTS_SHARED_SECRET === undefined && e.ALERTS_AAD_AUDIENCE.length === 0) {
    throw new CodedError(
      'config_invalid',
      'POST /api/alerts has no authentication: set ALERTS_SHARED_SECRET (sent by Azure Monitor in ?code= or x-backup-doctor-key), or ALERTS_AAD_AUDIENCE and ALERTS_AAD_ISSUER (its secure webhook).',
      { missing: ['ALERTS_SHARED_SECRET'] },
    );
  }

  // Half a Slack set-up would fail on the first request; say so at start-up instead.
  if ((e.SLACK_SIGNING_SECRET === undefined) !== (e.SLACK_BOT_TOKEN === undefined)) {
    const missing = e.SLACK_SIGNING_SECRET === undefined ? ['SLACK_SIGNING_SECRET'] : ['SLACK_BOT_TOKEN'];
    throw new CodedError('config_invalid', `Slack needs both SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN: set ${missing.join(', ')}, or neither to keep Slack off.`, { missing });
  }

  if (e.STATE_STORE === 'blob' && e.STATE_BLOB_ACCOUNT_URL === undefined && e.STATE_BLOB_CONNECTION_STRING === undefined) {
    throw new CodedError('config_invalid', 'STATE_STORE=blob needs STATE_BLOB_ACCOUNT_URL (signed in with the managed identity) or STATE_BLOB_CONNECTION_STRING.', { missing: ['STATE_BLOB_ACCOUNT_URL'] });
  }

  const config: Config = {
    mode: e.BOT_MODE,
    port: e.PORT,
    host: e.HOST ?? (e.BOT_MODE === 'local' ? '127.0.0.1' : '0.0.0.0'),
    bot: {
      MicrosoftAppType: appType,
      MicrosoftAppId: e.MicrosoftAppId,
      MicrosoftAppPassword: e.MicrosoftAppPassword,
      MicrosoftAppTenantId: e.MicrosoftAppTenantId,
    },
    identityGate: { teamsOnly: e.BOT_MODE === 'production' || e.ALLOWED_TENANT_IDS.length > 0, allowedTenantIds: e.BOT_MODE === 'production' ? allowedTenantIds : e.ALLOWED_TENANT_IDS.map((t) => t.toLowerCase()) },
    stateFile: e.STATE_FILE,
    sweepSchedule: e.SWEEP_SCHEDULE,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    sessionRetentionDays: e.SESSION_RETENTION_DAYS,
    sessionPurgeIntervalMinutes: e.SESSION_PURGE_INTERVAL_MINUTES,
    logLevel: e.LOG_LEVEL,
    knowledgeDir: e.KNOWLEDGE_DIR,
    azure: {
      endpoint: e.AZURE_ENDPOINT,
      caFile: e.AZURE_CA_FILE,
      managedIdentityClientId: e.AZURE_MANAGED_IDENTITY_CLIENT_ID,
      subscriptionIds: e.AZURE_SUBSCRIPTION_IDS,
      watchedVaults: e.WATCHED_VAULTS,
      simulatorScenario: e.AZURE_SIMULATOR_SCENARIO,
      logAnalytics: { workspaceId: e.LOG_ANALYTICS_WORKSPACE_ID, endpoint: e.LOG_ANALYTICS_ENDPOINT, queryTimeoutSeconds: e.LOG_ANALYTICS_QUERY_TIMEOUT_SECONDS },
    },
    alerts: {
      sharedSecret: e.ALERTS_SHARED_SECRET ?? (e.BOT_MODE === 'local' ? 'local-demo-secret' : undefined),
      aadAudience: e.ALERTS_AAD_AUDIENCE,
      aadIssuer: e.ALERTS_AAD_ISSUER,
      jwksUrl: e.ALERTS_JWKS_URL,
      aadAllowedAppIds: e.ALERTS_AAD_ALLOWED_APP_IDS,
      aadRequiredRole: e.ALERTS_AAD_REQUIRED_ROLE,
      maxBodyBytes: e.ALERTS_MAX_BODY_BYTES,
      incidentWindowMinutes: e.INCIDENT_WINDOW_MINUTES,
      pollIntervalMinutes: e.POLL_INTERVAL_MINUTES,
      pollLookbackHours: e.POLL_LOOKBACK_HOURS,
      pollMaxJobHours: e.POLL_MAX_JOB_HOURS,
      deliveryTimeoutSeconds: e.DELIVERY_TIMEOUT_SECONDS,
      coalesceSeconds: e.INCIDENT_COALESCE_SECONDS,
      retentionDays: e.INCIDENT_RETENTION_DAYS,
    },
    state: {
      store: e.STATE_STORE,
      blobAccountUrl: e.STATE_BLOB_ACCOUNT_URL,
      blobContainer: e.STATE_BLOB_CONTAINER,
      blobConnectionString: e.STATE_BLOB_CONNECTION_STRING,
      tableAccountUrl: e.STATE_TABLE_ACCOUNT_URL ?? tableUrlOfBlobUrl(e.STATE_BLOB_ACCOUNT_URL),
      tablePrefix: e.STATE_TABLE_PREFIX,
      leaseSeconds: e.STATE_LEASE_SECONDS,
    },
    remediation: {
      policyFile: e.FIX_POLICY_FILE,
      auditApiKey: e.AUDIT_API_KEY,
      verifyPollSeconds: e.FIX_VERIFY_POLL_SECONDS,
      verifyTimeoutMinutes: e.FIX_VERIFY_TIMEOUT_MINUTES,
      sweepSeconds: e.FIX_SWEEP_SECONDS,
      heartbeatSeconds: e.FIX_HEARTBEAT_SECONDS,
    },
    chatTimeoutSeconds: e.CHAT_TIMEOUT_SECONDS,
    http: { bodyTimeoutSeconds: e.REQUEST_BODY_TIMEOUT_SECONDS, headersTimeoutSeconds: e.REQUEST_HEADERS_TIMEOUT_SECONDS },
    slack: {
      enabled: e.SLACK_SIGNING_SECRET !== undefined && e.SLACK_BOT_TOKEN !== undefined,
      signingSecret: e.SLACK_SIGNING_SECRET,
      botToken: e.SLACK_BOT_TOKEN,
      apiUrl: e.SLACK_API_URL === undefined ? undefined : e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
    },
  };
  return deepFreeze(config);
}

/** localhost, 127.0.0.0/8 or ::1 (with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Local mode is anonymous: anyone who reaches /api/messages is trusted. It must therefore stay
 * on this machine (HOST), reach no real Azure with real credentials (AZURE_ENDPOINT: only the
 * local simulator), and never run on App Service, where the site is public.
 */
function refuseUnsafeLocalMode(e: { readonly HOST?: string | undefined; readonly AZURE_ENDPOINT?: string | undefined; readonly WEBSITE_SITE_NAME?: string | undefined; readonly LOG_ANALYTICS_WORKSPACE_ID?: string | undefined; readonly LOG_ANALYTICS_ENDPOINT: string }): void {
  if (e.WEBSITE_SITE_NAME !== undefined) {
    throw new CodedError(
      'config_invalid',
      `BOT_MODE=local is refused on Azure App Service (WEBSITE_SITE_NAME=${e.WEBSITE_SITE_NAME}): local mode accepts anonymous requests; use BOT_MODE=production with the bot's credentials.`,
      { setting: 'BOT_MODE' },
    );
  }
  if (e.HOST !== undefined && !isLoopbackHost(e.HOST)) {
    throw new CodedError('config_invalid', `HOST=${e.HOST} is refused in local mode: anonymous access must stay on this machine; use 127.0.0.1 (or localhost, ::1).`, { setting: 'HOST' });
  }
  if (e.AZURE_ENDPOINT !== undefined && !isLoopbackHost(new URL(e.AZURE_ENDPOINT).hostname)) {
    throw new CodedError(
      'config_invalid',
      `AZURE_ENDPOINT=${e.AZURE_ENDPOINT} is refused in local mode: anonymous users must never reach real Azure; local mode only talks to the simulator on this machine (https://127.0.0.1:<port>).`,
      { setting: 'AZURE_ENDPOINT' },
    );
  }
  if (e.LOG_ANALYTICS_WORKSPACE_ID !== undefined && !isLoopbackHost(new URL(e.LOG_ANALYTICS_ENDPOINT).hostname)) {
    throw new CodedError(
      'config_invalid',
      `LOG_ANALYTICS_ENDPOINT=${e.LOG_ANALYTICS_ENDPOINT} is refused in local mode: local mode only queries the simulator on this machine (https://127.0.0.1:<port>).`,
      { setting: 'LOG_ANALYTICS_ENDPOINT' },
    );
  }
}

/** Reads the process environment. Call once, in main or the demo. */
export function loadConfig(overrides: Readonly<Record<string, string | undefined>> = {}): Config {
  return parseConfig({ ...process.env, ...overrides });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
