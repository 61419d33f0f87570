import { z } from 'zod';
import type { Language } from '../../core/knowledge/schema';
import {
  type ExplainResult,
  type FailedJob,
  type ListResult,
  type ResourceQuestion,
  type ResourceQuestions,
  type TimeFormatter,
  type VaultStatusResult,
  buildAmbiguousFailureView,
  buildFailedBackupsView,
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
  troubleshootJobVerb,
} from '../../core/questions';
import { chooseLanguage } from '../../core/troubleshoot/ask';
import type { SessionTarget } from '../../core/troubleshoot/session';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { PayloadVersion } from '../../core/views/card-actions';
import { buildErrorView, buildInvalidActionView } from '../../core/views/conversation-views';
import type { Logger } from '../../logger';
import { type AdaptiveCardJson, renderCard } from './card-renderer';
import type { CardActionResult, CommandContext } from './routing-types';
import type { TeamsBot } from './teams-bot';
import { teamsTime as teamsLocalTime } from './local-time';

export interface ResourceQuestionChannelDeps {
  /** Undefined when no Azure connection is configured: the questions are still recognised and answered with that. */
  readonly questions: ResourceQuestions | undefined;
  readonly troubleshoot: TroubleshootService;
  readonly logger: Logger;
}

type AzureDeps = ResourceQuestionChannelDeps & { readonly questions: ResourceQuestions };

/** The "Troubleshoot" button's payload: a watched vault (name and resource group) and a job id; a code only to pick among equally likely ones. */
export const TroubleshootJobPayloadSchema = z.object({
  v: z.literal(PayloadVersion),
  vault: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{1,49}$/),
  rg: z.string().regex(/^[\p{L}\p{N}._()-]{1,90}$/u),
  jobId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  codeId: z.string().regex(/^[A-Za-z][A-Za-z0-9]{1,100}$/).optional(),
  lang: z.enum(['en', 'pl']).optional(),
});
export type TroubleshootJobPayload = z.infer<typeof TroubleshootJobPayloadSchema>;

/** Teams shows these in the reader's own time zone and format. */
export const teamsTime: TimeFormatter = teamsLocalTime;

/**
 * Questions about real resources in Teams: "why did the backup of vm-sql01 fail?",
 * "failed backups today", "status of vault rsv-prod-weu" (and their Polish forms), plus the
 * "Troubleshoot" button on a listed job. Registered as a command, so it is tried before code
 * identification; anything else falls through to it.
 */
export function registerResourceQuestions(bot: TeamsBot, deps: ResourceQuestionChannelDeps): void {
  bot.registerCommand(
    (text) => parseResourceQuestion(text) !== undefined,
    async (ctx) => {
      const question = parseResourceQuestion(ctx.text);
      if (!question) return;
      const language = question.language ?? chooseLanguage('en', ctx.locale);
      const questions = deps.questions;
      if (!questions) {
        await ctx.messenger.send(renderCard('notice', buildNoAzureView(language)));
        return;
      }
      try {
        await answer(bot, { ...deps, questions }, question, language, ctx);
      } catch (error) {
        deps.logger.error({ err: error, question: question.kind }, 'resource question failed');
        await ctx.messenger.send(renderCard('notice', buildErrorView(language)));
      }
    },
  );

  bot.registerCardAction(
    troubleshootJobVerb,
    async (ctx): Promise<CardActionResult> => {
      const language = ctx.payload.lang ?? ctx.language;
      const reply = (card: AdaptiveCardJson): CardActionResult => ({ card, mode: 'reply' });
      const questions = deps.questions;
      if (!questions) return reply(renderCard('notice', buildNoAzureView(language)));
      const reloaded = await questions.reloadFailedJob({ vaultName: ctx.payload.vault, resourceGroup: ctx.payload.rg, jobId: ctx.payload.jobId });
      if (reloaded.kind === 'not-found') return reply(renderCard('notice', buildJobGoneView(language)));
      if (reloaded.kind === 'azure-problem') {
        deps.logger.warn({ problem: reloaded.problem, vault: reloaded.vault?.name }, 'Azure could not answer a Troubleshoot press');
        return reply(renderCard('notice', buildProblemView(reloaded.problem, language, { ...(reloaded.vault ? { vault: reloaded.vault } : {}), budgetMs: questions.budgetMs })));
      }
      const failure = reloaded.failure;
      const codeId = chosenCode(failure, ctx.payload.codeId);
      if (codeId === 'invalid') return reply(renderCard('notice', buildInvalidActionView(language)));
      if (codeId === undefined) return reply(failureWithoutSingleCode(failure, language));
      const session = await deps.troubleshoot.start({ codeId, language, conversationId: ctx.conversation.id, createdBy: ctx.sender.aadObjectId ?? ctx.sender.id, target: targetOf(failure) });
      return {
        card: bot.renderSessionCard(session),
        mode: 'reply',
        onPosted: async (activityId) => void (await deps.troubleshoot.attachActivity(session, activityId)),
      };
    },
    TroubleshootJobPayloadSchema,
  );
}

async function answer(bot: TeamsBot, deps: AzureDeps, question: ResourceQuestion, language: Language, ctx: CommandContext): Promise<void> {
  const send = (card: AdaptiveCardJson): Promise<string | undefined> => ctx.messenger.send(card);
  switch (question.kind) {
    case 'explain-failure': {
      const result = await deps.questions.explainLatestFailure(question.vmName);
      logProblem(deps, result);
      if (result.kind === 'failure' && result.failure.code.kind === 'identified') {
        await bot.startSession({ codeId: result.failure.code.codeId, language, sender: ctx.sender, conversation: ctx.conversation, target: targetOf(result.failure) }, ctx.messenger);
        return;
      }
      await send(explainCard(deps, result, language));
      return;
    }
    case 'list-failures': {
      // "Today" is the asker's today: the offset comes from their Teams client.
      const result = await deps.questions.listFailedBackups(question.window, {
        ...(question.vaultName !== undefined ? { vaultName: question.vaultName } : {}),
        ...(ctx.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: ctx.utcOffsetMinutes } : {}),
      });
      logProblem(deps, result);
      await send(listCard(deps, result, language));
      return;
    }
    case 'vault-status': {
      const result = await deps.questions.vaultStatus(question.vaultName);
      logProblem(deps, result);
      await send(statusCard(deps, result, language));
      return;
    }
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
function failureWithoutSingleCode(failure: FailedJob, language: Language): AdaptiveCardJson {
  return failure.code.kind === 'ambiguous'
    ? renderCard('failed-backups', buildAmbiguousFailureView(failure, language, { formatTime: teamsTime }))
    : renderCard('notice', buildUnidentifiedFailureView(failure, language, { formatTime: teamsTime }));
}

function explainCard(deps: AzureDeps, result: ExplainResult, language: Language): AdaptiveCardJson {
  switch (result.kind) {
    case 'failure':
      return failureWithoutSingleCode(result.failure, language);
    case 'no-failure':
      return renderCard('notice', buildNoFailureView(result, language, { formatTime: teamsTime }));
    case 'vm-not-found':
      return renderCard('notice', buildVmNotFoundView(result, deps.questions.lookbackDays, language));
    case 'no-vaults':
      return renderCard('notice', buildNoVaultsView(language));
    case 'azure-problem':
      return renderCard('notice', buildProblemView(result.problem, language, { ...(result.vault ? { vault: result.vault } : {}), budgetMs: deps.questions.budgetMs }));
  }
}

function listCard(deps: AzureDeps, result: ListResult, language: Language): AdaptiveCardJson {
  switch (result.kind) {
    case 'list':
      return renderCard('failed-backups', buildFailedBackupsView(result, language, { formatTime: teamsTime }));
    case 'vault-not-found':
      return renderCard('notice', buildVaultNotFoundView(result, language));
    case 'no-vaults':
      return renderCard('notice', buildNoVaultsView(language));
    case 'azure-problem':
      return renderCard('notice', buildProblemView(result.problem, language, { ...(result.vault ? { vault: result.vault } : {}), budgetMs: deps.questions.budgetMs }));
  }
}

function statusCard(deps: AzureDeps, result: VaultStatusResult, language: Language): AdaptiveCardJson {
  switch (result.kind) {
    case 'status':
      return renderCard('vault-status', buildVaultStatusView(result, language));
    case 'vault-not-found':
      return renderCard('notice', buildVaultNotFoundView(result, language));
    case 'no-vaults':
      return renderCard('notice', buildNoVaultsView(language));
    case 'azure-problem':
      return renderCard('notice', buildProblemView(result.problem, language, { ...(result.vault ? { vault: result.vault } : {}), budgetMs: deps.questions.budgetMs }));
  }
}

function logProblem(deps: AzureDeps, result: ExplainResult | ListResult | VaultStatusResult): void {
  if (result.kind === 'azure-problem') deps.logger.warn({ problem: result.problem, vault: result.vault?.name }, 'Azure could not answer a resource question');
  else if ('problems' in result && result.problems.length > 0) deps.logger.warn({ problems: result.problems.map((p) => ({ vault: p.vault?.name, kind: p.problem.kind })) }, 'some vaults could not be read');
}
