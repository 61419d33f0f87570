import type { AzurePort, BackupJob, ProtectedVm, VaultRef } from '../azure-port';
import { CodedError, asCodedError } from '../errors';
import type { Identifier } from '../identify';
import { boundedDamerauLevenshtein } from '../identify/edit-distance';
import type { Clock } from '../ports';
import { AzureDeadline, isTimeout } from '../azure-lookup/azure-deadline';
import { type JobCode, identifyJobCode, jobErrorMessage, jobTime } from './job-code';
import type { QuestionWindow } from './question-intent';
import { type TimeRange, resolveWindow } from './time-window';
import { VaultResolver } from './vault-resolver';

/** A failed backup job and what the bot makes of it. */
export interface FailedJob {
  readonly job: BackupJob;
  readonly code: JobCode;
  /** Azure's own words for the failure. */
  readonly message?: string;
  readonly at?: Date;
}

/** Why Azure could not answer, in terms an operator can act on. */
export type AzureProblem =
  | { readonly kind: 'timeout' }
  /** `requiredRole` and `scope` come from the gateway's CodedError details. */
  | { readonly kind: 'forbidden'; readonly message: string; readonly requiredRole?: string; readonly scope?: string; readonly authentication?: boolean }
  | { readonly kind: 'throttled'; readonly message: string }
  | { readonly kind: 'unavailable'; readonly message: string }
  | { readonly kind: 'failed'; readonly message: string };

export interface VaultProblem {
  readonly vault?: VaultRef;
  readonly problem: AzureProblem;
}

export type ExplainResult =
  | { readonly kind: 'failure'; readonly failure: FailedJob; readonly problems: readonly VaultProblem[] }
  /** The VM's latest backup succeeded after its latest failure: the failure may be over. */
  | { readonly kind: 'recovered'; readonly failure: FailedJob; readonly lastBackupTime: Date; readonly lastBackupStatus: string; readonly problems: readonly VaultProblem[] }
  /** The name belongs to several VMs (other resource groups or subscriptions) that failed: the latest failure of each, for the asker to choose. */
  | { readonly kind: 'several-vms'; readonly vmName: string; readonly range: TimeRange; readonly failures: readonly FailedJob[]; readonly problems: readonly VaultProblem[] }
  /** The VM is protected but has no failed backup in the look-back. */
  | { readonly kind: 'no-failure'; readonly vmName: string; readonly lookbackDays: number; readonly protectedIn: readonly ProtectedVm[] }
  | { readonly kind: 'vm-not-found'; readonly vmName: string; readonly vaultsSearched: readonly string[]; readonly suggestions: readonly string[] }
  | { readonly kind: 'no-vaults' }
  | ({ readonly kind: 'azure-problem' } & VaultProblem);

export type ListResult =
  | {
      readonly kind: 'list';
      readonly range: TimeRange;
      readonly window: QuestionWindow;
      /** Whose day "today" is: the asker's (their zone was known) or UTC's. */
      readonly zone: 'asker' | 'utc';
      readonly failures: readonly FailedJob[];
      readonly vaultsSearched: number;
      readonly problems: readonly VaultProblem[];
      readonly vaultName?: string;
    }
  | { readonly kind: 'vault-not-found'; readonly vaultName: string; readonly known: readonly string[]; readonly suggestions: readonly string[] }
  | { readonly kind: 'no-vaults' }
  | ({ readonly kind: 'azure-problem' } & VaultProblem);

export interface FailureGroup {
  /** The identified code; undefined for failures the bot could not identify. */
  readonly codeId?: string;
  /** Several equally likely codes (ambiguous identification). */
  readonly codeIds: readonly string[];
  readonly count: number;
  /** Distinct VM names, most recent failure first. */
  readonly vms: readonly string[];
  readonly latest: FailedJob;
}

export type VaultStatusResult =
  | {
      readonly kind: 'status';
      readonly vault: VaultRef;
      readonly protectedVms: readonly ProtectedVm[];
      readonly range: TimeRange;
      readonly failures: readonly FailedJob[];
      /** Failures grouped by code, largest group first. */
      readonly groups: readonly FailureGroup[];
    }
  /** The name belongs to vaults in several subscriptions: the status of each, none picked silently. */
  | { readonly kind: 'several-vaults'; readonly vaultName: string; readonly statuses: readonly VaultStatusResult[] }
  | { readonly kind: 'vault-not-found'; readonly vaultName: string; readonly known: readonly string[]; readonly suggestions: readonly string[] }
  | { readonly kind: 'no-vaults' }
  | ({ readonly kind: 'azure-problem' } & VaultProblem);

export type ReloadResult = { readonly kind: 'failure'; readonly failure: FailedJob } | { readonly kind: 'not-found' } | ({ readonly kind: 'azure-problem' } & VaultProblem);

export interface ResourceQuestionsDeps {
  readonly azure: AzurePort;
  /** Names the code of a failed job (the same identification the incident cards and fix verification use). */
  readonly identifier: Identifier;
  readonly vaults: VaultResolver;
  readonly clock: Clock;
  /** The whole question's time budget for Azure (default 8 s: a Teams turn must answer within 15 s). */
  readonly budgetMs?: number;
  /** How far back "why did the backup of X fail?" looks (default 7 days). */
  readonly lookbackDays?: number;
}

const DEFAULT_BUDGET_MS = 8_000;
const DEFAULT_LOOKBACK_DAYS = 7;
const STATUS_WINDOW: QuestionWindow = { kind: 'last-hours', hours: 24 };

/**
 * The use cases behind questions about real resources, channel-free. Every Azure call runs
 * within one time budget per question; no method throws for an Azure failure: each answers
 * with what it found and an `azure-problem` the channel words for the operator.
 */
export class ResourceQuestions {
  constructor(private readonly deps: ResourceQuestionsDeps) {}

  get budgetMs(): number {
    return this.deps.budgetMs ?? DEFAULT_BUDGET_MS;
  }

  get lookbackDays(): number {
    return this.deps.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  }

  /** "Why did the backup of <vm> fail?": the VM's latest failed job in the watched vaults. */
  async explainLatestFailure(vmName: string): Promise<ExplainResult> {
    return this.withDeadline(async (deadline) => {
      const vaults = await this.vaultList(deadline);
      if (!isVaultList(vaults)) return vaults;
      if (vaults.length === 0) return { kind: 'no-vaults' };
      const now = this.deps.clock.now();
      const range = { from: new Date(now.getTime() - this.lookbackDays * 86_400_000), to: now };
      const wanted = vmName.toLowerCase();

      const jobs = await this.perVault(vaults, deadline, (vault, abortSignal) => this.deps.azure.listFailedBackupJobs(vault, range, { abortSignal }));
      const mine = newestFirst(jobs.values.flatMap((list) => list).filter((job) => job.vmName.toLowerCase() === wanted));
      const latest = mine[0];
      const unreadable = await this.subscriptionProblems(deadline);
      // One name, several VMs (another resource group, another subscription): never one of them silently.
      const latestPerVm = [...new Map([...mine].reverse().map((job) => [`${job.vault.subscriptionId}/${job.vmResourceGroup ?? job.vault.resourceGroup}`.toLowerCase(), job])).values()];
      if (latestPerVm.length > 1) {
        const failures = newestFirst(latestPerVm).map((job) => this.describe(job));
        return { kind: 'several-vms', vmName, range, failures, problems: [...unreadable, ...jobs.problems] };
      }
      if (latest) {
        const failure = await this.describeWithDetails(latest, deadline);
        const since = await this.backedUpSince(latest, deadline);
        if (since) return { kind: 'recovered', failure, ...since, problems: [...unreadable, ...jobs.problems] };
        return { kind: 'failure', failure, problems: [...unreadable, ...jobs.problems] };
      }

      const readable = vaults.filter((v) => !jobs.problems.some((p) => p.vault === v));
      const items = await this.perVault(readable, deadline, (vault, abortSignal) => this.deps.azure.listProtectedVms(vault, { abortSignal }));
      const protectedIn = items.values.flatMap((list) => list).filter((item) => item.friendlyName.toLowerCase() === wanted || item.vm.name.toLowerCase() === wanted);
      if (protectedIn.length > 0) return { kind: 'no-failure', vmName, lookbackDays: this.lookbackDays, protectedIn };
      // The VM may be in a vault the bot could not read: say why rather than "not found".
      const problem = mostTelling([...unreadable, ...jobs.problems, ...items.problems]);
      if (problem) return { kind: 'azure-problem', ...problem };
      const known = [...items.values.flatMap((list) => list.map((i) => i.friendlyName)), ...jobs.values.flatMap((list) => list.map((j) => j.vmName))];
      return { kind: 'vm-not-found', vmName, vaultsSearched: vaults.map((v) => v.name), suggestions: similarNames(vmName, known) };
    });
  }

  /** "Failed backups today": every failed job in the window, newest first, across the watched vaults (or one). */
  async listFailedBackups(window: QuestionWindow, options: { vaultName?: string; utcOffsetMinutes?: number } = {}): Promise<ListResult> {
    return this.withDeadline(async (deadline) => {
      const all = await this.vaultList(deadline);
      if (!isVaultList(all)) return all;
      if (all.length === 0) return { kind: 'no-vaults' };
      let vaults: readonly VaultRef[] = all;
      if (options.vaultName !== undefined) {
        const wanted = options.vaultName.toLowerCase();
        vaults = all.filter((v) => v.name.toLowerCase() === wanted);
        if (vaults.length === 0) return { kind: 'vault-not-found', vaultName: options.vaultName, known: all.map((v) => v.name), suggestions: similarNames(options.vaultName, all.map((v) => v.name)) };
      }
      const range = resolveWindow(window, this.deps.clock.now(), options.utcOffsetMinutes);
      const jobs = await this.perVault(vaults, deadline, (vault, abortSignal) => this.deps.azure.listFailedBackupJobs(vault, range, { abortSignal }));
      if (jobs.values.length === 0 && jobs.problems.length > 0) return { kind: 'azure-problem', ...(mostTelling(jobs.problems) as VaultProblem) };
      const failures = newestFirst(jobs.values.flatMap((list) => list)).map((job) => this.describe(job));
      const unreadable = options.vaultName === undefined ? await this.subscriptionProblems(deadline) : [];
      const zone = options.utcOffsetMinutes === undefined ? 'utc' : 'asker';
      return { kind: 'list', range, window, zone, failures, vaultsSearched: vaults.length, problems: [...unreadable, ...jobs.problems], ...(options.vaultName !== undefined ? { vaultName: options.vaultName } : {}) };
    });
  }

  /** "Status of vault X": protected VMs and the last 24 h of failed jobs grouped by code. */
  async vaultStatus(vaultName: string): Promise<VaultStatusResult> {
    return this.withDeadline(async (deadline) => {
      const all = await this.vaultList(deadline);
      if (!isVaultList(all)) return all;
      if (all.length === 0) return { kind: 'no-vaults' };
      const wanted = vaultName.toLowerCase();
      const named = all.filter((v) => v.name.toLowerCase() === wanted);
      const vault = named[0];
      if (!vault) return { kind: 'vault-not-found', vaultName, known: all.map((v) => v.name), suggestions: similarNames(vaultName, all.map((v) => v.name)) };
      if (named.length > 1) return { kind: 'several-vaults', vaultName, statuses: await Promise.all(named.map((v) => this.statusOf(v, deadline))) };
      return this.statusOf(vault, deadline);
    });
  }

  /** One vault's protected VMs and the last 24 hours of failed jobs. */
  private async statusOf(vault: VaultRef, deadline: AzureDeadline): Promise<VaultStatusResult> {
    const range = resolveWindow(STATUS_WINDOW, this.deps.clock.now());
    const [items, jobs] = await Promise.allSettled([
      deadline.run((abortSignal) => this.deps.azure.listProtectedVms(vault, { abortSignal })),
      deadline.run((abortSignal) => this.deps.azure.listFailedBackupJobs(vault, range, { abortSignal })),
    ]);
    if (items.status === 'rejected') return { kind: 'azure-problem', vault, problem: toProblem(items.reason) };
    if (jobs.status === 'rejected') return { kind: 'azure-problem', vault, problem: toProblem(jobs.reason) };
    const failures = newestFirst(jobs.value).map((job) => this.describe(job));
    return { kind: 'status', vault, protectedVms: items.value, range, failures, groups: groupByCode(failures) };
  }

  /**
   * A "Troubleshoot" press: the card names a vault and a job, nothing more. The vault must be
   * one the bot watches, and the job is read again from Azure (it must still be a failed backup).
   */
  async reloadFailedJob(ref: { vaultName: string; resourceGroup: string; jobId: string; subscriptionId?: string }): Promise<ReloadResult> {
    return this.withDeadline(async (deadline) => {
      const all = await this.vaultList(deadline);
      if (!isVaultList(all)) return all;
      const vault = all.find(
        (v) =>
          v.name.toLowerCase() === ref.vaultName.toLowerCase() &&
          v.resourceGroup.toLowerCase() === ref.resourceGroup.toLowerCase() &&
          (ref.subscriptionId === undefined || v.subscriptionId.toLowerCase() === ref.subscriptionId.toLowerCase()),
      );
      if (!vault) return { kind: 'not-found' };
      let job: BackupJob;
      try {
        job = await deadline.run((abortSignal) => this.deps.azure.getBackupJob(vault, ref.jobId, { abortSignal }));
      } catch (error) {
        if (error instanceof CodedError && error.code === 'azure_not_found') return { kind: 'not-found' };
        return { kind: 'azure-problem', vault, problem: toProblem(error) };
      }
      if (job.status !== 'Failed') return { kind: 'not-found' };
      return { kind: 'failure', failure: this.describe(job) };
    });
  }

  /**
   * The VM's protected item, when its last backup succeeded after the failed job ended: an operator
   * should not troubleshoot a failure the next backup already got past. Unknown (Azure did not say,
   * or did not answer in time) counts as not recovered.
   */
  private async backedUpSince(job: BackupJob, deadline: AzureDeadline): Promise<{ lastBackupTime: Date; lastBackupStatus: string } | undefined> {
    const failedAt = jobTime(job);
    if (!failedAt) return undefined;
    try {
      const items = await deadline.run((abortSignal) => this.deps.azure.listProtectedVms(job.vault, { abortSignal }));
      const item = items.find((i) => i.vm.name.toLowerCase() === job.vmName.toLowerCase() && (job.vmResourceGroup === undefined || i.vm.resourceGroup.toLowerCase() === job.vmResourceGroup.toLowerCase()));
      const status = item?.lastBackupStatus;
      if (!item?.lastBackupTime || !status || !/^completed/i.test(status) || item.lastBackupTime.getTime() <= failedAt.getTime()) return undefined;
      return { lastBackupTime: item.lastBackupTime, lastBackupStatus: status };
    } catch {
      return undefined;
    }
  }

  private describe(job: BackupJob): FailedJob {
    const message = jobErrorMessage(job);
    const at = jobTime(job);
    return { job, code: identifyJobCode(job, this.deps.identifier), ...(message ? { message } : {}), ...(at ? { at } : {}) };
  }

  /** A listed job may lack the details (the dynamic error message) that tell its code; read them when needed. */
  private async describeWithDetails(job: BackupJob, deadline: AzureDeadline): Promise<FailedJob> {
    const listed = this.describe(job);
    if (listed.code.kind === 'identified') return listed;
    try {
      const detailed = this.describe(await deadline.run((abortSignal) => this.deps.azure.getBackupJob(job.vault, job.id, { abortSignal })));
      return detailed.code.kind === 'unidentified' ? listed : detailed;
    } catch {
      // The list already gave the essentials; a failed detail read only loses precision.
      return listed;
    }
  }

  private async vaultList(deadline: AzureDeadline): Promise<readonly VaultRef[] | { kind: 'azure-problem'; problem: AzureProblem }> {
    try {
      return (await this.deps.vaults.listing(deadline)).vaults;
    } catch (error) {
      return { kind: 'azure-problem', problem: toProblem(error) };
    }
  }

  /** Subscriptions whose vaults the last listing could not read: each a problem the answer names beside what it found. */
  private async subscriptionProblems(deadline: AzureDeadline): Promise<VaultProblem[]> {
    try {
      return (await this.deps.vaults.listing(deadline)).unreadable.map((u) => {
        const problem = toProblem(u.error);
        // Which subscription, when Azure's answer does not say (an outage names no scope, a missing role does).
        if (!('message' in problem) || problem.message.includes(u.subscriptionId)) return { problem };
        return { problem: { ...problem, message: `Subscription ${u.subscriptionId}: ${problem.message}` } };
      });
    } catch {
      return [];
    }
  }

  private async perVault<T>(vaults: readonly VaultRef[], deadline: AzureDeadline, call: (vault: VaultRef, abortSignal: AbortSignal) => Promise<T>): Promise<{ values: T[]; problems: VaultProblem[] }> {
    const settled = await Promise.allSettled(vaults.map((vault) => deadline.run((signal) => call(vault, signal))));
    const values: T[] = [];
    const problems: VaultProblem[] = [];
    settled.forEach((result, i) => {
      if (result.status === 'fulfilled') values.push(result.value);
      else problems.push({ vault: vaults[i] as VaultRef, problem: toProblem(result.reason) });
    });
    return { values, problems };
  }

  private async withDeadline<T>(run: (deadline: AzureDeadline) => Promise<T>): Promise<T> {
    const deadline = new AzureDeadline(this.budgetMs);
    try {
      return await run(deadline);
    } finally {
      deadline.dispose();
    }
  }
}

function isVaultList(value: readonly VaultRef[] | { kind: 'azure-problem'; problem: AzureProblem }): value is readonly VaultRef[] {
  return Array.isArray(value);
}

export interface CreateResourceQuestionsInput extends Omit<ResourceQuestionsDeps, 'vaults'> {
  /** WATCHED_VAULTS as parsed by src/config.ts; empty: every vault the identity sees. */
  readonly watchedVaults: readonly VaultRef[];
}

/** The use cases over the configured vault list. */
export function createResourceQuestions(input: CreateResourceQuestionsInput): ResourceQuestions {
  const vaults = new VaultResolver(input.azure, input.clock, { watched: input.watchedVaults });
  return new ResourceQuestions({ ...input, vaults });
}

/** A CodedError from the gateway (or anything else thrown) as a problem to explain. */
export function toProblem(error: unknown): AzureProblem {
  if (isTimeout(error)) return { kind: 'timeout' };
  const coded = asCodedError(error);
  const details = coded.details;
  const text = (key: string): string | undefined => (typeof details[key] === 'string' ? (details[key] as string) : undefined);
  switch (coded.code) {
    case 'azure_forbidden': {
      const requiredRole = text('requiredRole');
      const scope = text('scope');
      return {
        kind: 'forbidden',
        message: coded.message,
        ...(requiredRole ? { requiredRole } : {}),
        ...(scope ? { scope } : {}),
        ...(details['authentication'] === true ? { authentication: true } : {}),
      };
    }
    case 'azure_throttled':
      return { kind: 'throttled', message: coded.message };
    case 'azure_unavailable':
      return details['aborted'] === true ? { kind: 'timeout' } : { kind: 'unavailable', message: coded.message };
    default:
      return { kind: 'failed', message: coded.message };
  }
}

const problemRank: Record<AzureProblem['kind'], number> = { forbidden: 0, timeout: 1, throttled: 2, unavailable: 3, failed: 4 };

/** The problem an operator can do most about (a missing role first). */
function mostTelling(problems: readonly VaultProblem[]): VaultProblem | undefined {
  return [...problems].sort((a, b) => problemRank[a.problem.kind] - problemRank[b.problem.kind])[0];
}

/** Newest first; jobs that started together (one schedule) by VM name, so the same failures always list the same way. */
function newestFirst(jobs: readonly BackupJob[]): BackupJob[] {
  return [...jobs].sort((a, b) => (jobTime(b)?.getTime() ?? 0) - (jobTime(a)?.getTime() ?? 0) || a.vmName.localeCompare(b.vmName));
}

function groupByCode(failures: readonly FailedJob[]): FailureGroup[] {
  const groups = new Map<string, { codeIds: readonly string[]; items: FailedJob[] }>();
  for (const failure of failures) {
    const codeIds = failure.code.kind === 'identified' ? [failure.code.codeId] : failure.code.kind === 'ambiguous' ? failure.code.codeIds : [];
    const key = codeIds.join('|');
    const group = groups.get(key) ?? { codeIds, items: [] };
    group.items.push(failure);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ codeIds, items }) => ({
      ...(codeIds.length === 1 ? { codeId: codeIds[0] as string } : {}),
      codeIds,
      count: items.length,
      vms: [...new Set(items.map((f) => f.job.vmName))],
      latest: items[0] as FailedJob,
    }))
    .sort((a, b) => b.count - a.count || (b.latest.at?.getTime() ?? 0) - (a.latest.at?.getTime() ?? 0));
}

/** Names close to what was asked (a typo, a missing suffix), for "did you mean". */
export function similarNames(asked: string, known: readonly string[], max = 3): string[] {
  const wanted = asked.toLowerCase();
  const scored = [...new Set(known.map((k) => k.trim()).filter((k) => k.length > 0))]
    .map((name) => {
      const lower = name.toLowerCase();
      const distance = boundedDamerauLevenshtein(wanted, lower, 3);
      const contains = lower.includes(wanted) || wanted.includes(lower);
      return { name, score: contains ? Math.min(distance, 1) : distance };
    })
    .filter((s) => s.score <= 2)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((s) => s.name);
}
