import type { AzurePort, ResourceLock, RestorePointCollection, VmStatus } from '../azure-port';
import { CodedError, asCodedError } from '../errors';
import type { LocalizedText } from '../knowledge/schema';
import { runCommandFor, type FixDefinition, type FixId } from './fix-catalogue';
import { describeLock, type ExecutionOutcome, type JournaledLock, type PlannedResources } from './fix-request';
import type { FixTarget } from './fix-target';
import { backupExtensionNames, collectionScopeProblem, findProtectedVm, matchingCollections } from './preconditions';

/**
 * One executor per fix: a pure async function over AzurePort that runs exactly the
 * operations the catalogue lists (the scripts come from the catalogue, not from here).
 * An executor throws a CodedError when the fix did not do what it promised.
 */
export interface ExecutionContext {
  readonly azure: AzurePort;
  readonly fix: FixDefinition;
  readonly target: FixTarget;
  /** Guards resource groups the fix discovers itself (the restore point group of the lock fix). */
  readonly inScope: (subscriptionId: string, resourceGroup: string) => boolean;
  /**
   * Reports a step for the card. Returns at once: a chat call, slow or hung, never stands
   * between two Azure operations of a fix.
   */
  readonly progress: (step: LocalizedText) => void;
  /** Where a fix that lifts locks writes them down first (see `LockJournal`). */
  readonly journal: LockJournal;
  readonly abortSignal?: AbortSignal;
  /** What the approver was shown (the collections and locks the plan read); a run never lifts or deletes more. */
  readonly approved?: PlannedResources;
}

/**
 * The fix request's record of the locks a fix lifts. `recorded` is written to the store
 * before the first lock is removed and throws when it cannot be (then nothing is removed);
 * after a crash the recovery restores every recorded lock not marked restored.
 */
export interface LockJournal {
  recorded(locks: readonly JournaledLock[]): Promise<void>;
  /**
   * Throws unless the run still holds its request, checked with a write just before each lock is
   * removed: a run another instance has ended (and whose locks that instance put back) lifts none.
   */
  stillHeld(): Promise<void>;
  /** Best effort: putting a lock back is idempotent, so a lost mark only means one more identical PUT. */
  restored(lockIds: readonly string[]): Promise<void>;
  /** Put back, but after a removal whose answer was lost: the recovery puts them back once more (see JournaledLock.unconfirmed). */
  putBackUnconfirmed(lockIds: readonly string[]): Promise<void>;
}

export type FixExecutor = (ctx: ExecutionContext) => Promise<ExecutionOutcome>;

async function osOf(ctx: ExecutionContext): Promise<{ os: 'Windows' | 'Linux'; status?: VmStatus }> {
  if (ctx.target.osType) return { os: ctx.target.osType };
  const status = await ctx.azure.getVmStatus(ctx.target.vm, opts(ctx));
  if (!status.osType) throw new CodedError('fix_request_invalid', `The operating system of ${ctx.target.vm.name} is unknown`, { vm: ctx.target.vm.name });
  return { os: status.osType, status };
}

function opts(ctx: ExecutionContext): { abortSignal?: AbortSignal } {
  return ctx.abortSignal ? { abortSignal: ctx.abortSignal } : {};
}

function runCommandFix(expectedOs: 'Windows' | 'Linux'): FixExecutor {
  return async (ctx) => {
    const { os } = await osOf(ctx);
    if (os !== expectedOs) throw new CodedError('fix_request_invalid', `${ctx.fix.id} is for ${expectedOs} VMs; ${ctx.target.vm.name} runs ${os}`, { os });
    const op = runCommandFor(ctx.fix, os);
    if (!op) throw new CodedError('internal', `The catalogue has no ${os} command for ${ctx.fix.id}`);
    ctx.progress({ en: `Running ${op.commandId} on ${ctx.target.vm.name}…`, pl: `Uruchamianie ${op.commandId} na ${ctx.target.vm.name}…` });
    const output = await ctx.azure.runCommand(ctx.target.vm, { os, script: op.script }, opts(ctx));
    const agent = await agentState(ctx);
    return {
      summary: {
        en: `${op.commandId} completed on ${ctx.target.vm.name}.${agent ? ` The agent now reports: ${agent}.` : ''}`,
        pl: `${op.commandId} zakończone na ${ctx.target.vm.name}.${agent ? ` Agent zgłasza teraz: ${agent}.` : ''}`,
      },
      output: formatOutput(output.stdout, output.stderr),
    };
  };
}

/** Best effort: the agent's status after the command, for the card; the backup is the real proof. */
async function agentState(ctx: ExecutionContext): Promise<string | undefined> {
  try {
    const status = await ctx.azure.getVmStatus(ctx.target.vm, opts(ctx));
    const first = status.agentStatuses[0];
    if (!first) return undefined;
    return [first.displayStatus, status.agentVersion ? `version ${status.agentVersion}` : undefined].filter(Boolean).join(', ');
  } catch {
    return undefined;
  }
}

function formatOutput(stdout: string, stderr: string): string | undefined {
  const parts = [stdout.trim() ? `[stdout]\n${stdout.trim()}` : '', stderr.trim() ? `[stderr]\n${stderr.trim()}` : ''].filter(Boolean);
  return parts.length ? parts.join('\n').slice(0, 2000) : undefined;
}

const retryBackup: FixExecutor = async (ctx) => {
  const item = await findProtectedVm(ctx.azure, ctx.target);
  if (!item) throw new CodedError('fix_request_invalid', `${ctx.target.vm.name} is not protected by a vault the bot can see`, { vm: ctx.target.vm.name });
  ctx.progress({ en: `Starting an on-demand backup in vault ${item.vault.name}…`, pl: `Uruchamianie kopii zapasowej na żądanie w magazynie ${item.vault.name}…` });
  const { jobId } = await ctx.azure.triggerBackup(item, opts(ctx));
  return {
    summary: { en: `Backup job ${jobId} started in vault ${item.vault.name}.`, pl: `Uruchomiono zadanie kopii zapasowej ${jobId} w magazynie ${item.vault.name}.` },
    backupJobId: jobId,
  };
};

const reinstallBackupExtension: FixExecutor = async (ctx) => {
  const status = await ctx.azure.getVmStatus(ctx.target.vm, opts(ctx));
  const os = status.osType ?? ctx.target.osType;
  const expected = os ? backupExtensionNames[os] : undefined;
  const names = Object.values(backupExtensionNames).map((n) => n.toLowerCase());
  // The extension's resource name is what delete takes; match the documented names, preferring the VM's OS.
  const installed = status.extensions.find((e) => expected !== undefined && e.name.toLowerCase() === expected.toLowerCase()) ?? status.extensions.find((e) => names.includes(e.name.toLowerCase()));
  const name = installed?.name ?? expected;
  if (!name) throw new CodedError('fix_request_invalid', `No backup extension found on ${ctx.target.vm.name}`, { vm: ctx.target.vm.name });
  ctx.progress({ en: `Deleting extension ${name} from ${ctx.target.vm.name}…`, pl: `Usuwanie rozszerzenia ${name} z ${ctx.target.vm.name}…` });
  await ctx.azure.deleteExtension(ctx.target.vm, name, opts(ctx));
  return {
    summary: { en: `Extension ${name} deleted from ${ctx.target.vm.name}; the next backup installs it again.`, pl: `Usunięto rozszerzenie ${name} z ${ctx.target.vm.name}; następna kopia zapasowa zainstaluje je ponownie.` },
  };
};

/** Locks defined on the resource group itself; inherited ones (subscription) cannot be lifted at this level. */
function isDefinedOn(lock: ResourceLock, subscriptionId: string, resourceGroup: string): boolean {
  const scope = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`.toLowerCase();
  return lock.scope.toLowerCase().replace(/\/+$/, '') === scope;
}

/** A lock a removal was refused for is no longer there (false when the locks cannot be read). */
async function lockIsGone(azure: AzurePort, lock: JournaledLock): Promise<boolean> {
  try {
    const locks = await azure.listResourceGroupLocks(lock.subscriptionId, lock.resourceGroup);
    return !locks.some((l) => l.id.toLowerCase() === lock.id.toLowerCase() || (l.name === lock.name && isDefinedOn(l, lock.subscriptionId, lock.resourceGroup)));
  } catch {
    return false;
  }
}

function statusOf(error: unknown): unknown {
  return asCodedError(error).details['status'];
}

/** Azure answered with a 4xx other than a timeout: this try of the operation did not happen. */
function isDefiniteRefusal(error: unknown): boolean {
  const status = statusOf(error);
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408;
}

/** The identity may not do it (401, 403): no try of it ever happened. */
function isNotAllowed(error: unknown): boolean {
  const status = statusOf(error);
  return status === 401 || status === 403;
}

function journaled(subscriptionId: string, resourceGroup: string, lock: ResourceLock): JournaledLock {
  return { subscriptionId, resourceGroup, name: lock.name, level: lock.level, ...(lock.notes !== undefined ? { notes: lock.notes } : {}), id: lock.id, restored: false };
}

/**
 * Puts one lock back exactly as it was (name, level, notes). Creating a lock is an idempotent
 * PUT, so the fix's own `finally` and a recovery after a crash may both do it safely.
 * No abort signal: a cancelled fix must still put the lock back.
 */
export async function restoreLock(azure: AzurePort, lock: JournaledLock): Promise<void> {
  await azure.createResourceGroupLock(lock.subscriptionId, lock.resourceGroup, { name: lock.name, level: lock.level, ...(lock.notes !== undefined ? { notes: lock.notes } : {}) });
}

/**
 * The approver approved lifting the locks and deleting the collections their card named. One that
 * appeared since (a lock added to the group, a new collection) was not approved: nothing is changed,
 * and the fix is requested again so an approver sees it. Fewer than approved is fine.
 */
function refuseBeyondApproval(approved: PlannedResources | undefined, collections: readonly RestorePointCollection[], locks: readonly JournaledLock[]): void {
  if (approved === undefined) return;
  const known = (ids: readonly { readonly id: string }[] | undefined) => new Set((ids ?? []).map((x) => x.id.toLowerCase()));
  const newCollections = approved.collections ? collections.filter((c) => !known(approved.collections).has(c.id.toLowerCase())) : [];
  const newLocks = approved.locks ? locks.filter((l) => !known(approved.locks).has(l.id.toLowerCase())) : [];
  if (newCollections.length === 0 && newLocks.length === 0) return;
  const what = [...newLocks.map((l) => `lock ${describeLock(l)}`), ...newCollections.map((c) => `restore point collection ${c.name}`)].join(', ');
  throw new CodedError('fix_plan_changed', `Not run: ${what} appeared after the approval and was not approved; nothing was changed. Request the fix again`, {
    locks: newLocks.map((l) => l.id),
    collections: newCollections.map((c) => c.id),
  });
}

/**
 * The seed's procedure as one fix: record the locks (in the request, before anything is
 * removed), remove them, delete the collections, and put every removed lock back identically
 * in `finally`, so a failed delete never leaves the resource group unlocked. Progress is only
 * reported, never awaited: a hung chat cannot hold the lock off.
 */
const clearRestorePointsBehindLock: FixExecutor = async (ctx) => {
  const { azure, target } = ctx;
  let vmLocation: string | undefined;
  try {
    vmLocation = (await azure.getVmStatus(target.vm, opts(ctx))).location;
  } catch {
    vmLocation = undefined;
  }
  const collections = matchingCollections(await azure.listRestorePointCollections(target.vm, opts(ctx)), target, vmLocation);
  if (collections.length === 0) throw new CodedError('fix_request_invalid', `No AzureBackup_${target.vm.name}_* restore point collection found`, { vm: target.vm.name });
  // The source VM decides, not the shared AzureBackupRG_* group the collections sit in.
  const scopeProblem = collectionScopeProblem(collections, target, ctx.inScope);
  if (scopeProblem) throw new CodedError('policy_denied', `${scopeProblem}; nothing was changed`, { collections: collections.map((c) => c.id) });

  const groups = new Map<string, { subscriptionId: string; resourceGroup: string; collections: RestorePointCollection[] }>();
  for (const c of collections) {
    if (!ctx.inScope(c.subscriptionId, c.resourceGroup)) {
      throw new CodedError('policy_denied', `The restore point resource group ${c.resourceGroup} is outside the fix policy's scope`, { resourceGroup: c.resourceGroup });
    }
    const key = `${c.subscriptionId}/${c.resourceGroup}`.toLowerCase();
    const group = groups.get(key) ?? { subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, collections: [] };
    group.collections.push(c);
    groups.set(key, group);
  }

  ctx.progress({ en: 'Recording the resource group locks…', pl: 'Zapisywanie blokad grup zasobów…' });
  const recorded: JournaledLock[] = [];
  for (const g of groups.values()) {
    const locks = await azure.listResourceGroupLocks(g.subscriptionId, g.resourceGroup, opts(ctx));
    const inherited = locks.filter((l) => !isDefinedOn(l, g.subscriptionId, g.resourceGroup) && l.level !== 'NotSpecified');
    if (inherited.length > 0) {
      throw new CodedError('azure_locked', `Lock ${inherited.map((l) => l.name).join(', ')} on ${g.resourceGroup} is inherited from a higher scope; remove it there first`, { locks: inherited.map((l) => l.scope) });
    }
    for (const lock of locks) recorded.push(journaled(g.subscriptionId, g.resourceGroup, lock));
  }
  refuseBeyondApproval(ctx.approved, collections, recorded);
  // Written down before the first removal: if this process dies from here on, recovery knows what to put back.
  if (recorded.length > 0) await ctx.journal.recorded(recorded);

  const removed: JournaledLock[] = [];
  /** Removals whose answer was lost: they may still happen after the lock is put back. */
  const unanswered = new Set<string>();
  const deleted: string[] = [];
  let failure: CodedError | undefined;
  const restoreFailures: string[] = [];
  const stillOff: string[] = [];
  const backUnconfirmed: string[] = [];
  try {
    for (const l of recorded) {
      ctx.progress({ en: `Removing lock ${describeLock(l)}…`, pl: `Usuwanie blokady ${describeLock(l)}…` });
      await ctx.journal.stillHeld();
      try {
        await azure.deleteResourceGroupLock(l.subscriptionId, l.resourceGroup, l.name, opts(ctx));
      } catch (error) {
        const gone = isDefiniteRefusal(error) && (await lockIsGone(azure, l));
        // Not allowed (401, 403): no try of it ever removed it, so unless it is gone it was never lifted.
        // Refused yet gone (a retry of a removal whose answer was lost): lifted, so put back. Any other
        // refusal (409, 429) may follow an earlier try still under way, and a delete whose answer was
        // lost (timeout, reset, abort) may still happen: put it back, and leave it for the recovery to
        // put back once more.
        if (gone) removed.push(l);
        else if (!isNotAllowed(error)) {
          removed.push(l);
          unanswered.add(l.id);
        }
        throw error;
      }
      removed.push(l);
    }
    for (const g of groups.values()) {
      for (const c of g.collections) {
        ctx.progress({ en: `Deleting restore point collection ${c.name} (${c.restorePointCount} points)…`, pl: `Usuwanie kolekcji punktów przywracania ${c.name} (punktów: ${c.restorePointCount})…` });
        await azure.deleteRestorePointCollection(c, opts(ctx));
        deleted.push(c.name);
      }
    }
  } catch (error) {
    failure = asCodedError(error);
  } finally {
    // Always put back what was (or may have been) removed, identically, even after a failed delete.
    const back: string[] = [];
    for (const l of removed) {
      ctx.progress({ en: `Restoring lock ${describeLock(l)}…`, pl: `Przywracanie blokady ${describeLock(l)}…` });
      try {
        await restoreLock(azure, l);
        (unanswered.has(l.id) ? backUnconfirmed : back).push(l.id);
      } catch (error) {
        restoreFailures.push(`${describeLock(l)}: ${asCodedError(error).message}`);
        stillOff.push(l.id);
      }
    }
    // The locks never lifted (refused, or never reached after a failure) are on as they were.
    const untouched = recorded.filter((l) => !removed.includes(l)).map((l) => l.id);
    if (back.length + untouched.length > 0) await ctx.journal.restored([...back, ...untouched]).catch(() => undefined);
    if (backUnconfirmed.length > 0) await ctx.journal.putBackUnconfirmed(backUnconfirmed).catch(() => undefined);
  }

  const restoredText = removed.length ? removed.map(describeLock).join('; ') : 'none';
  if (restoreFailures.length > 0) {
    throw new CodedError('lock_not_restored', `LOCK NOT RESTORED yet (the bot keeps trying; recreate it by hand if this persists): ${restoreFailures.join('; ')}${failure ? `. The delete also failed: ${failure.message}` : ''}`, { restoreFailures, stillOff, unconfirmedLocks: backUnconfirmed, deleted });
  }
  if (failure) {
    throw new CodedError(failure.code, `${failure.message}. Locks restored: ${restoredText}. Collections deleted: ${deleted.join(', ') || 'none'}`, { ...failure.details, restoredLocks: removed.map((l) => l.name), unconfirmedLocks: backUnconfirmed, deleted }, { cause: failure });
  }
  return {
    summary: {
      en: `Deleted ${deleted.join(', ')}. Locks put back as they were: ${restoredText}.`,
      pl: `Usunięto ${deleted.join(', ')}. Blokady przywrócone w niezmienionej postaci: ${removed.length ? removed.map(describeLock).join('; ') : 'brak'}.`,
    },
  };
};

export const executors: Readonly<Record<FixId, FixExecutor>> = {
  'retry-backup': retryBackup,
  'restart-windows-agent': runCommandFix('Windows'),
  'restart-linux-agent': runCommandFix('Linux'),
  'update-linux-agent': runCommandFix('Linux'),
  'reinstall-backup-extension': reinstallBackupExtension,
  'clear-restore-points-behind-lock': clearRestorePointsBehindLock,
  'enable-verbose-agent-logging': runCommandFix('Linux'),
};
