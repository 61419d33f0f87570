import { z } from 'zod';
import { malformedArmId, parseContainerVm, parseVaultId, parseVmId } from './arm-ids';
import type { AlertCondition, AlertVm, BackupAlert } from './backup-alert';
import { normaliseJobId } from './backup-alert';

/**
 * Turns a parsed JSON body into one BackupAlert, or names the field that is wrong.
 * Three kinds are accepted (see docs in alert-payloads.md):
 *  - Azure Monitor common alert schema, monitoringService "Azure Backup" (the built-in Backup Failure alert);
 *  - the common-schema metric alert on "Backup Health Events" (no job id, no code);
 *  - the documented minimal JSON { vault, vm, errorCode | message, jobId?, condition?, occurredAt? } for other tools.
 * Azure payloads are read leniently (Azure adds fields); the minimal JSON is strict so typos are named.
 */
export type NormaliseResult = { readonly ok: true; readonly alert: BackupAlert } | { readonly ok: false; readonly field: string; readonly reason: string };

const text = (max: number) => z.string().trim().min(1).max(max);
/** Text that may hold an ARM id: a malformed %-escape in the id's name is refused here, so the 400 names the field. */
const armText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !malformedArmId(v), 'has a malformed %-escape in the resource name');
const timestamp = z
  .string()
  .max(64)
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date-time');
const condition = z.enum(['Fired', 'Resolved']);
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

const essentialsSchema = z.looseObject({
  alertId: text(1000).optional(),
  alertRule: text(1000).optional(),
  monitoringService: text(200),
  monitorCondition: condition,
  alertTargetIDs: z.array(armText(1000)).min(1, 'must list the vault id'),
  configurationItems: z.array(z.string().max(1000)).nullish(),
  originAlertId: z.string().max(2000).nullish(),
  firedDateTime: timestamp,
  resolvedDateTime: timestamp.nullish(),
  description: z.string().max(8000).nullish(),
});

const backupContextSchema = z.looseObject({
  sourceId: armText(2000).nullish(),
  linkedResourceId: armText(2000).nullish(),
  linkedResourceName: z.string().max(200).nullish(),
  protectedItemId: z.string().max(2000).nullish(),
  affectedItems: armText(4000).nullish(),
  extendedInfo: z
    .looseObject({
      jobId: z.string().max(400).nullish(),
      recommendedActions: z.string().max(8000).nullish(),
    })
    .nullish(),
});

const metricContextSchema = z.looseObject({
  conditionType: z.string().max(200).nullish(),
  condition: z.looseObject({
    allOf: z
      .array(
        z.looseObject({
          metricName: z.string().max(200),
          dimensions: z.array(z.looseObject({ name: z.string().max(200), value: z.string().max(2000) })).default([]),
        }),
      )
      .min(1),
  }),
});

const commonSchema = z.looseObject({
  schemaId: z.literal('azureMonitorCommonAlertSchema'),
  data: z.looseObject({
    essentials: essentialsSchema,
    alertContext: z.looseObject({}),
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

function fail(error: z.ZodError, prefix = ''): NormaliseResult {
  const issue = error.issues[0];
  if (!issue) return { ok: false, field: '(body)', reason: 'invalid' };
  // An unknown key in the strict minimal schema: name the key itself, not its parent.
  if (issue.code === 'unrecognized_keys') {
    return { ok: false, field: fieldPath(prefix, [...issue.path, issue.keys[0] ?? '']), reason: 'is not a known field' };
  }
  return { ok: false, field: fieldPath(prefix, issue.path), reason: issue.message };
}

function toCondition(value: string | undefined): AlertCondition {
  return value?.toLowerCase() === 'resolved' ? 'resolved' : 'fired';
}

function nonBlank(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `receivedAt` stands in for the time of alerts that do not carry one (minimal JSON without occurredAt). */
export function normaliseAlert(body: unknown, receivedAt: Date): NormaliseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, field: '(body)', reason: 'must be a JSON object' };
  }
  const record = body as Record<string, unknown>;
  if ('schemaId' in record) return normaliseCommon(record);
  if ('vault' in record || 'vm' in record) return normaliseMinimal(record, receivedAt);
  return {
    ok: false,
    field: 'schemaId',
    reason: "missing: send the Azure Monitor common alert schema (schemaId 'azureMonitorCommonAlertSchema') or the minimal JSON {vault, vm, errorCode | message}",
  };
}

function normaliseCommon(body: Record<string, unknown>): NormaliseResult {
  const parsed = commonSchema.safeParse(body);
  if (!parsed.success) return fail(parsed.error);
  const { essentials, alertContext } = parsed.data.data;
  const vaultTarget = essentials.alertTargetIDs[0] ?? '';
  const vault = parseVaultId(vaultTarget);
  if (!vault) {
    return { ok: false, field: 'data.essentials.alertTargetIDs[0]', reason: 'must be a Recovery Services vault id (/subscriptions/.../vaults/<name>)' };
  }
  // alertTargetIDs is lower-cased by Azure; configurationItems keeps the vault's own spelling.
  const displayName = (essentials.configurationItems ?? []).find((c) => c.toLowerCase() === vault.name.toLowerCase()) ?? vault.name;
  const cond = toCondition(essentials.monitorCondition);
  const occurredAt = new Date(cond === 'resolved' && essentials.resolvedDateTime ? essentials.resolvedDateTime : essentials.firedDateTime);
  const base = {
    condition: cond,
    vault: { name: displayName, subscriptionId: vault.subscriptionId, resourceGroup: vault.resourceGroup },
    occurredAt,
    ...(essentials.alertId ? { alertId: essentials.alertId } : {}),
  };

  const isMetric = 'condition' in alertContext || essentials.monitoringService.toLowerCase() === 'platform';
  if (isMetric) {
    const metric = metricContextSchema.safeParse(alertContext);
    if (!metric.success) return fail(metric.error, 'data.alertContext');
    const dims = new Map<string, string>();
    for (const criterion of metric.data.condition.allOf) {
      for (const d of criterion.dimensions) dims.set(d.name.replace(/[\s_]/g, '').toLowerCase(), d.value);
    }
    const metricName = metric.data.condition.allOf[0]?.metricName ?? '';
    if (!/health\s*event/i.test(metricName)) {
      return { ok: false, field: 'data.alertContext.condition.allOf[0].metricName', reason: 'must be the Backup Health Events metric' };
    }
    const datasource = dims.get('datasourceid');
    const vmFromId = datasource ? parseVmId(datasource) : undefined;
    const vmName = vmFromId?.name ?? dims.get('backupinstancename') ?? dims.get('datasourcename');
    if (!vmName) {
      return { ok: false, field: 'data.alertContext.condition.allOf[0].dimensions', reason: 'must include DatasourceId (the VM ARM id) or BackupInstanceName' };
    }
    const health = dims.get('healthstatus');
    const vm: AlertVm = vmFromId ? { name: vmFromId.name, resourceGroup: vmFromId.resourceGroup, subscriptionId: vmFromId.subscriptionId } : { name: vmName };
    // A health metric back at Healthy is a recovery even when it arrives as a new "Fired".
    const healthy = health !== undefined && /^healthy$/i.test(health);
    return {
      ok: true,
      alert: {
        ...base,
        condition: healthy ? 'resolved' : cond,
        source: 'azure-monitor-metric',
        vm,
        codeHints: [],
        ...(health ? { healthStatus: health } : {}),
        ...(nonBlank(essentials.description) ? { message: nonBlank(essentials.description) } : {}),
      },
    };
  }

  if (essentials.monitoringService.toLowerCase() !== 'azure backup') {
    return { ok: false, field: 'data.essentials.monitoringService', reason: "must be 'Azure Backup' (or 'Platform' for the Backup Health Events metric alert)" };
  }
  const ctx = backupContextSchema.safeParse(alertContext);
  if (!ctx.success) return fail(ctx.error, 'data.alertContext');
  const c = ctx.data;
  const vmId = [c.linkedResourceId, c.sourceId, c.affectedItems].map((v) => (v ? parseVmId(v) : undefined)).find((v) => v !== undefined);
  const fromContainer = c.protectedItemId ? parseContainerVm(c.protectedItemId) : undefined;
  const name = vmId?.name ?? nonBlank(c.linkedResourceName) ?? fromContainer?.name;
  if (!name) {
    return { ok: false, field: 'data.alertContext.linkedResourceId', reason: 'must be the VM ARM id (or give linkedResourceName / protectedItemId)' };
  }
  const vm: AlertVm = {
    name,
    ...((vmId?.resourceGroup ?? fromContainer?.resourceGroup) ? { resourceGroup: vmId?.resourceGroup ?? fromContainer?.resourceGroup } : {}),
    ...(vmId ? { subscriptionId: vmId.subscriptionId } : {}),
  };
  const jobId = nonBlank(c.extendedInfo?.jobId);
  const hints = [nonBlank(essentials.originAlertId), nonBlank(c.extendedInfo?.recommendedActions)].filter((h): h is string => h !== undefined);
  const message = nonBlank(essentials.description);
  return {
    ok: true,
    alert: {
      ...base,
      source: 'azure-monitor-backup',
      vm,
      codeHints: hints,
      ...(jobId ? { jobId: normaliseJobId(jobId) } : {}),
      ...(message ? { message } : {}),
    },
  };
}

function normaliseMinimal(body: Record<string, unknown>, receivedAt: Date): NormaliseResult {
  const parsed = MinimalAlertSchema.safeParse(body);
  if (!parsed.success) return fail(parsed.error);
  const m = parsed.data;
  if (!m.errorCode && !m.message) return { ok: false, field: 'errorCode', reason: 'errorCode or message is required' };
  const vaultFromId = parseVaultId(m.vault);
  if (m.vault.includes('/') && !vaultFromId) return { ok: false, field: 'vault', reason: 'must be a vault name or a Recovery Services vault ARM id' };
  const vmFromId = parseVmId(m.vm);
  if (m.vm.includes('/') && !vmFromId) return { ok: false, field: 'vm', reason: 'must be a VM name or a virtual machine ARM id' };
  const occurredAt = m.occurredAt ? new Date(m.occurredAt) : undefined;
  return {
    ok: true,
    alert: {
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
      occurredAt: occurredAt ?? receivedAt,
    },
  };
}
