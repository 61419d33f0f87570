import { hiddenCharacters, safeDecode } from '../arm-id';
import { parseIsoInstant } from '../iso-instant';
import { z } from 'zod';
import { classifyAlert, commonSchemaId, isBackupHealthMetric } from './alert-kind';
import { malformedArmId, parseVaultId, parseVmId } from './arm-ids';
import type { AlertCondition, BackupAlert } from './backup-alert';
import { normaliseJobId } from './backup-alert';
import { type LogSearchAlert, readLogSearchAlert } from './log-search-alert';
import { healthDimensions, protectedItemOfBackupAlert, protectedItemOfHealthEvent } from './protected-item';

/**
 * Turns a parsed JSON body into one BackupAlert, an "ignored" answer with the reason, or names the
 * field that is wrong. The kinds (alert-kind.ts; facts in alert-kinds.md):
 *  - Azure Monitor common alert schema, monitoringService "Azure Backup" (the built-in Backup Failure
 *    alert), for every workload: VM, SQL / SAP HANA in a VM, Azure Files, MARS, MABS / DPM, disks, blobs;
 *  - the common-schema metric alert on Backup Health Events (no job id, no code);
 *  - a log search alert whose query reads the backup job tables (its rows are read by the caller: log-search-alert.ts);
 *  - the documented minimal JSON { vault, vm, errorCode | message, jobId?, condition?, occurredAt? } for other tools;
 *  - any other well-formed alert (activity log, service health, budgets, other metrics...): ignored.
 * Azure payloads are read leniently (Azure adds fields): their schemas pass unknown fields by and
 * keep only the ones read, which also spares a storm copying every field of every alert. The minimal
 * JSON is strict so typos are named.
 */
export type NormaliseResult =
  | { readonly kind: 'alert'; readonly alert: BackupAlert }
  /** A log search alert on backup jobs: its failed jobs are in the results of its query, which the caller runs. */
  | { readonly kind: 'log-search'; readonly search: LogSearchAlert }
  | { readonly kind: 'ignored'; readonly reason: string; readonly rule?: string }
  | { readonly kind: 'invalid'; readonly field: string; readonly reason: string };

type Invalid = Extract<NormaliseResult, { kind: 'invalid' }>;
const invalid = (field: string, reason: string): Invalid => ({ kind: 'invalid', field, reason });
const accepted = (alert: BackupAlert): NormaliseResult => ({ kind: 'alert', alert });

const text = (max: number) => z.string().trim().min(1).max(max);
const noHiddenCharacters = 'must not contain control characters or text-direction marks (no Azure resource name has one)';
const resourceName = (max: number) => z.string().max(max).refine((v) => !hiddenCharacters.test(v), noHiddenCharacters);
/** Text that may hold an ARM id: a malformed %-escape in the id's name is refused here, so the 400 names the field. */
const armText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !hiddenCharacters.test(v), noHiddenCharacters)
    .refine((v) => !malformedArmId(v), 'has a malformed %-escape in the resource name');
/**
 * An ARM id field of Azure's own schema: its names are read %-decoded, so a hidden character written as
 * an escape (%E2%80%AE, %0A) is refused as the character itself would be.
 */
const decodedArmText = (max: number) => armText(max).refine((v) => !hiddenCharacters.test(safeDecode(v)), `${noHiddenCharacters}, nor a %-escape of one`);
const timestamp = z
  .string()
  .max(64)
  .refine((v) => parseIsoInstant(v, alertTimeRules) !== undefined, 'must be an ISO 8601 date-time with its zone, such as 2026-12-03T08:15:00Z');
/** Azure's alert times always carry a zone (…Z or …+00:00); a time without one would be read in the server's zone. */
const alertTimeRules = { requireTime: true, requireZone: true } as const;
/** A time the schema has already checked. */
const instantOf = (text: string): Date => parseIsoInstant(text, alertTimeRules) ?? new Date(Number.NaN);
const condition = z.enum(['Fired', 'Resolved']);
/** A secondary field: its value when it has one of the shapes read, else absent (never a 400 for the whole alert). */
const lenient = <T>(schema: z.ZodType<T>) => schema.nullish().catch(undefined);
const vaultName = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9-]{1,49}$/, 'must be a Recovery Services vault name (2-50 letters, digits, hyphens) or its ARM id');
const vmName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'must be a VM name (1-64 letters, digits, _ . -) or its ARM id');
const jobIdText = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9/._;-]{1,400}$/, 'must be a backup job id (GUID or ARM id)');

const essentialsSchema = z.object({
  // The common schema writes an absent value as null (Microsoft's own samples do, for alertRule).
  alertId: text(1000).nullish(),
  alertRule: text(1000).nullish(),
  monitoringService: text(200),
  monitorCondition: condition,
  alertTargetIDs: z.array(decodedArmText(1000)).min(1, 'must list the vault id'),
  configurationItems: z.array(z.string().max(1000)).nullish(),
  originAlertId: z.string().max(2000).nullish(),
  firedDateTime: timestamp,
  resolvedDateTime: timestamp.nullish(),
  description: z.string().max(8000).nullish(),
});

const backupContextSchema = z.object({
  sourceId: decodedArmText(2000).nullish(),
  linkedResourceId: decodedArmText(2000).nullish(),
  linkedResourceName: resourceName(200).nullish(),
  protectedItemId: resourceName(2000).nullish(),
  // Read only when the ids above are missing: a value of another shape is passed over, never a reason to refuse the alert.
  affectedItems: lenient(z.union([decodedArmText(4000), z.array(decodedArmText(4000)).transform((items) => items[0])])),
  sourceType: z.string().max(200).nullish(),
  formattedSourceType: z.string().max(200).nullish(),
  extendedInfo: z
    .object({
      jobId: z.string().max(400).nullish(),
      // Hints only: a list of actions is read as one text, anything else passed over.
      recommendedActions: lenient(z.union([z.string().max(8000), z.array(z.string().max(8000)).transform((actions) => actions.join('\n'))])),
    })
    .nullish(),
});

const metricContextSchema = z.object({
  conditionType: z.string().max(200).nullish(),
  condition: z.object({
    allOf: z
      .array(
        z.object({
          metricName: z.string().max(200),
          metricNamespace: z.string().max(200).nullish(),
          // A dimension without a value (null) says nothing; it is left out rather than refusing the alert.
          dimensions: z
            // Values name the datasource and its item (ARM ids, container names): read %-decoded, so checked so too.
            .array(z.object({ name: z.string().max(200), value: z.string().max(2000).refine((v) => !hiddenCharacters.test(safeDecode(v)), `${noHiddenCharacters}, nor a %-escape of one`).nullish() }))
            .default([])
            .transform((dimensions) => dimensions.flatMap((d) => (typeof d.value === 'string' ? [{ name: d.name, value: d.value }] : []))),
        }),
      )
      .min(1),
  }),
});

const commonSchema = z.object({
  schemaId: z.literal(commonSchemaId),
  data: z.object({
    essentials: essentialsSchema,
    // Read by the workload's own schema below; checked here only for being an object, so it is not copied twice.
    alertContext: z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'must be an object'),
  }),
});

export const MinimalAlertSchema = z
  .object({
    vault: z.union([vaultName, armText(1000).pipe(z.string().trim().regex(/\/vaults\/[^/]+$/i, 'must be a vault name or ARM id'))]),
    vm: z.union([vmName, armText(1000).pipe(z.string().trim().regex(/\/virtualMachines\/[^/]+$/i, 'must be a VM name or ARM id'))]),
    errorCode: z
      .string()
      .trim()
      .regex(/^[A-Za-z][A-Za-z0-9]{2,100}$/, 'must be an error code such as UserErrorGuestAgentStatusUnavailable')
      .optional(),
    message: text(4000).optional(),
    jobId: jobIdText.optional(),
    condition: z.enum(['fired', 'resolved', 'Fired', 'Resolved']).optional(),
    occurredAt: timestamp.optional(),
    subscriptionId: z.string().trim().regex(/^[0-9a-fA-F-]{36}$/, 'must be a subscription GUID').optional(),
    resourceGroup: z.string().trim().min(1).max(90).optional(),
  })
  .strict();
export type MinimalAlert = z.infer<typeof MinimalAlertSchema>;

function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out.length === 0 ? '(body)' : out;
}

function fail(error: z.ZodError, prefix = ''): Invalid {
  const issue = error.issues[0];
  if (!issue) return invalid('(body)', 'invalid');
  // An unknown key in the strict minimal schema: name the key itself, not its parent.
  if (issue.code === 'unrecognized_keys') return invalid(fieldPath(prefix, [...issue.path, issue.keys[0] ?? '']), 'is not a known field');
  // A name-or-ARM-id field: zod says only "Invalid input"; the first alternative's rule says what a good value is.
  const alternative = issue.code === 'invalid_union' ? issue.errors[0]?.[0] : undefined;
  if (alternative) return invalid(fieldPath(prefix, [...issue.path, ...alternative.path]), alternative.message);
  return invalid(fieldPath(prefix, issue.path), issue.message);
}

function toCondition(value: string | undefined): AlertCondition {
  return value?.toLowerCase() === 'resolved' ? 'resolved' : 'fired';
}

function nonBlank(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `receivedAt` stands in for the time of alerts that do not carry one (minimal JSON without occurredAt). */
export function normaliseAlert(body: unknown, receivedAt: Date): NormaliseResult {
  const kind = classifyAlert(body);
  const record = body as Record<string, unknown>;
  switch (kind.kind) {
    case 'invalid':
      return invalid(kind.field, kind.reason);
    case 'ignored':
      return { kind: 'ignored', reason: kind.reason, ...(kind.rule ? { rule: kind.rule } : {}) };
    case 'minimal':
      return normaliseMinimal(record, receivedAt);
    case 'azure-backup':
    case 'backup-health-metric':
      return normaliseCommon(record, kind.kind);
    case 'backup-log-search': {
      const search = readLogSearchAlert(body, kind.query, kind.rule);
      return search ? { kind: 'log-search', search } : invalid('data.essentials.firedDateTime', 'must be an ISO 8601 date-time');
    }
  }
}

function normaliseCommon(body: Record<string, unknown>, kind: 'azure-backup' | 'backup-health-metric'): NormaliseResult {
  const parsed = commonSchema.safeParse(body);
  if (!parsed.success) return fail(parsed.error);
  const { essentials, alertContext } = parsed.data.data;
  const vaultTarget = essentials.alertTargetIDs[0] ?? '';
  const vault = parseVaultId(vaultTarget);
  if (!vault) {
    return invalid('data.essentials.alertTargetIDs[0]', 'must be a Recovery Services vault or Backup vault id (/subscriptions/.../vaults/<name>)');
  }
  // alertTargetIDs is lower-cased by Azure; configurationItems keeps the vault's own spelling.
  const displayName = (essentials.configurationItems ?? []).find((c) => c.toLowerCase() === vault.name.toLowerCase()) ?? vault.name;
  const cond = toCondition(essentials.monitorCondition);
  const occurredAt = instantOf(cond === 'resolved' && essentials.resolvedDateTime ? essentials.resolvedDateTime : essentials.firedDateTime);
  // Built field by field rather than with conditional spreads, which V8 copies slowly: every alert of a storm comes through here.
  const base: Mutable<CommonBase> = {
    condition: cond,
    vault: { name: displayName, subscriptionId: vault.subscriptionId, resourceGroup: vault.resourceGroup },
    occurredAt,
  };
  if (essentials.alertId) base.alertId = essentials.alertId;
  const message = nonBlank(essentials.description);
  if (message) base.message = message;
  if (kind === 'backup-health-metric') return normaliseHealthMetric(alertContext, base, essentials.alertRule ?? undefined);
  return normaliseBackupAlert(alertContext, base, essentials.originAlertId);
}

type CommonBase = Pick<BackupAlert, 'condition' | 'vault' | 'occurredAt' | 'alertId' | 'message'>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function normaliseHealthMetric(alertContext: Record<string, unknown>, base: CommonBase, rule: string | undefined): NormaliseResult {
  const metric = metricContextSchema.safeParse(alertContext);
  if (!metric.success) return fail(metric.error, 'data.alertContext');
  const allOf = metric.data.condition.allOf;
  const at = Math.max(0, allOf.findIndex((c) => isBackupHealthMetric(c.metricName)));
  const dims = healthDimensions(allOf[at]?.dimensions ?? []);
  const item = protectedItemOfHealthEvent(dims);
  if (!item && dims.dataSourceUrl === undefined && dims.backupInstanceUrl === undefined && dims.backupInstanceName === undefined) {
    // Microsoft's vault-level rule (no split by datasource): a count for the vault, naming no item to troubleshoot.
    return {
      kind: 'ignored',
      reason: 'a Backup Health Events alert without a Datasource ID or Backup Instance dimension names no backup item: split the alert rule by Datasource ID to get an incident per item',
      ...(rule ? { rule } : {}),
    };
  }
  if (!item) {
    return invalid(
      `data.alertContext.condition.allOf[${at}].dimensions`,
      'must include dataSourceURL (the datasource ARM id), backupInstanceUrl (the protected item id) or backupInstanceName ({protectedContainerName};{backupItemFriendlyName})',
    );
  }
  const health = dims.healthStatus;
  // A health metric back at Healthy is a recovery even when it arrives as a new "Fired".
  const healthy = health !== undefined && /^healthy$/i.test(health);
  return accepted({
    ...base,
    condition: healthy ? 'resolved' : base.condition,
    source: 'azure-monitor-metric',
    vm: item.vm,
    ...(item.workload === 'azure-vm' ? {} : { workload: item.workload }),
    codeHints: [],
    ...(health ? { healthStatus: health } : {}),
  });
}

function normaliseBackupAlert(alertContext: Record<string, unknown>, base: CommonBase, originAlertId: string | null | undefined): NormaliseResult {
  const ctx = backupContextSchema.safeParse(alertContext);
  if (!ctx.success) return fail(ctx.error, 'data.alertContext');
  const c = ctx.data;
  const item = protectedItemOfBackupAlert(c);
  if (!item) {
    return invalid('data.alertContext.linkedResourceId', 'must be the protected resource ARM id (or give linkedResourceName / protectedItemId)');
  }
  const hints: string[] = [];
  const origin = nonBlank(originAlertId);
  if (origin) hints.push(origin);
  const actions = nonBlank(c.extendedInfo?.recommendedActions);
  if (actions) hints.push(actions);
  // base's fields are copied one by one: spreading it (its optional fields vary per alert) measured twice the whole normalisation.
  const alert: Mutable<BackupAlert> = { source: 'azure-monitor-backup', condition: base.condition, vault: base.vault, vm: item.vm, codeHints: hints, occurredAt: base.occurredAt };
  if (base.alertId !== undefined) alert.alertId = base.alertId;
  if (base.message !== undefined) alert.message = base.message;
  if (item.workload !== 'azure-vm') alert.workload = item.workload;
  const jobId = nonBlank(c.extendedInfo?.jobId);
  if (jobId) alert.jobId = normaliseJobId(jobId);
  return accepted(alert);
}

function normaliseMinimal(body: Record<string, unknown>, receivedAt: Date): NormaliseResult {
  const parsed = MinimalAlertSchema.safeParse(body);
  if (!parsed.success) return fail(parsed.error);
  const m = parsed.data;
  if (!m.errorCode && !m.message) return invalid('errorCode', 'errorCode or message is required');
  // The name in an ARM id is %-decoded: an escape must not bring in what the plain name may not hold.
  if (hiddenCharacters.test(safeDecode(m.vault))) return invalid('vault', `${noHiddenCharacters}, nor a %-escape of one`);
  const vaultFromId = parseVaultId(m.vault);
  if (m.vault.includes('/') && !vaultFromId) return invalid('vault', 'must be a vault name or a Recovery Services vault ARM id');
  if (hiddenCharacters.test(safeDecode(m.vm))) return invalid('vm', `${noHiddenCharacters}, nor a %-escape of one`);
  const vmFromId = parseVmId(m.vm);
  if (m.vm.includes('/') && !vmFromId) return invalid('vm', 'must be a VM name or a virtual machine ARM id');
  const occurredAt = m.occurredAt ? instantOf(m.occurredAt) : undefined;
  return accepted({
      source: 'minimal',
      condition: toCondition(m.condition),
      vault: vaultFromId
        ? { name: vaultFromId.name, subscriptionId: vaultFromId.subscriptionId, resourceGroup: vaultFromId.resourceGroup }
        : { name: m.vault, ...(m.subscriptionId ? { subscriptionId: m.subscriptionId } : {}), ...(m.resourceGroup ? { resourceGroup: m.resourceGroup } : {}) },
      vm: vmFromId ? { name: vmFromId.name, resourceGroup: vmFromId.resourceGroup, subscriptionId: vmFromId.subscriptionId } : { name: m.vm },
      codeHints: [],
      ...(m.errorCode ? { errorCode: m.errorCode } : {}),
      ...(m.message ? { message: m.message } : {}),
      ...(m.jobId ? { jobId: normaliseJobId(m.jobId) } : {}),
      ...(occurredAt ? { occurredAt } : { occurredAt: receivedAt, timeFromReceipt: true }),
  });
}
