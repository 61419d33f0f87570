import type { Language, LocalizedText } from '../knowledge/schema';

/**
 * A troubleshooting session: one error code being stepped through, cause by cause, on one
 * card. Pure state and transitions; the store persists it and the card carries only its id.
 */

export interface SessionTarget {
  readonly vm?: string;
  /** The vault's name: a Recovery Services vault for a VM, a Backup vault for a datasource. */
  readonly vault?: string;
  readonly jobId?: string;
  /** The vault's subscription. */
  readonly subscriptionId?: string;
  /** The VM's resource group. */
  readonly resourceGroup?: string;
  /** A Backup vault datasource instead of a VM (a disk, or a storage account for blobs), as the stored incident named it. */
  readonly datasource?: SessionDatasource;
  /** An Azure file share (a Recovery Services vault's AzureFileShare item), as the stored incident named it. */
  readonly fileShare?: SessionFileShare;
}

export interface SessionFileShare {
  readonly share: string;
  readonly storageAccount: string;
  /** The storage account's resource group, from the alert's protection container (StorageContainer;Storage;<rg>;<account>). */
  readonly resourceGroup: string;
}

export interface SessionDatasource {
  readonly workload: 'azure-disk' | 'azure-blob';
  /** The disk's or the storage account's name. */
  readonly name: string;
  /** Its resource group, from the alert's datasource id. */
  readonly resourceGroup?: string;
  /** The Backup vault's resource group, from the alert's vault id. */
  readonly vaultResourceGroup?: string;
}

/** A fix plan posted as a message of its own under the session's card. */
export interface SessionPlan {
  readonly messageId: string;
  readonly fixId: string;
}

export type CauseEvidence = 'ruled-out' | 'likely' | 'unknown';
export type SessionOutcome = 'fixed' | 'escalated';

/** What the automated checks found for one cause. */
export interface CauseCheck {
  readonly verdict: CauseEvidence;
  /** One line: what Azure showed for this cause (the deciding check's evidence). */
  readonly evidence: LocalizedText;
  /** What to look at by hand where ARM cannot see (DHCP, the guest's own logs...). */
  readonly manual?: LocalizedText;
}

/** The latest "Run checks" on this session: a verdict per cause, kept so every re-render of the card shows it. */
export interface SessionChecks {
  readonly checkedAt: string;
  /** What was checked (the VM's name), shown with the results. */
  readonly target?: string;
  /** Per cause id of this session; causes without an entry were not judged. */
  readonly causes: Readonly<Record<string, CauseCheck>>;
}

export interface TroubleshootSession {
  /** Opaque, unguessable: the only thing a card carries. */
  readonly id: string;
  readonly codeId: string;
  /** Index of the cause shown; equal to causeCount once the session reaches escalation. */
  readonly cursor: number;
  readonly causeCount: number;
  /** The ordered cause ids when the session started, so a knowledge update never shifts a running session. */
  readonly causeIds: readonly string[];
  readonly target?: SessionTarget;
  readonly language: Language;
  readonly conversationId: string;
  /** The message holding the card, updated in place on every step (absent until sent). */
  readonly activityId?: string;
  /** aadObjectId where the channel gives one, otherwise the channel user id. */
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly expiresAt: string;
  readonly outcome?: SessionOutcome;
  /** Which cause fixed it (when outcome is 'fixed'). */
  readonly fixedByCauseIndex?: number;
  /** Per cause id: what the operator found ("Still failing" rules the cause out). */
  readonly evidence?: Readonly<Record<string, CauseEvidence>>;
  /** The latest automated checks (Run checks), separate from the operator's own findings. */
  readonly checks?: SessionChecks;
  /**
   * The fix plans posted for this session and not yet turned into a request (newest last, a few
   * at most): "Request this fix" may turn only one of these messages, for its own fix, into the
   * request card, and only once; never any other message a press names.
   */
  readonly plans?: readonly SessionPlan[];
  /** Compare-and-swap version: bumped by the store on every write. */
  readonly version: number;
}

export type StepAction =
  | { readonly kind: 'next' }
  | { readonly kind: 'previous' }
  /** The fixed card's own button: the fix did not hold, back to the cause it credited. */
  | { readonly kind: 'reopen' }
  | { readonly kind: 'go-to'; readonly index: number }
  | { readonly kind: 'fixed' }
  | { readonly kind: 'still-failing' };

export interface NewSessionInput {
  readonly id: string;
  readonly codeId: string;
  readonly causeIds: readonly string[];
  readonly language: Language;
  readonly conversationId: string;
  readonly createdBy: string;
  readonly now: Date;
  readonly ttlMs: number;
  readonly target?: SessionTarget;
  readonly activityId?: string;
}

export function newSession(input: NewSessionInput): TroubleshootSession {
  if (input.causeIds.length < 1) throw new RangeError('a session needs at least one cause');
  const now = input.now.toISOString();
  return {
    id: input.id,
    codeId: input.codeId,
    cursor: 0,
    causeCount: input.causeIds.length,
    causeIds: [...input.causeIds],
    language: input.language,
    conversationId: input.conversationId,
    createdBy: input.createdBy,
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(input.now.getTime() + input.ttlMs).toISOString(),
    version: 0,
    ...(input.target ? { target: input.target } : {}),
    ...(input.activityId ? { activityId: input.activityId } : {}),
  };
}

/** True once every cause has been tried and the card shows what to send to Microsoft support. */
export function isAtEscalation(session: TroubleshootSession): boolean {
  return session.cursor >= session.causeCount;
}

export function isExpired(session: TroubleshootSession, now: Date): boolean {
  return Date.parse(session.expiresAt) <= now.getTime();
}

/**
 * Applies one step. Pure: returns a new session (same version; the store bumps it).
 * Every interaction slides the expiry, so an active session never expires mid-way.
 */
export function applyStep(session: TroubleshootSession, action: StepAction, now: Date, ttlMs: number): TroubleshootSession {
  const last = session.causeCount - 1;
  let cursor = session.cursor;
  let outcome = session.outcome;
  let fixedByCauseIndex = session.fixedByCauseIndex;
  let evidence = session.evidence;

  switch (action.kind) {
    case 'next':
      cursor = Math.min(session.cursor + 1, session.causeCount);
      break;
    case 'previous':
      cursor = Math.max(Math.min(session.cursor, session.causeCount) - 1, 0);
      break;
    case 'reopen':
      // Back on the cause that was credited (the cursor never left it); nothing else to undo.
      break;
    case 'go-to':
      if (!Number.isInteger(action.index) || action.index < 0 || action.index > last) {
        throw new RangeError(`cause index ${action.index} is outside 0..${last}`);
      }
      cursor = action.index;
      break;
    case 'fixed':
      // At escalation there is no current cause to credit; record the outcome alone.
      outcome = 'fixed';
      fixedByCauseIndex = isAtEscalation(session) ? undefined : session.cursor;
      break;
    case 'still-failing':
      if (!isAtEscalation(session)) {
        const causeId = session.causeIds[session.cursor];
        if (causeId !== undefined) evidence = { ...(session.evidence ?? {}), [causeId]: 'ruled-out' };
      }
      cursor = Math.min(session.cursor + 1, session.causeCount);
      if (cursor >= session.causeCount) outcome = 'escalated';
      break;
  }

  // Stepping back into the causes after a verdict reopens the session.
  if ((action.kind === 'previous' || action.kind === 'go-to' || action.kind === 'reopen') && outcome !== undefined) {
    outcome = undefined;
    fixedByCauseIndex = undefined;
  }
  if ((action.kind === 'next' || action.kind === 'reopen') && cursor >= session.causeCount && outcome === undefined) outcome = 'escalated';

  const { outcome: _o, fixedByCauseIndex: _f, evidence: _e, ...rest } = session;
  return {
    ...rest,
    cursor,
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
    ...(outcome ? { outcome } : {}),
    ...(fixedByCauseIndex !== undefined ? { fixedByCauseIndex } : {}),
    ...(evidence ? { evidence } : {}),
  };
}

/**
 * Records the result of a check run. Pure, like applyStep: the cursor stays where the user is,
 * the expiry slides, ids the session does not hold are dropped (a knowledge update after the
 * session started), and a run older than the one already recorded is ignored, so a slow run
 * finishing late never overwrites a newer one.
 */
export function applyChecks(session: TroubleshootSession, checks: SessionChecks, now: Date, ttlMs: number): TroubleshootSession {
  if (session.checks !== undefined && Date.parse(session.checks.checkedAt) > Date.parse(checks.checkedAt)) return session;
  const known = new Set(session.causeIds);
  const causes = Object.fromEntries(Object.entries(checks.causes).filter(([id]) => known.has(id)));
  return {
    ...session,
    checks: { checkedAt: checks.checkedAt, ...(checks.target !== undefined ? { target: checks.target } : {}), causes },
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
  };
}
