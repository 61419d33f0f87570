import { z } from 'zod';
import type { Language } from '../../core/knowledge/schema';
import {
  type ExplainResult,
  type FailedBackupsView,
  type FailedJob,
  type ListResult,
  type ResourceQuestion,
  type ResourceQuestions,
  type TimeFormatter,
  type VaultStatusResult,
  type VaultStatusView,
  buildAmbiguousFailureView,
  buildFailedBackupsView,
  buildRecoveredView,
  buildSeveralVaultsView,
  qt,
  buildJobGoneView,
  buildNoAzureView,
  buildNoFailureView,
  buildNoVaultsView,
  buildProblemView,
  buildUnidentifiedFailureView,
  buildVaultNotFoundView,
  buildVaultStatusView,
  buildVmNotFoundView,
  parseResourceQuestion,
} from '../../core/questions';
import type { SessionTarget, TroubleshootSession } from '../../core/troubleshoot/session';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { PayloadVersion } from '../../core/views/card-actions';
import { buildErrorView, buildInvalidActionView, type NoticeView } from '../../core/views/conversation-views';
import type { Logger } from '../../logger';
import type { Interaction } from '../interaction';

/**
 * Questions about real resources, for every channel: "why did the backup of vm-sql01 fail?",
 * "failed backups today", "status of vault rsv-prod-weu" (and their Polish forms), and the
 * "Troubleshoot" button on a listed job. The answer is a view model, or a troubleshooting
 * session the channel posts (through `publish`, which returns the new message's id).
 */
export type QuestionAnswer =
  | { readonly kind: 'notice'; readonly view: NoticeView }
  | { readonly kind: 'failed-backups'; readonly view: FailedBackupsView }
  | { readonly kind: 'vault-status'; readonly view: VaultStatusView }
  | { readonly kind: 'session'; readonly session: TroubleshootSession };

/** The "Troubleshoot" button's payload: a watched vault (name and resource group) and a job id; a code only to pick among equally likely ones. */
export const TroubleshootJobPayloadSchema = z.object({
  v: z.literal(PayloadVersion),
  vault: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{1,49}$/),
  rg: z.string().regex(/^[\p{L}\p{N}._()-]{1,90}$/u),
  /** The vault's subscription: two subscriptions may each have a vault of that name in a group of that name. */
  sub: z.string().regex(/^[0-9a-fA-F-]{36}$/).optional(),
  jobId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  codeId: z.string().regex(/^[A-Za-z][A-Za-z0-9]{1,100}$/).optional(),
  lang: z.enum(['en', 'pl']).optional(),
});
export type TroubleshootJobPayload = z.infer<typeof TroubleshootJobPayloadSchema>;

export interface QuestionFlowDeps {
  /** Undefined when no Azure connection is configured: the questions are still recognised and answered with that. */
  readonly questions: ResourceQuestions | undefined;
  readonly troubleshoot: TroubleshootService;
  readonly logger: Logger;
}

/** How the channel shows times (Teams: the reader's own zone; Slack: its date tokens), and the asker's UTC offset for "today". */
export interface AskOptions {
  readonly formatTime: TimeFormatter;
  readonly utcOffsetMinutes?: number;
}

/** Posts a new session's message and returns its id, so the session can update it in place. */
export type SessionPublisher = (session: TroubleshootSession) => Promise<string | undefined>;

export class QuestionFlow {
  constructor(private readonly deps: QuestionFlowDeps) {}

  /** Whether a text is one of these questions (commands are tried before code identification). */
  recognises(text: string): boolean {
    return parseResourceQuestion(text) !== undefined;
  }

  async ask(i: Interaction, text: string, options: AskOptions, publish: SessionPublisher): Promise<QuestionAnswer | undefined> {
    const question = parseResourceQuestion(text);
    if (!question) return undefined;
    const language = question.language ?? i.language;
    const questions = this.deps.questions;
    if (!questions) return { kind: 'notice', view: buildNoAzureView(language) };
    try {
      return await this.answer(questions, question, language, i, options, publish);
    } catch (error) {
      this.deps.logger.error({ err: error, question: question.kind }, 'resource question failed');
      return { kind: 'notice', view: buildErrorView(language) };
    }
  }

  /** The "Troubleshoot" button on a listed job: the job is reloaded from Azure, never taken from the button. */
  async troubleshootJob(i: Interaction, payload: TroubleshootJobPayload, options: AskOptions, publish: SessionPublisher): Promise<QuestionAnswer> {
    const language = payload.lang ?? i.language;
    const questions = this.deps.questions;
    if (!questions) return { kind: 'notice', view: buildNoAzureView(language) };
    const reloaded = await questions.reloadFailedJob({ vaultName: payload.vault, resourceGroup: payload.rg, jobId: payload.jobId, ...(payload.sub ? { subscriptionId: payload.sub } : {}) });
    if (reloaded.kind === 'not-found') return { kind: 'notice', view: buildJobGoneView(language) };
    if (reloaded.kind === 'azure-problem') {
      this.deps.logger.warn({ problem: reloaded.problem, vault: reloaded.vault?.name }, 'Azure could not answer a Troubleshoot press');
      return { kind: 'notice', view: buildProblemView(reloaded.problem, language, { ...(reloaded.vault ? { vault: reloaded.vault } : {}), budgetMs: questions.budgetMs }) };
    }
    const failure = reloaded.failure;
    const codeId = chosenCode(failure, payload.codeId);
    if (codeId === 'invalid') return { kind: 'notice', view: buildInvalidActionView(language) };
    if (codeId === undefined) return failureWithoutSingleCode(failure, language, options.formatTime);
    return { kind: 'session', session: await this.startSession(i, codeId, language, failure, publish) };
  }

  /** Remembers the message that shows a session, once the channel has posted it. */
  async attachSession(session: TroubleshootSession, messageId: string): Promise<void> {
    await this.deps.troubleshoot.attachActivity(session, messageId);
  }

  private async answer(questions: ResourceQuestions, question: ResourceQuestion, language: Language, i: Interaction, options: AskOptions, publish: SessionPublisher): Promise<QuestionAnswer> {
    switch (question.kind) {
      case 'explain-failure': {
        const result = await questions.explainLatestFailure(question.vmName);
        this.logProblem(result);
        if (result.kind === 'failure' && result.failure.code.kind === 'identified') {
          return { kind: 'session', session: await this.startSession(i, result.failure.code.codeId, language, result.failure, publish) };
        }
        return explainAnswer(questions, result, language, options.formatTime);
      }
      case 'list-failures': {
        // "Today" is the asker's today: the offset comes from their client where the channel knows it.
        const result = await questions.listFailedBackups(question.window, {
          ...(question.vaultName !== undefined ? { vaultName: question.vaultName } : {}),
          ...(options.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: options.utcOffsetMinutes } : {}),
        });
        this.logProblem(result);
        return listAnswer(questions, result, language, options.formatTime);
      }
      case 'vault-status': {
        const result = await questions.vaultStatus(question.vaultName);
        this.logProblem(result);
        return statusAnswer(questions, result, language);
      }
    }
  }

  private startSession(i: Interaction, codeId: string, language: Language, failure: FailedJob, publish: SessionPublisher): Promise<TroubleshootSession> {
    const createdBy = i.actor.aadObjectId ?? i.actor.userId;
    return this.deps.troubleshoot.start({ codeId, language, conversationId: i.place.conversationId, createdBy, target: targetOf(failure) }, publish);
  }

  private logProblem(result: ExplainResult | ListResult | VaultStatusResult): void {
    if (result.kind === 'azure-problem') this.deps.logger.warn({ problem: result.problem, vault: result.vault?.name }, 'Azure could not answer a resource question');
    else if ('problems' in result && result.problems.length > 0) this.deps.logger.warn({ problems: result.problems.map((p) => ({ vault: p.vault?.name, kind: p.problem.kind })) }, 'some vaults could not be read');
  }
}

/** The session's target: what the checks and fixes need to find the VM again. */
export function targetOf(failure: FailedJob): SessionTarget {
  const { job } = failure;
  return {
    vm: job.vmName,
    vault: job.vault.name,
    jobId: job.id,
    subscriptionId: job.vault.subscriptionId,
    ...(job.vmResourceGroup ? { resourceGroup: job.vmResourceGroup } : {}),
  };
}

/** The code a press asks for: the job's own, or one of its equally likely ones; a code the job does not fit is refused. */
function chosenCode(failure: FailedJob, requested: string | undefined): string | undefined | 'invalid' {
  const code = failure.code;
  const fits = code.kind === 'identified' ? [code.codeId] : code.kind === 'ambiguous' ? code.codeIds : [];
  if (requested !== undefined) return fits.find((id) => id.toLowerCase() === requested.toLowerCase()) ?? 'invalid';
  return code.kind === 'identified' ? code.codeId : undefined;
}

/** A failed job the bot cannot open one session for: pick among its codes, or show Azure's words. */
function failureWithoutSingleCode(failure: FailedJob, language: Language, formatTime: TimeFormatter): QuestionAnswer {
  return failure.code.kind === 'ambiguous'
    ? { kind: 'failed-backups', view: buildAmbiguousFailureView(failure, language, { formatTime }) }
    : { kind: 'notice', view: buildUnidentifiedFailureView(failure, language, { formatTime }) };
}

/** The answers every question shares: no vault by that name, no vault at all, or Azure could not answer. */
function sharedAnswer(questions: ResourceQuestions, result: Extract<ExplainResult | ListResult | VaultStatusResult, { kind: 'vault-not-found' | 'no-vaults' | 'azure-problem' }>, language: Language): QuestionAnswer {
  switch (result.kind) {
    case 'vault-not-found':
      return { kind: 'notice', view: buildVaultNotFoundView(result, language) };
    case 'no-vaults':
      return { kind: 'notice', view: buildNoVaultsView(language) };
    case 'azure-problem':
      return { kind: 'notice', view: buildProblemView(result.problem, language, { ...(result.vault ? { vault: result.vault } : {}), budgetMs: questions.budgetMs }) };
  }
}

function explainAnswer(questions: ResourceQuestions, result: ExplainResult, language: Language, formatTime: TimeFormatter): QuestionAnswer {
  switch (result.kind) {
    case 'failure':
      return failureWithoutSingleCode(result.failure, language, formatTime);
    case 'no-failure':
      return { kind: 'notice', view: buildNoFailureView(result, language, { formatTime }) };
    case 'vm-not-found':
      return { kind: 'notice', view: buildVmNotFoundView(result, questions.lookbackDays, language) };
    case 'recovered':
      return { kind: 'notice', view: buildRecoveredView(result, language, { formatTime }) };
    case 'several-vms': {
      // The list of failed backups, one row per VM of that name, each with its own Troubleshoot.
      const list = { kind: 'list' as const, range: result.range, window: { kind: 'last-hours' as const, hours: questions.lookbackDays * 24 }, zone: 'utc' as const, failures: result.failures, vaultsSearched: 0, problems: result.problems };
      const view = buildFailedBackupsView(list, language, { formatTime });
      return { kind: 'failed-backups', view: { ...view, title: qt('severalVmsTitle', language, { count: result.failures.length, vm: result.vmName }), summary: qt('severalVmsSummary', language) } };
    }
    default:
      return sharedAnswer(questions, result, language);
  }
}

function listAnswer(questions: ResourceQuestions, result: ListResult, language: Language, formatTime: TimeFormatter): QuestionAnswer {
  return result.kind === 'list' ? { kind: 'failed-backups', view: buildFailedBackupsView(result, language, { formatTime }) } : sharedAnswer(questions, result, language);
}

function statusAnswer(questions: ResourceQuestions, result: VaultStatusResult, language: Language): QuestionAnswer {
  if (result.kind === 'status') return { kind: 'vault-status', view: buildVaultStatusView(result, language) };
  if (result.kind === 'several-vaults') return { kind: 'notice', view: buildSeveralVaultsView(result, language) };
  return sharedAnswer(questions, result, language);
}
