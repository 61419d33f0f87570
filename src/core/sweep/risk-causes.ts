import type { CheckId } from '../checks/check-types';
import type { LocalizedText } from '../knowledge/schema';

/**
 * What a fleet sweep looks for: the causes of a backup failure that ARM shows before the
 * backup runs, each with the read-only checks that prove it (none reads the guest), the knowledge
 * base's cause (its fix buttons) and a code that lists that cause (the troubleshooting card a
 * press opens). A VM is filed under the first cause, in this order, whose checks fail: the
 * order puts the more specific finding first (a lock before the count it keeps at 18, a silent
 * agent before the power-state check that also sees it).
 */
export const RiskCauseIds = [
  'restore-point-rg-lock',
  'too-many-restore-points',
  'no-outbound-storage',
  'backup-extension-error',
  'windows-agent-not-ready',
  'linux-agent-out-of-date',
  'vm-stopped-in-guest',
  'last-backup-failed',
] as const;
export type RiskCauseId = (typeof RiskCauseIds)[number];

export interface RiskCause {
  readonly id: RiskCauseId;
  readonly title: LocalizedText;
  /** Checks whose failure files a VM here; empty for the protected item's own health. */
  readonly checks: readonly CheckId[];
  /** The knowledge base's cause (its fixes and steps); absent when ARM cannot tell the cause. */
  readonly causeId?: string;
  /** A code listing that cause: the troubleshooting card Troubleshoot opens at the cause. */
  readonly codeId?: string;
}

export const riskCauses: readonly RiskCause[] = [
  {
    id: 'restore-point-rg-lock',
    title: { en: 'A resource group lock keeps old restore points', pl: 'Blokada grupy zasobów zatrzymuje stare punkty przywracania' },
    checks: ['restore-point-rg-lock'],
    causeId: 'restore-point-rg-lock',
    codeId: 'UserErrorRpCollectionLimitReached',
  },
  {
    id: 'too-many-restore-points',
    title: { en: 'The restore point collection is at its limit', pl: 'Kolekcja punktów przywracania osiągnęła limit' },
    checks: ['restore-point-count'],
    causeId: 'too-many-restore-points',
    codeId: 'UserErrorRpCollectionLimitReached',
  },
  {
    id: 'no-outbound-storage',
    title: { en: 'Outbound 443 to Azure Storage is blocked', pl: 'Ruch wychodzący 443 do Azure Storage jest zablokowany' },
    checks: ['outbound-storage-access'],
    causeId: 'no-internet-access',
    codeId: 'ExtensionSnapshotFailedNoNetwork',
  },
  {
    id: 'backup-extension-error',
    title: { en: 'The backup extension (VMSnapshot) is in error', pl: 'Rozszerzenie kopii zapasowej (VMSnapshot) zgłasza błąd' },
    checks: ['backup-extension-health'],
    causeId: 'backup-extension-fails-to-load',
    codeId: 'UserErrorGuestAgentStatusUnavailable',
  },
  {
    id: 'windows-agent-not-ready',
    title: { en: 'The Windows guest agent is not ready', pl: 'Agent gościa Windows nie jest gotowy' },
    checks: ['windows-agent-ready'],
    causeId: 'windows-agent-unresponsive',
    codeId: 'UserErrorGuestAgentStatusUnavailable',
  },
  {
    id: 'linux-agent-out-of-date',
    title: { en: 'The Linux guest agent is out of date or not ready', pl: 'Agent gościa Linux jest nieaktualny lub niegotowy' },
    checks: ['linux-agent-version', 'linux-agent-ready'],
    causeId: 'linux-agent-out-of-date',
    codeId: 'UserErrorGuestAgentStatusUnavailable',
  },
  {
    id: 'vm-stopped-in-guest',
    title: { en: 'The VM was stopped from inside the guest', pl: 'Maszynę zatrzymano z poziomu systemu gościa' },
    checks: ['vm-power-state'],
    causeId: 'snapshot-status-unavailable',
    codeId: 'UserErrorGuestAgentStatusUnavailable',
  },
  {
    id: 'last-backup-failed',
    title: {
      en: 'The last backup failed and ARM shows no cause (check inside the guest)',
      pl: 'Ostatnia kopia zapasowa nie powiodła się, a ARM nie pokazuje przyczyny (sprawdź w systemie gościa)',
    },
    checks: [],
  },
];

const byId = new Map<string, RiskCause>(riskCauses.map((c) => [c.id, c]));

export function riskCause(id: string): RiskCause | undefined {
  return byId.get(id);
}

/** Every check a sweep runs on a VM, each once. */
export const sweepCheckIds: readonly CheckId[] = [...new Set(riskCauses.flatMap((c) => c.checks))];
