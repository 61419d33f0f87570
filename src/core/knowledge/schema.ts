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

export const AreaSchema = z.enum(['agent', 'extension', 'network', 'snapshot', 'restore-points', 'vss-com', 'vm-state', 'permissions', 'storage', 'database', 'configuration', 'restore', 'other']);
export type Area = z.infer<typeof AreaSchema>;

/** The protected workload whose backup or restore reports the code: the `codes` card groups by it, in this order. */
export const WorkloadSchema = z.enum(['azure-vm', 'sql-server', 'sap-hana', 'azure-files', 'mars-agent', 'mabs-dpm', 'azure-disk', 'azure-blob']);
export type Workload = z.infer<typeof WorkloadSchema>;

/**
 * Where a Polish wording comes from: one of Microsoft's published Polish editions of the
 * troubleshooting articles, named by the date Microsoft handed the translation off
 * (`ms.lasthandoff`, e.g. `microsoft-2020-03-28`), or `project` for a translation this
 * project wrote where no published wording was found.
 */
export const PolishEditionSchema = z.union([z.literal('project'), z.string().regex(/^microsoft-\d{4}-\d{2}-\d{2}$/, 'must be "project" or microsoft-YYYY-MM-DD (the hand-off date of the Polish edition)')]);
export type PolishEdition = z.infer<typeof PolishEditionSchema>;

export const PolishWordingSchema = z
  .object({
    text: nonEmpty,
    edition: PolishEditionSchema,
    /** The Polish article the wording was published in; required for Microsoft's editions. */
    source: z.url().optional(),
  })
  .strict()
  .refine((w) => w.edition === 'project' || w.source !== undefined, { message: 'a published wording needs its source (the Polish article)', path: ['source'] });
export type PolishWording = z.infer<typeof PolishWordingSchema>;

/**
 * How far a code's documented messages identify it:
 * - `specific`: a message names this code alone ("Log chain is broken.").
 * - `generic`: Microsoft documents a message too general to name the code by itself ("Failed to transfer data to
 *   vault.", "SAP HANA error"). It is kept, shown on the card and matched, but identification answers with the code
 *   from it only when the text also names the code (its id, an alias, or a typo of them) or the code's workload in
 *   words outside the message itself; alone it yields "I don't know this one" with this code among the closest.
 * - `undocumented`: Microsoft's articles name the code but give no message: the id and aliases (with typos) are
 *   the only way in, and `messages` is empty.
 */
export const MessageKindSchema = z.enum(['specific', 'generic', 'undocumented']);
export type MessageKind = z.infer<typeof MessageKindSchema>;

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
    /**
     * `azure` when Azure prints the id; `project` when the workload reports only a message and
     * a number (the MARS agent's "(ID: 34513)"), so the id is this project's name for it.
     */
    idOrigin: z.enum(['azure', 'project']).default('azure'),
    workload: WorkloadSchema,
    /**
     * Codes of other workloads whose message says the same but for the workload's own words
     * (SQL Server's "Log chain is broken." and SAP HANA's "Backup log chain is broken"): a paste
     * that names neither workload is asked which one it is. Listed on both codes.
     */
    workloadTwins: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9]+$/, 'must be an error code id')).default([]),
    area: AreaSchema,
    /**
     * How far the messages identify the code on their own (see MessageKindSchema); `specific` unless said.
     */
    messageKind: MessageKindSchema.default('specific'),
    /**
     * Exact English messages as Azure shows them, and every Polish wording Microsoft published for them (plus the
     * project's own where none was). Empty, in both languages, exactly when `messageKind` is `undocumented`.
     */
    messages: z.object({ en: z.array(nonEmpty), pl: z.array(PolishWordingSchema) }).strict(),
    summary: LocalizedTextSchema,
    /** Ordered causes: the documented order, which the card steps through. */
    causes: z.array(CodeCauseRefSchema).min(1),
    editions: z.array(EditionSchema).min(1),
    docUrl: z.url(),
  })
  .strict()
  .superRefine((entry, context) => {
    const undocumented = entry.messageKind === 'undocumented';
    for (const language of ['en', 'pl'] as const) {
      const count = entry.messages[language].length;
      if (undocumented && count > 0) context.addIssue({ code: 'custom', path: ['messages', language], message: 'a code whose message Microsoft does not document has no messages (messageKind "undocumented")' });
      if (!undocumented && count === 0) context.addIssue({ code: 'custom', path: ['messages', language], message: 'needs at least one message; a code whose message Microsoft does not document says so with messageKind "undocumented"' });
    }
  })
  // Readers want the Polish texts as strings like the English ones; the editions stay beside them.
  .transform(({ messages, ...entry }) => ({ ...entry, messages: { en: messages.en, pl: messages.pl.map((w) => w.text) }, polishWordings: messages.pl }));
export type ErrorCodeEntry = z.output<typeof ErrorCodeEntrySchema>;

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
