import { z } from 'zod';
import { CodedError } from '../errors';
import { KebabIdSchema, LocalizedTextSchema, type LocalizedText } from '../knowledge/schema';

/**
 * The fix catalogue: what each approved fix does to Azure, as data (knowledge/fixes.json).
 * The plan card shows exactly these operations, and the executors run exactly these
 * scripts, so what an approver reads is what runs.
 */

export const FixIds = [
  'retry-backup',
  'restart-windows-agent',
  'restart-linux-agent',
  'update-linux-agent',
  'reinstall-backup-extension',
  'clear-restore-points-behind-lock',
  'enable-verbose-agent-logging',
] as const;
export type FixId = (typeof FixIds)[number];

export const PreconditionIds = ['vm-protected', 'vm-running', 'os-windows', 'os-linux', 'backup-extension-present', 'restore-point-collection-exists'] as const;
export type PreconditionId = (typeof PreconditionIds)[number];

const verbatim = z.string().trim().min(1);

const OperationBase = {
  /** The SDK call, shown verbatim on the plan card. */
  call: verbatim,
  description: LocalizedTextSchema,
};

export const FixOperationSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('run-command'),
      os: z.enum(['Windows', 'Linux']),
      commandId: z.enum(['RunPowerShellScript', 'RunShellScript']),
      script: z.array(verbatim).min(1),
      ...OperationBase,
    })
    .strict()
    .refine((op) => (op.os === 'Windows') === (op.commandId === 'RunPowerShellScript'), { message: 'Windows uses RunPowerShellScript, Linux RunShellScript' }),
  z.object({ kind: z.literal('trigger-backup'), ...OperationBase }).strict(),
  z.object({ kind: z.literal('delete-extension'), extension: z.object({ Windows: verbatim, Linux: verbatim }).strict(), ...OperationBase }).strict(),
  z.object({ kind: z.literal('list-restore-point-collections'), namePattern: verbatim, ...OperationBase }).strict(),
  z.object({ kind: z.literal('record-locks'), ...OperationBase }).strict(),
  z.object({ kind: z.literal('delete-locks'), ...OperationBase }).strict(),
  z.object({ kind: z.literal('delete-restore-point-collection'), ...OperationBase }).strict(),
  z.object({ kind: z.literal('restore-locks'), ...OperationBase }).strict(),
]);
export type FixOperation = z.infer<typeof FixOperationSchema>;
export type RunCommandOperation = Extract<FixOperation, { kind: 'run-command' }>;

export const FixDefinitionSchema = z
  .object({
    id: z.enum(FixIds),
    title: LocalizedTextSchema,
    risk: z.enum(['low', 'high']),
    /** Cause ids (knowledge/causes) this fix addresses. */
    causes: z.array(KebabIdSchema).min(1),
    appliesTo: z.enum(['windows', 'linux', 'any']),
    summary: LocalizedTextSchema,
    operations: z.array(FixOperationSchema).min(1),
    /** Checked against the VM before the fix is offered; a failed one shows the fix disabled with the reason. */
    preconditions: z.array(z.enum(PreconditionIds)),
    changes: LocalizedTextSchema,
    undo: LocalizedTextSchema,
  })
  .strict();
export type FixDefinition = z.infer<typeof FixDefinitionSchema>;
export type FixRisk = FixDefinition['risk'];

export const FixCatalogueFileSchema = z.object({ fixes: z.array(FixDefinitionSchema).min(1) }).strict();

export interface FixCatalogue {
  readonly fixes: readonly FixDefinition[];
  get(id: string): FixDefinition | undefined;
  require(id: string): FixDefinition;
  /** Fixes addressing this cause, in catalogue order. */
  forCause(causeId: string): readonly FixDefinition[];
}

/** Validates the whole fixes file; every problem is reported as `path: reason` under the file name. */
export function parseFixCatalogue(json: unknown, source = 'knowledge/fixes.json'): FixCatalogue {
  const parsed = FixCatalogueFileSchema.safeParse(json);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${source}: ${formatIssuePath(issue.path)}: ${issue.message}`);
    throw new CodedError('knowledge_invalid', `The fix catalogue is invalid:\n${problems.join('\n')}`, { problems });
  }
  const byId = new Map<string, FixDefinition>();
  parsed.data.fixes.forEach((fix, i) => {
    if (byId.has(fix.id)) problems.push(`${source}: fixes[${i}].id: duplicate fix id "${fix.id}"`);
    byId.set(fix.id, fix);
    const runCommands = fix.operations.filter((op): op is RunCommandOperation => op.kind === 'run-command');
    for (const op of runCommands) {
      if (fix.appliesTo !== 'any' && op.os.toLowerCase() !== fix.appliesTo) problems.push(`${source}: fixes[${i}].operations: a ${op.os} command in a fix for ${fix.appliesTo}`);
    }
  });
  for (const id of FixIds) if (!byId.has(id)) problems.push(`${source}: fixes: the fix "${id}" is missing`);
  if (problems.length > 0) throw new CodedError('knowledge_invalid', `The fix catalogue is invalid:\n${problems.join('\n')}`, { problems });

  const fixes = Object.freeze([...parsed.data.fixes]);
  return Object.freeze({
    fixes,
    get: (id: string) => byId.get(id),
    require: (id: string) => {
      const fix = byId.get(id);
      if (fix === undefined) throw new CodedError('knowledge_reference_missing', `Unknown fix "${id}"`, { fix: id });
      return fix;
    },
    forCause: (causeId: string) => fixes.filter((f) => f.causes.includes(causeId)),
  });
}

/** The run-command operation of a fix for this OS, if the fix has one. */
export function runCommandFor(fix: FixDefinition, os: 'Windows' | 'Linux'): RunCommandOperation | undefined {
  return fix.operations.find((op): op is RunCommandOperation => op.kind === 'run-command' && op.os === os);
}

export function localized(text: LocalizedText, language: 'en' | 'pl'): string {
  return text[language];
}

function formatIssuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}
