import { z } from 'zod';
import type { Language } from '../../core/knowledge/schema';
import { buildNoAzureView } from '../../core/questions';
import { type AtRiskVm, type FleetSweepResult, type SweepChanges, changesSince } from '../../core/sweep/fleet-sweep-result';
import { parseSweepCommand } from '../../core/sweep/sweep-command';
import { buildSweepDigestView, causeOf, type SweepDigestView } from '../../core/sweep/sweep-digest-view';
import type { SweepStore } from '../../core/sweep/sweep-store';
import type { TroubleshootSession } from '../../core/troubleshoot/session';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { OpaqueIdSchema, PayloadVersion } from '../../core/views/card-actions';
import { buildErrorView, buildInvalidActionView, type NoticeView } from '../../core/views/conversation-views';
import type { Logger } from '../../logger';
import type { FixFlow, FixReply } from '../fixes/fix-flow';
import type { Interaction } from '../interaction';
import type { FleetSweep } from './fleet-sweep';

const lang = z.enum(['en', 'pl']).optional();
/** A digest row's button: the stored sweep and the VM's index in it, nothing else. */
export const SweepVmPayloadSchema = z.object({ v: z.literal(PayloadVersion), sweepId: OpaqueIdSchema, vm: z.number().int().min(0).max(1_000_000), lang }).strict();
export const SweepFixPayloadSchema = SweepVmPayloadSchema.extend({ fixId: z.string().regex(/^[a-z0-9-]{1,64}$/) }).strict();
export type SweepVmPayload = z.infer<typeof SweepVmPayloadSchema>;
export type SweepFixPayload = z.infer<typeof SweepFixPayloadSchema>;

export type SweepAnswer = { readonly kind: 'digest'; readonly view: SweepDigestView } | { readonly kind: 'notice'; readonly view: NoticeView };

export type SweepPressAnswer = { readonly kind: 'session'; readonly session: TroubleshootSession } | { readonly kind: 'notice'; readonly view: NoticeView };

export type SweepFixAnswer = { readonly kind: 'fix'; readonly reply: FixReply } | { readonly kind: 'notice'; readonly view: NoticeView };

export interface SweepFlowDeps {
  /** Undefined without Azure: the command is still recognised and answered with that. */
  readonly sweep: FleetSweep | undefined;
  readonly store: SweepStore;
  readonly troubleshoot: TroubleshootService;
  /** The approval flow; without it (no Azure, no remediation) the digest offers no fix buttons. */
  readonly fixes?: FixFlow;
  readonly logger: Logger;
}

/** What a channel fits into one message: the most VM rows it shows. */
export interface DigestFit {
  readonly maxVms: number;
}

/**
 * The fleet sweep in chat, for every channel: `at risk` / `health` runs a sweep now and answers
 * one digest; a row's Troubleshoot opens the troubleshooting card at the VM's cause with the
 * sweep's evidence; a row's fix button opens the same plan → request → approval flow as a
 * troubleshooting card's. Presses name a stored sweep and a row; both are reloaded here.
 */
export class SweepFlow {
  constructor(private readonly deps: SweepFlowDeps) {}

  /** The language the command was written in, or undefined when the text is not the command. */
  recognises(text: string): Language | undefined {
    return parseSweepCommand(text);
  }

  async runNow(language: Language, fit: DigestFit): Promise<SweepAnswer> {
    const sweep = this.deps.sweep;
    if (!sweep) return { kind: 'notice', view: buildNoAzureView(language) };
    try {
      const previous = await this.deps.store.latest();
      const result = await sweep.run();
      return { kind: 'digest', view: this.digest(result, language, fit, previous && previous.id !== result.id ? changesSince(previous, result) : undefined) };
    } catch (error) {
      this.deps.logger.error({ err: error }, 'fleet sweep failed');
      return { kind: 'notice', view: buildErrorView(language) };
    }
  }

  /** The digest of a stored sweep (the scheduled post renders it per conversation language and channel). */
  digest(result: FleetSweepResult, language: Language, fit: DigestFit, changes?: SweepChanges): SweepDigestView {
    return buildSweepDigestView(result, {
      language,
      maxVms: fit.maxVms,
      ...(changes ? { changes } : {}),
      fixOffers: (causeId, vm, l) => this.deps.fixes?.offersForCause(causeId, vm, l) ?? [],
    });
  }

  /** Troubleshoot on a row: a troubleshooting session at the VM's cause, holding the sweep's evidence. */
  async troubleshoot(i: Interaction, payload: SweepVmPayload, publish?: (session: TroubleshootSession) => Promise<string | undefined>): Promise<SweepPressAnswer> {
    const language = payload.lang ?? i.language;
    const row = await this.row(payload);
    if (!row) return { kind: 'notice', view: goneView(language) };
    return { kind: 'session', session: await this.sessionAt(i, row, language, publish) };
  }

  /** A fix button on a row: the plan, from a session at the VM's cause (so Request and Approve are the usual flow's). */
  async planFix(i: Interaction, payload: SweepFixPayload): Promise<SweepFixAnswer> {
    const language = payload.lang ?? i.language;
    const fixes = this.deps.fixes;
    if (fixes === undefined) return { kind: 'notice', view: buildInvalidActionView(language) };
    const row = await this.row(payload);
    // A fix press is audited whatever happens to it, a refused one too (the digest may simply be old).
    if (!row) {
      await fixes.refuse(i, 'plan', 'unknown-session', { fixId: payload.fixId, detail: `sweep ${payload.sweepId} row ${payload.vm} is not stored` });
      return { kind: 'notice', view: goneView(language) };
    }
    const cause = causeOf(row);
    // Only a fix the row's cause offers; anything else never came from our digest.
    if (cause?.causeId === undefined || !fixes.offersForCause(cause.causeId, row.vm, language).some((f) => f.fixId === payload.fixId)) {
      return { kind: 'fix', reply: await fixes.refuse(i, 'plan', 'fix-not-offered', { fixId: payload.fixId, detail: `sweep row ${row.vm.name}` }) };
    }
    const session = await this.sessionAt(i, row, language);
    return { kind: 'fix', reply: await fixes.plan(i, { v: 1, sessionId: session.id, fixId: payload.fixId, lang: language }) };
  }

  /** Remembers the message that shows a session, once the channel has posted it. */
  async attachSession(session: TroubleshootSession, messageId: string): Promise<void> {
    await this.deps.troubleshoot.attachActivity(session, messageId);
  }

  /** The pressed row of the stored sweep, with when the sweep read it. */
  private async row(payload: SweepVmPayload): Promise<(AtRiskVm & { readonly checkedAt: Date }) | undefined> {
    const result = await this.deps.store.get(payload.sweepId);
    const row = result?.atRisk[payload.vm];
    return result && row ? { ...row, checkedAt: new Date(result.finishedAt) } : undefined;
  }

  private async sessionAt(i: Interaction, row: AtRiskVm & { readonly checkedAt: Date }, language: Language, publish?: (session: TroubleshootSession) => Promise<string | undefined>): Promise<TroubleshootSession> {
    const { troubleshoot } = this.deps;
    const cause = causeOf(row);
    const codeId = cause?.codeId ?? 'BackUpOperationFailed';
    const target = { vm: row.vm.name, vault: row.vault.name, subscriptionId: row.vm.subscriptionId, resourceGroup: row.vm.resourceGroup };
    const started = await troubleshoot.start({ codeId, language, conversationId: i.place.conversationId, createdBy: i.actor.aadObjectId ?? i.actor.userId, target });
    let session = started;
    const index = cause?.causeId === undefined ? -1 : started.causeIds.indexOf(cause.causeId);
    if (index > 0) {
      const stepped = await troubleshoot.step(session.id, { kind: 'go-to', index });
      if (stepped.kind === 'ok') session = stepped.session;
    }
    if (cause?.causeId !== undefined) {
      const recorded = await troubleshoot.recordEvidence(session.id, { [cause.causeId]: { verdict: 'likely', evidence: row.evidence } }, row.checkedAt, { target: row.vm.name });
      if (recorded.kind === 'ok') session = recorded.session;
    }
    if (!publish) return session;
    const activityId = await publish(session);
    return activityId ? troubleshoot.attachActivity(session, activityId) : session;
  }
}

function goneView(language: Language): NoticeView {
  return language === 'pl'
    ? { title: 'Nie ma już tego wyniku', text: 'Tego sprawdzenia floty nie ma już w pamięci bota. Napisz „zagrożone”, aby sprawdzić maszyny ponownie.', actions: [] }
    : { title: 'This sweep is gone', text: 'The bot no longer has this fleet sweep. Write "at risk" to sweep the VMs again.', actions: [] };
}
