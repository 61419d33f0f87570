import { z } from 'zod';

/**
 * The knowledge base is data (knowledge/*.json), validated here at load so that an
 * operator can add a code without touching TypeScript. Every user-facing text is
 * bilingual: English and natural Polish.
 */
export const Languages = ['en', 'pl'] as const;
export type Language = (typeof Languages)[number];

const nonEmpty = z.string().trim().min(1);
export const LocalizedTextSchema = z.object({ en: nonEmpty, pl: nonEmpty }).strict();
export type LocalizedText = z.infer<typeof LocalizedTextSchema>;

/** Where a piece of advice comes from: the 2018 article (the seed), its current edition, or the general VM backup guide. */
export const EditionSchema = z.enum(['2018', 'current', 'general']);
export type Edition = z.infer<typeof EditionSchema>;

const idPattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const KebabIdSchema = z.string().regex(idPattern, 'must be a kebab-case id');

export const StepSchema = z
  .object({
    text: LocalizedTextSchema,
    /** Exact commands, paths or settings, shown verbatim (not translated). */
    commands: z.array(nonEmpty).optional(),
  })
  .strict();
export type Step = z.infer<typeof StepSchema>;

export const CauseSchema = z
  .object({
    id: KebabIdSchema,
    title: LocalizedTextSchema,
    why: LocalizedTextSchema,
    appliesTo: z.enum(['windows', 'linux', 'any']).default('any'),
    steps: z.array(StepSchema).min(1),
    /** Files and folders to collect when the steps do not help. */
    logs: z.array(nonEmpty).default([]),
    docUrl: z.url(),
    /** Ids from knowledge/checks.json: automated evidence gathered from Azure. */
    checks: z.array(KebabIdSchema).default([]),
    /** Ids from knowledge/fixes.json: approved remediations offered on the card. */
    fixes: z.array(KebabIdSchema).default([]),
    editions: z.array(EditionSchema).min(1),
  })
  .strict();
export type Cause = z.infer<typeof CauseSchema>;

export const AreaSchema = z.enum(['agent', 'extension', 'network', 'snapshot', 'restore-points', 'vss-com', 'vm-state', 'permissions', 'storage', 'configuration', 'restore', 'other']);
export type Area = z.infer<typeof AreaSchema>;

export const CodeCauseRefSchema = z
  .object({
    cause: KebabIdSchema,
    /** The edition whose ordered list puts this cause here. Seed order first, then what the current guidance adds. */
    edition: EditionSchema,
  })
  .strict();

export const ErrorCodeEntrySchema = z
  .object({
    id: z.string().regex(/^[A-Za-z][A-Za-z0-9]+$/, 'must be the error code as Azure prints it'),
    /** Other spellings that resolve to this code (old names, misspellings such as ExtentionOperationFailed). */
    aliases: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9]+$/)).default([]),
    /** Integer codes the job API reports for this code, where documented (errorDetails[].errorCode). */
    numericCodes: z.array(z.number().int().positive()).default([]),
    area: AreaSchema,
    /** Exact messages as Azure shows them; Polish includes the portal/seed wording and natural Polish. */
    messages: z.object({ en: z.array(nonEmpty).min(1), pl: z.array(nonEmpty).min(1) }).strict(),
    summary: LocalizedTextSchema,
    /** Ordered causes: the documented order, which the card steps through. */
    causes: z.array(CodeCauseRefSchema).min(1),
    editions: z.array(EditionSchema).min(1),
    docUrl: z.url(),
  })
  .strict();
export type ErrorCodeEntry = z.infer<typeof ErrorCodeEntrySchema>;

export const CheckEntrySchema = z
  .object({
    id: KebabIdSchema,
    title: LocalizedTextSchema,
    /** What ARM cannot see, said plainly, so an "unknown" result still tells the operator what to do by hand. */
    manualHint: LocalizedTextSchema.optional(),
  })
  .strict();
export type CheckEntry = z.infer<typeof CheckEntrySchema>;

export const FixEntrySchema = z
  .object({
    id: KebabIdSchema,
    title: LocalizedTextSchema,
    risk: z.enum(['low', 'high']),
  })
  .passthrough();
export type FixEntry = z.infer<typeof FixEntrySchema>;

export const EscalationSchema = z
  .object({
    steps: z.array(StepSchema).min(1),
    logs: z.object({ windows: z.array(nonEmpty), linux: z.array(nonEmpty) }).strict(),
    supportUrl: z.url(),
  })
  .strict();
export type Escalation = z.infer<typeof EscalationSchema>;

export const CodeFileSchema = ErrorCodeEntrySchema;
export const CauseFileSchema = CauseSchema;
export const ChecksFileSchema = z.object({ checks: z.array(CheckEntrySchema).min(1) }).strict();
export const FixesFileSchema = z.object({ fixes: z.array(FixEntrySchema).min(1) }).passthrough();
export const EscalationFileSchema = EscalationSchema;
