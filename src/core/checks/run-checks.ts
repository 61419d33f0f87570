import type { AzurePort } from '../azure-port';
import { isTimeout } from '../azure-lookup/azure-deadline';
import { asCodedError, type CodedError } from '../errors';
import type { KnowledgeBase } from '../knowledge/knowledge-base';
import type { ErrorCodeEntry, LocalizedText } from '../knowledge/schema';
import type { Clock } from '../ports';
import { checkDefinition, type CheckContext } from './check-registry';
import { type AnyCheckTarget, isDatasourceTarget, isFileShareTarget, text, unknown, type CheckResult } from './check-types';
import { aboutOtherWorkload, createDatasourceEvidence, datasourceCheckDefinition, type DatasourceCheckContext } from './datasource-checks';
import { createEvidenceSource } from './evidence-source';
import { createFileShareContext, fileShareCheckDefinition, type FileShareCheckContext } from './file-share-checks';

export const defaultCheckTimeoutInMs = 8000;

export interface RunChecksOptions {
  /** Per check; a check that takes longer is reported unknown. Default 8000. */
  readonly timeoutInMs?: number;
  /** From the fix policy: may checks run read-only commands in the guest (linux-agent-config)? */
  readonly allowReadOnlyRunCommand: boolean;
  /** Why not, when the policy refused it for this person or VM (shown on the check's evidence). */
  readonly runCommandRefusal?: LocalizedText;
  /**
   * Cancels every pending Azure call; pending checks then report unknown. A turn's AzureDeadline
   * signal (aborted with a timed-out reason) makes them say "Azure did not answer in time".
   */
  readonly abortSignal?: AbortSignal;
  /** The app's clock: "stuck for N minutes" is judged at the same instant the session records as checkedAt. */
  readonly clock: Clock;
}

export type CauseVerdict = 'ruled-out' | 'likely' | 'unknown';

export interface CauseCheckResults {
  readonly causeId: string;
  readonly verdict: CauseVerdict;
  /** This cause's checks, in the order the cause lists them. */
  readonly results: readonly CheckResult[];
}

export interface CheckReport {
  /** Each check once, in the order first met while walking the causes. */
  readonly results: readonly CheckResult[];
  /** The code's causes in their documented order. */
  readonly causes: readonly CauseCheckResults[];
  /** Index into `causes` of the first likely cause (documented order wins among several). */
  readonly firstLikelyCauseIndex?: number;
  readonly durationInMs: number;
}

/** What the runner needs from the knowledge base (KnowledgeBase satisfies it). */
export type ChecksKnowledge = Pick<KnowledgeBase, 'orderedCauses' | 'check'>;

/**
 * Runs every check of every cause of the code in parallel, each under its own timeout,
 * sharing the evidence, and judges each cause. Never throws: Azure errors, timeouts and
 * cancellation become unknown results with a line saying why.
 */
export async function runChecksForCode(
  knowledge: ChecksKnowledge,
  code: string | ErrorCodeEntry,
  target: AnyCheckTarget,
  azure: AzurePort,
  options: RunChecksOptions,
): Promise<CheckReport> {
  const started = performance.now();
  let causes: readonly { id: string; checks: readonly string[] }[];
  try {
    causes = knowledge.orderedCauses(code);
  } catch {
    // An unknown code has no causes to check; the caller already told the user it is unknown.
    causes = [];
  }
  const checkIds = [...new Set(causes.flatMap((c) => c.checks))];
  const results = await runChecks(checkIds, target, azure, options, knowledge);
  const byId = new Map(results.map((r) => [r.checkId, r]));
  const judged = causes.map((cause) => {
    const own = cause.checks.map((id) => byId.get(id)).filter((r): r is CheckResult => r !== undefined);
    return { causeId: cause.id, verdict: verdictOf(own), results: own };
  });
  const firstLikely = judged.findIndex((c) => c.verdict === 'likely');
  const durationInMs = performance.now() - started;
  return firstLikely >= 0 ? { results, causes: judged, firstLikelyCauseIndex: firstLikely, durationInMs } : { results, causes: judged, durationInMs };
}

/** Likely if any check failed; ruled out only if every check passed; otherwise (or with no checks) unknown. */
export function verdictOf(results: readonly CheckResult[]): CauseVerdict {
  if (results.some((r) => r.status === 'fail')) return 'likely';
  if (results.length > 0 && results.every((r) => r.status === 'pass')) return 'ruled-out';
  return 'unknown';
}

/** Runs the given checks (e.g. one cause's) in parallel with shared evidence; results in the given order. */
export async function runChecks(
  checkIds: readonly string[],
  target: AnyCheckTarget,
  azure: AzurePort,
  options: RunChecksOptions,
  catalog?: Pick<KnowledgeBase, 'check'>,
): Promise<CheckResult[]> {
  const timeoutInMs = options.timeoutInMs ?? defaultCheckTimeoutInMs;
  // One controller per run: the caller's signal cancels it, and it is aborted at the end so no straggling call outlives the report.
  const controller = new AbortController();
  const forward = (): void => controller.abort(options.abortSignal?.reason);
  if (options.abortSignal?.aborted) controller.abort(options.abortSignal.reason);
  else options.abortSignal?.addEventListener('abort', forward, { once: true });
  const runner = isFileShareTarget(target)
    ? fileShareRunner(createFileShareContext(azure, target, { abortSignal: controller.signal }))
    : isDatasourceTarget(target)
    ? datasourceRunner({ target, evidence: createDatasourceEvidence(azure, target, { abortSignal: controller.signal }) })
    : vmRunner({
        target,
        evidence: createEvidenceSource(azure, target, { abortSignal: controller.signal }),
        allowReadOnlyRunCommand: options.allowReadOnlyRunCommand,
        ...(options.runCommandRefusal ? { runCommandRefusal: options.runCommandRefusal } : {}),
        now: options.clock.now(),
      });
  // One abort listener for all checks (a listener per check would trip Node's MaxListeners warning).
  const pending = new Set<() => void>();
  const onAbort = (): void => {
    for (const cancel of [...pending]) cancel();
  };
  controller.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const results = await Promise.all(checkIds.map((id) => runOne(id, runner, timeoutInMs, controller.signal, pending, options.abortSignal)));
    return results.map((result) => withManualHint(result, checkDefinition(result.checkId)?.manualEvenOnPass === true, catalog));
  } finally {
    options.abortSignal?.removeEventListener('abort', forward);
    controller.signal.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

/** How to run a check id on this target: undefined when no check of that id exists; a fixed answer when it looks at the other kind of target. */
type CheckRunner = (checkId: string) => (() => Promise<CheckResult>) | CheckResult | undefined;

function vmRunner(context: CheckContext): CheckRunner {
  return (checkId) => {
    const definition = checkDefinition(checkId);
    if (definition !== undefined) return () => definition.run(context);
    if (fileShareCheckDefinition(checkId) !== undefined && datasourceCheckDefinition(checkId) === undefined) return aboutFileShare(checkId);
    if (datasourceCheckDefinition(checkId) === undefined) return undefined;
    return unknown(checkId, text('This check looks at a Backup vault datasource (a disk or a storage account), not at a VM.', 'To sprawdzenie dotyczy źródła danych magazynu kopii zapasowych (dysku lub konta magazynu), a nie maszyny.'));
  };
}

function datasourceRunner(context: DatasourceCheckContext): CheckRunner {
  return (checkId) => {
    const definition = datasourceCheckDefinition(checkId);
    if (definition !== undefined && definition.workload !== context.target.workload) return aboutOtherWorkload(checkId, definition.workload, context.target);
    if (definition !== undefined) return () => definition.run(context);
    if (fileShareCheckDefinition(checkId) !== undefined) return aboutFileShare(checkId);
    if (checkDefinition(checkId) === undefined) return undefined;
    return unknown(checkId, text('This check looks at a VM; this card is about a Backup vault datasource.', 'To sprawdzenie dotyczy maszyny wirtualnej; ta karta dotyczy źródła danych magazynu kopii zapasowych.'));
  };
}

function aboutFileShare(checkId: string): CheckResult {
  return unknown(checkId, text('This check looks at an Azure file share; this card is about something else.', 'To sprawdzenie dotyczy udziału plików Azure; ta karta dotyczy czegoś innego.'));
}

function fileShareRunner(context: FileShareCheckContext): CheckRunner {
  return (checkId) => {
    const definition = fileShareCheckDefinition(checkId);
    if (definition !== undefined) return () => definition.run(context);
    if (checkDefinition(checkId) === undefined && datasourceCheckDefinition(checkId) === undefined) return undefined;
    return unknown(checkId, text('This check looks at a VM or a Backup vault datasource; this card is about an Azure file share.', 'To sprawdzenie dotyczy maszyny wirtualnej lub źródła danych magazynu kopii zapasowych; ta karta dotyczy udziału plików Azure.'));
  };
}

function runOne(checkId: string, runner: CheckRunner, timeoutInMs: number, signal: AbortSignal, pending: Set<() => void>, callerSignal: AbortSignal | undefined): Promise<CheckResult> {
  const run = runner(checkId);
  if (run === undefined) {
    return Promise.resolve(unknown(checkId, text(`There is no automated check "${checkId}" yet.`, `Nie ma jeszcze automatycznego sprawdzenia "${checkId}".`)));
  }
  if (typeof run !== 'function') return Promise.resolve(run);
  return new Promise<CheckResult>((resolve) => {
    let settled = false;
    const finish = (result: CheckResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pending.delete(cancel);
      resolve(result);
    };
    const cancel = (): void =>
      finish(
        unansweredResult(
          checkId,
          // The turn's deadline ran out: that is Azure being slow, not someone cancelling.
          isTimeout(callerSignal?.reason) ? deadlineText() : text('The checks were cancelled before Azure answered.', 'Sprawdzanie anulowano, zanim Azure odpowiedział.'),
        ),
      );
    const timer = setTimeout(() => finish(unansweredResult(checkId, timeoutText(timeoutInMs))), timeoutInMs);
    if (signal.aborted) cancel();
    else pending.add(cancel);
    Promise.resolve()
      .then(run)
      .then(finish, (error: unknown) => finish(unansweredResult(checkId, azureErrorText(asCodedError(error)))));
  });
}

/** A check Azure did not answer: unknown, and marked so (see CheckResult.unanswered). */
function unansweredResult(checkId: string, evidence: LocalizedText): CheckResult {
  return { ...unknown(checkId, evidence), unanswered: true };
}

function deadlineText(): LocalizedText {
  return text('Azure did not answer in time for this turn.', 'Azure nie odpowiedział na czas.');
}

function timeoutText(timeoutInMs: number): LocalizedText {
  const seconds = Number((timeoutInMs / 1000).toPrecision(2));
  return text(`Azure did not answer in ${seconds} s.`, `Azure nie odpowiedział w ciągu ${String(seconds).replace('.', ',')} s.`);
}

/** An Azure failure as one line the operator can act on (a 403 names the role and scope it needs). */
export function azureErrorText(error: CodedError): LocalizedText {
  const details = error.details;
  const role = typeof details['requiredRole'] === 'string' ? details['requiredRole'] : undefined;
  const scope = typeof details['scope'] === 'string' ? details['scope'] : undefined;
  const message = error.message.replace(/\s+/g, ' ').trim();
  switch (error.code) {
    case 'azure_forbidden':
      if (role !== undefined) {
        const at = scope === undefined ? '' : ` on ${scope}`;
        const atPl = scope === undefined ? '' : ` w zakresie ${scope}`;
        // The gateway's message usually names the role and what it was for already; do not say it twice.
        const en = message.includes(role) ? message : `The bot's identity needs the ${role} role${at}. ${message}`;
        return text(`Azure refused access (403): ${en}`, `Azure odmówił dostępu (403): tożsamość bota potrzebuje roli ${role}${atPl}.`);
      }
      return text(`Azure refused access (403): ${message}`, `Azure odmówił dostępu (403): ${message}`);
    case 'azure_not_found':
      return text(`Azure did not find the resource (404): ${message}`, `Azure nie znalazł zasobu (404): ${message}`);
    case 'azure_throttled':
      return text(`Azure is throttling requests (429); try the checks again in a minute. ${message}`, `Azure ogranicza liczbę żądań (429); spróbuj ponownie za minutę. ${message}`);
    case 'azure_unavailable':
      return text(`Azure is unavailable right now: ${message}`, `Azure jest w tej chwili niedostępny: ${message}`);
    case 'azure_conflict':
    case 'azure_locked':
    case 'azure_failed':
      return text(`Azure answered with an error: ${message}`, `Azure odpowiedział błędem: ${message}`);
    default:
      return text(`The check failed unexpectedly: ${message}`, `Sprawdzenie nieoczekiwanie się nie powiodło: ${message}`);
  }
}

/** An unknown result (and a pass that sees only part of the picture) carries what to check by hand. */
function withManualHint(result: CheckResult, evenOnPass: boolean, catalog: Pick<KnowledgeBase, 'check'> | undefined): CheckResult {
  if (result.manual !== undefined || result.status === 'fail') return result;
  if (result.status === 'pass' && !evenOnPass) return result;
  const hint = catalog?.check(result.checkId)?.manualHint;
  return hint === undefined ? result : { ...result, manual: hint };
}
