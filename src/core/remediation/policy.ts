import { z } from 'zod';
import { CodedError } from '../errors';
import type { LocalizedText } from '../knowledge/schema';
import { sameActor, type Actor } from './actor';
import { FixIds, type FixDefinition } from './fix-catalogue';
import type { FixTarget } from './fix-target';
import { allowed, refuse, standardRefusal, type Decision } from './refusal';

/**
 * The fix policy: who may request and approve which fixes where. Loaded from the file
 * named by FIX_POLICY_FILE (src/remediation/policy-file.ts) and checked on every action,
 * never cached on a card.
 *
 * Principals are written `aad:<Entra object id>`, `teams:<Teams user id>`,
 * `slack:<Slack user id>` or `group:<name>` (a group defined in the same file).
 */
const principal = z.string().regex(/^(aad|teams|slack|group):\S+$/, 'a principal is aad:<object id>, teams:<user id>, slack:<user id> or group:<name>');
const memberPrincipal = z.string().regex(/^(aad|teams|slack):\S+$/, 'a group member is aad:<object id>, teams:<user id> or slack:<user id>');
/** Glob: `*` any run of characters, `?` one character; compared case-insensitively like Azure names. */
const pattern = z.string().trim().min(1).regex(/^[A-Za-z0-9_.()*?-]+$/, 'a pattern holds letters, digits, _ . ( ) - and the wildcards * ?');

export const PolicySchema = z
  .object({
    version: z.literal(1),
    enabledFixes: z.array(z.enum(FixIds)),
    // Not the names every JavaScript object has: a group "__proto__" would rewrite the map itself.
    groups: z.record(z.string().regex(/^(?!(?:__proto__|constructor|prototype)$)[A-Za-z0-9_.-]+$/, 'a group name is letters, digits, _ . - (and not __proto__, constructor or prototype)'), z.array(memberPrincipal)).default({}),
    requesters: z.array(principal).min(1),
    approvers: z.array(principal).min(1),
    /**
     * Who may use the bot's operator features beyond reading cards: subscribe or unsubscribe a
     * conversation to incident cards, and let Run checks read the guest with a read-only run
     * command. Requesters and approvers are operators too.
     */
    operators: z.array(principal).default([]),
    scope: z
      .object({
        subscriptions: z.array(pattern).min(1),
        resourceGroups: z.array(pattern).min(1),
      })
      .strict(),
    /** Which fixes need a second person: the requester may never approve them. */
    twoPersonRule: z.enum(['high-risk', 'all']).default('high-risk'),
    approvalExpiryMinutes: z.number().int().min(1).max(24 * 60).default(30),
    /** Lets checks read guest configuration through read-only run commands. */
    allowReadOnlyRunCommands: z.boolean().default(false),
  })
  .strict()
  .superRefine((policy, ctx) => {
    for (const field of ['requesters', 'approvers', 'operators'] as const) {
      policy[field].forEach((p, i) => {
        if (p.startsWith('group:') && !Object.hasOwn(policy.groups, p.slice('group:'.length))) {
          ctx.addIssue({ code: 'custom', path: [field, i], message: `unknown group "${p.slice('group:'.length)}" (define it under "groups")` });
        }
      });
    }
  });
export type Policy = z.infer<typeof PolicySchema>;

export type PolicyState =
  | { readonly kind: 'loaded'; readonly policy: Policy; readonly source: string }
  | { readonly kind: 'missing'; readonly howToEnable: LocalizedText };

export const howToEnableFixes: LocalizedText = {
  en: 'Fixes are shown but disabled. To enable them, write a policy file (see config/demo-policy.json) and set FIX_POLICY_FILE to its path.',
  pl: 'Poprawki są widoczne, ale wyłączone. Aby je włączyć, utwórz plik polityki (wzór: config/demo-policy.json) i ustaw FIX_POLICY_FILE na jego ścieżkę.',
};

export const missingPolicy: PolicyState = Object.freeze({ kind: 'missing', howToEnable: howToEnableFixes });

/** Validates a parsed policy file; problems name the path inside the file and the reason. */
export function parsePolicy(json: unknown, source: string): Policy {
  const parsed = PolicySchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${source}: ${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
  throw new CodedError('config_invalid', `The fix policy is invalid:\n${problems.join('\n')}`, { problems });
}

export function matchesPattern(value: string, glob: string): boolean {
  const escaped = glob.replace(/[.()+^$|{}[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i').test(value);
}

/**
 * The members of a group the policy file defines; none for any other name. Only the file's own
 * keys count: "constructor" or "toString" name no group, whatever every object inherits.
 */
export function groupMembers(policy: Policy, name: string): readonly string[] {
  return Object.hasOwn(policy.groups, name) ? (policy.groups[name] ?? []) : [];
}

export function isPrincipal(policy: Policy, actor: Actor, principals: readonly string[]): boolean {
  return principals.some((p) => {
    if (p.startsWith('group:')) return groupMembers(policy, p.slice('group:'.length)).some((m) => matchesMember(actor, m));
    return matchesMember(actor, p);
  });
}

function matchesMember(actor: Actor, member: string): boolean {
  const colon = member.indexOf(':');
  const kind = member.slice(0, colon);
  const id = member.slice(colon + 1);
  switch (kind) {
    case 'aad':
      return actor.aadObjectId !== undefined && actor.aadObjectId.toLowerCase() === id.toLowerCase();
    case 'teams':
      return actor.channel === 'msteams' && actor.userId === id;
    case 'slack':
      return actor.channel === 'slack' && actor.userId === id;
    default:
      return false;
  }
}

/** Operators: the `operators` list plus every requester and approver. */
export function isOperator(policy: Policy, actor: Actor): boolean {
  return isPrincipal(policy, actor, policy.operators) || isPrincipal(policy, actor, policy.requesters) || isPrincipal(policy, actor, policy.approvers);
}

/** An operator feature's answer; `message` says who may and whom to ask. */
export type OperatorDecision = { readonly allowed: true } | { readonly allowed: false; readonly message: LocalizedText };

const askToBeOperator: LocalizedText = {
  en: 'ask whoever maintains the fix policy (FIX_POLICY_FILE) to add you under "operators"',
  pl: 'poproś osobę, która utrzymuje politykę poprawek (FIX_POLICY_FILE), o dopisanie Cię do listy „operators”',
};

export const operatorOnly = {
  subscriptions: {
    en: `Only operators may subscribe this conversation to incident cards or unsubscribe it (${askToBeOperator.en}).`,
    pl: `Tylko operatorzy mogą zapisać tę rozmowę na karty incydentów lub wypisać ją z nich (${askToBeOperator.pl}).`,
  },
  runCommand: {
    en: `Only operators may let the checks read the guest with a read-only run command (${askToBeOperator.en}).`,
    pl: `Tylko operatorzy mogą pozwolić sprawdzeniom odczytać konfigurację maszyny poleceniem uruchamianym tylko do odczytu (${askToBeOperator.pl}).`,
  },
  runCommandOutOfScope: {
    en: 'This VM is outside the subscriptions and resource groups of the fix policy, so the checks run no command on it.',
    pl: 'Ta maszyna jest poza subskrypcjami i grupami zasobów polityki poprawek, więc sprawdzenia nie uruchamiają na niej żadnego polecenia.',
  },
  runCommandOff: {
    en: 'Read-only run commands are off: they need a fix policy (FIX_POLICY_FILE) with "allowReadOnlyRunCommands": true.',
    pl: 'Polecenia uruchamiane tylko do odczytu są wyłączone: wymagają polityki poprawek (FIX_POLICY_FILE) z "allowReadOnlyRunCommands": true.',
  },
} as const satisfies Record<string, LocalizedText>;

/**
 * May this person subscribe or unsubscribe a conversation? With a policy, only operators;
 * without one, anyone who can talk to the bot (the README says so).
 */
export function decideSubscriptionChange(state: PolicyState | undefined, actor: Actor): OperatorDecision {
  if (state === undefined || state.kind === 'missing') return { allowed: true };
  return isOperator(state.policy, actor) ? { allowed: true } : { allowed: false, message: operatorOnly.subscriptions };
}

/**
 * May Run checks read this VM's guest with a read-only run command for this person? Only
 * under a policy that allows them, for an operator, on a VM inside the policy's scope.
 */
export function decideReadOnlyRunCommand(state: PolicyState | undefined, actor: Actor, vm: { readonly subscriptionId: string; readonly resourceGroup: string }): OperatorDecision {
  if (state === undefined || state.kind === 'missing' || !state.policy.allowReadOnlyRunCommands) return { allowed: false, message: operatorOnly.runCommandOff };
  if (!isOperator(state.policy, actor)) return { allowed: false, message: operatorOnly.runCommand };
  if (!isResourceGroupInScope(state.policy, vm.subscriptionId, vm.resourceGroup)) return { allowed: false, message: operatorOnly.runCommandOutOfScope };
  return { allowed: true };
}

export function isResourceGroupInScope(policy: Policy, subscriptionId: string, resourceGroup: string): boolean {
  return policy.scope.subscriptions.some((p) => matchesPattern(subscriptionId, p)) && policy.scope.resourceGroups.some((p) => matchesPattern(resourceGroup, p));
}

export function isFixEnabled(policy: Policy, fixId: string): boolean {
  return (policy.enabledFixes as readonly string[]).includes(fixId);
}

export function needsSecondPerson(policy: Policy, fix: FixDefinition): boolean {
  return policy.twoPersonRule === 'all' || fix.risk === 'high';
}

export function approvalExpiryMs(policy: Policy): number {
  return policy.approvalExpiryMinutes * 60_000;
}

/** May this person ask for this fix on this VM? (Also the check before the plan is shown.) */
export function decideRequest(state: PolicyState, fix: FixDefinition, actor: Actor, target: FixTarget): Decision {
  if (state.kind === 'missing') return refuse('policy-missing', { en: `${standardRefusal('policy-missing').message.en} ${state.howToEnable.en}`, pl: `${standardRefusal('policy-missing').message.pl} ${state.howToEnable.pl}` });
  const { policy } = state;
  if (!isFixEnabled(policy, fix.id)) return { allowed: false, refusal: standardRefusal('fix-disabled') };
  if (!isPrincipal(policy, actor, policy.requesters)) return { allowed: false, refusal: standardRefusal('not-requester') };
  if (!isResourceGroupInScope(policy, target.vm.subscriptionId, target.vm.resourceGroup)) return { allowed: false, refusal: standardRefusal('out-of-scope') };
  return allowed;
}

/**
 * May this person approve (or reject) this request? Re-checked in full at decision time:
 * the policy may have changed since the request was made.
 */
export function decideApproval(state: PolicyState, fix: FixDefinition, request: { requester: Actor; target: FixTarget }, actor: Actor, kind: 'approve' | 'reject'): Decision {
  if (state.kind === 'missing') return { allowed: false, refusal: standardRefusal('policy-missing') };
  const { policy } = state;
  if (!isPrincipal(policy, actor, policy.approvers)) return { allowed: false, refusal: standardRefusal('not-approver') };
  if (kind === 'reject') return allowed;
  if (!isFixEnabled(policy, fix.id)) return { allowed: false, refusal: standardRefusal('fix-disabled') };
  if (!isResourceGroupInScope(policy, request.target.vm.subscriptionId, request.target.vm.resourceGroup)) return { allowed: false, refusal: standardRefusal('out-of-scope') };
  // The requester must still be allowed to ask: removing someone from the policy withdraws their pending requests.
  if (!isPrincipal(policy, request.requester, policy.requesters)) return { allowed: false, refusal: standardRefusal('not-requester') };
  if (needsSecondPerson(policy, fix) && sameActor(actor, request.requester)) return { allowed: false, refusal: standardRefusal('self-approval') };
  return allowed;
}
