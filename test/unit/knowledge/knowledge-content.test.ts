import { loadKnowledgeBase, defaultKnowledgeDir } from '../../../src/knowledge/load-knowledge-base';
import type { Cause, ErrorCodeEntry, LocalizedText } from '../../../src/core/knowledge/schema';

const kb = loadKnowledgeBase();

/** The 2018 Polish article (the seed), written out: each code, its exact Polish message and its causes in the article's order. */
const seed: readonly { code: string; pl: string; causes: readonly string[] }[] = [
  {
    code: 'UserErrorGuestAgentStatusUnavailable',
    pl: 'Nie można nawiązać komunikacji z usługą Azure Backup Agent maszyny Wirtualnej',
    causes: ['no-internet-access', 'windows-agent-unresponsive', 'linux-agent-out-of-date', 'snapshot-status-unavailable', 'backup-extension-fails-to-load'],
  },
  {
    code: 'ExtensionSnapshotFailedNoNetwork',
    pl: 'Migawki: operacja nie powiodła się z powodu braku łączności z siecią na maszynie wirtualnej',
    causes: ['no-internet-access', 'snapshot-status-unavailable', 'backup-extension-fails-to-load'],
  },
  {
    code: 'ExtentionOperationFailed',
    pl: 'Operacja rozszerzenia VMSnapshot nie powiodła się.',
    causes: ['snapshot-status-unavailable', 'backup-extension-fails-to-load', 'windows-agent-unresponsive', 'linux-agent-out-of-date'],
  },
  {
    code: 'GuestAgentSnapshotTaskStatusError',
    pl: 'Nie można nawiązać komunikacji z agentem maszyny Wirtualnej w celu uzyskania stanu migawki',
    causes: ['windows-agent-unresponsive', 'linux-agent-out-of-date', 'no-internet-access'],
  },
  {
    code: 'BackUpOperationFailed',
    pl: 'kopii zapasowej nie powiodło się z powodu błędu wewnętrznego — ponów próbę operacji za kilka minut',
    causes: ['no-internet-access', 'windows-agent-unresponsive', 'linux-agent-out-of-date', 'snapshot-status-unavailable', 'backup-extension-fails-to-load', 'restore-point-rg-lock'],
  },
  {
    code: 'BackUpOperationFailedV2',
    pl: 'kopii zapasowej nie powiodło się z powodu błędu wewnętrznego — ponów próbę operacji za kilka minut',
    causes: ['no-internet-access', 'windows-agent-unresponsive', 'linux-agent-out-of-date', 'snapshot-status-unavailable', 'backup-extension-fails-to-load', 'restore-point-rg-lock'],
  },
];

/** What the current guidance adds after the seed's causes, in its order. */
const addedByCurrentGuidance: Readonly<Record<string, readonly string[]>> = {
  UserErrorGuestAgentStatusUnavailable: ['vm-or-agent-not-ready'],
  ExtensionSnapshotFailedNoNetwork: [],
  ExtentionOperationFailed: [],
  GuestAgentSnapshotTaskStatusError: ['snapshot-status-unavailable', 'linux-agent-config-not-set', 'app-control-blocks-extension'],
  BackUpOperationFailed: ['extension-dll-mismatch'],
  BackUpOperationFailedV2: ['extension-dll-mismatch', 'enhanced-policy-migration'],
};

/**
 * A cheap guard against English pasted into "pl": Polish letters, or no English
 * function word once quoted UI/log text („...”, "...") is set aside.
 */
const looksPolish = (text: string): boolean => {
  if (/[ąćęłńóśźż]/i.test(text)) return true;
  const unquoted = text.replace(/„[^”]*”|"[^"]*"/g, '');
  // Not "to": a Polish word too ("stan aprowizacji … to niepowodzenie").
  return (unquoted.match(/\b(the|and|of|is|are|with|for|from|your|this|that)\b/gi) ?? []).length === 0;
};

function code(idOrAlias: string): ErrorCodeEntry {
  const found = kb.findCode(idOrAlias);
  if (found === undefined) throw new Error(`missing code ${idOrAlias}`);
  return found;
}

describe('the shipped knowledge base', () => {
  it('loads from the repository folder', () => {
    expect(defaultKnowledgeDir()).toMatch(/knowledge$/);
    expect(kb.codes.length).toBeGreaterThanOrEqual(35);
    expect(kb.causes.length).toBeGreaterThanOrEqual(30);
  });

  describe.each(seed)('seed code $code', ({ code: id, pl, causes }) => {
    it('keeps the seed\'s causes first, in the seed\'s order, marked 2018', () => {
      const entry = code(id);
      const ordered = kb.orderedCauses(entry).map((c) => c.id);
      expect(ordered.slice(0, causes.length)).toEqual(causes);
      expect(kb.causeEditions(entry).slice(0, causes.length)).toEqual(causes.map(() => '2018'));
    });

    it('then the causes the current guidance adds, and nothing else', () => {
      const entry = code(id);
      const rest = entry.causes.slice(causes.length);
      expect(rest.map((r) => r.cause)).toEqual(addedByCurrentGuidance[id]);
      expect(rest.every((r) => r.edition !== '2018')).toBe(true);
    });

    it('carries the seed\'s exact Polish message, plus natural Polish', () => {
      const entry = code(id);
      expect(entry.messages.pl).toContain(pl);
      expect(entry.messages.pl.length).toBeGreaterThanOrEqual(2);
      expect(entry.editions).toEqual(expect.arrayContaining(['2018', 'current']));
    });
  });

  it('has the exact English messages of the seed codes', () => {
    expect(code('UserErrorGuestAgentStatusUnavailable').messages.en).toEqual(['VM Agent unable to communicate with Azure Backup']);
    expect(code('GuestAgentSnapshotTaskStatusError').messages.en).toEqual(['Could not communicate with the VM agent for snapshot status']);
    expect(code('ExtensionSnapshotFailedNoNetwork').messages.en).toEqual(['Snapshot operation failed due to no network connectivity on the virtual machine']);
    expect(code('ExtensionOperationFailedForManagedDisks').messages.en).toEqual(['VMSnapshot extension operation failed']);
    expect(code('BackUpOperationFailed').messages.en).toEqual(['Backup failed with an internal error - Please retry the operation in a few minutes']);
    expect(code('BackUpOperationFailedV2').messages.en).toEqual([
      'Backup failed with an internal error - Please retry the operation in a few minutes',
      'The backups of VMs have failed after the policy migration from Standard to Enhanced policy.',
    ]);
    // The catalog's quirk (two spaces) is kept, because identification matches Azure's text.
    expect(code('AzureVmOffline').messages.en).toEqual(['Failed to install Microsoft Recovery Services extension as virtual machine  is not running']);
  });

  it('resolves the 2018 misspelling and the old name to the renamed code, case-insensitively', () => {
    const renamed = code('ExtensionOperationFailedForManagedDisks');
    for (const name of ['ExtentionOperationFailed', 'extentionoperationfailed', 'ExtensionOperationFailed', 'EXTENSIONOPERATIONFAILEDFORMANAGEDDISKS', '  BackUpOperationFailed  ']) {
      expect(kb.findCode(name)).toBeDefined();
    }
    expect(kb.findCode('extentionoperationfailed')).toBe(renamed);
    expect(kb.findCode('ExtensionOperationFailed')).toBe(renamed);
    expect(kb.findCode('NoSuchCode')).toBeUndefined();
  });

  it('maps the documented numeric job codes', () => {
    expect(kb.findCodeByNumber(320001)?.id).toBe('ResourceNotFound');
    expect(kb.findCodeByNumber(400094)?.id).toBe('BCMV2VMNotFound');
    expect(kb.findCodeByNumber(380008)?.id).toBe('AzureVmOffline');
  });

  it('holds every code of the current and general guidance', () => {
    const expected = [
      'UserErrorVmProvisioningStateFailed', 'UserErrorRpCollectionLimitReached', 'UserErrorKeyvaultPermissionsNotConfigured', 'UserErrorUnsupportedDiskSize',
      'UserErrorBackupOperationInProgress', 'UserErrorCrpReportedUserError', 'UserErrorBcmDatasourceNotPresent', 'VMRestorePointInternalError',
      'CopyingVHDsFromBackUpVaultTakingLongTime', 'UserErrorVmNotInDesirableState', 'UserErrorFsFreezeFailed', 'ExtensionSnapshotFailedCOM',
      'ExtensionInstallationFailedCOM', 'ExtensionInstallationFailedMDTC', 'ExtensionFailedVssWriterInBadState', 'ExtensionFailedVssServiceInBadState',
      'UserErrorSkuNotAvailable', 'UserErrorMarketPlaceVMNotSupported', 'ExtensionConfigParsingFailure', 'ExtensionStuckInDeletionState',
      'ExtensionFailedSnapshotLimitReachedError', 'ExtensionFailedTimeoutVMNetworkUnresponsive', 'ResourceNotFound', 'BCMV2VMNotFound',
      'UserErrorBCMPremiumStorageQuotaError', 'AzureVmOffline', 'ExtensionSnapshotBitlockerError', 'VmNotInDesirableState',
      'ExtensionSnapshotFailedNoSecureNetwork', 'ExtensionVCRedistInstallationFailure', 'UserErrorRequestDisallowedByPolicy', 'UserErrorUnableToOpenMount',
      'UserErrorInstantRpNotFound',
    ];
    for (const id of expected) expect(kb.findCode(id)?.id).toBe(id);
    for (const id of ['UserErrorSkuNotAvailable', 'UserErrorMarketPlaceVMNotSupported', 'UserErrorInstantRpNotFound']) expect(code(id).area).toBe('restore');
  });

  it('offers the agreed checks and fixes on the seed causes', () => {
    const offers = (id: string): { checks: readonly string[]; fixes: readonly string[] } => {
      const cause = kb.requireCause(id);
      return { checks: cause.checks, fixes: cause.fixes };
    };
    expect(offers('no-internet-access')).toEqual({ checks: ['outbound-storage-access', 'wireserver-access'], fixes: ['retry-backup'] });
    expect(offers('windows-agent-unresponsive')).toEqual({ checks: ['windows-agent-ready'], fixes: ['restart-windows-agent', 'retry-backup'] });
    expect(offers('linux-agent-out-of-date')).toEqual({ checks: ['linux-agent-version', 'linux-agent-ready'], fixes: ['update-linux-agent', 'restart-linux-agent', 'enable-verbose-agent-logging'] });
    expect(offers('snapshot-status-unavailable')).toEqual({ checks: ['vm-power-state', 'guest-dhcp'], fixes: ['retry-backup'] });
    expect(offers('backup-extension-fails-to-load')).toEqual({ checks: ['backup-extension-health'], fixes: ['reinstall-backup-extension'] });
    expect(offers('restore-point-rg-lock')).toEqual({ checks: ['restore-point-rg-lock', 'restore-point-count'], fixes: ['clear-restore-points-behind-lock'] });
    expect(offers('linux-agent-config-not-set')).toEqual({ checks: ['linux-agent-config'], fixes: ['restart-linux-agent'] });
  });

  it('gives the operator the exact commands, paths and settings of the guidance', () => {
    const commandsOf = (id: string): string[] => kb.requireCause(id).steps.flatMap((s) => s.commands ?? []);
    expect(commandsOf('linux-agent-out-of-date')).toEqual(expect.arrayContaining(['ps -e', 'service walinuxagent start', 'service waagent start', 'sudo systemctl restart walinuxagent', 'sudo systemctl restart waagent', '/etc/waagent.conf', 'Logs.Verbose=y']));
    expect(kb.requireCause('linux-agent-out-of-date').logs).toEqual(['/var/lib/waagent/*.xml', '/var/log/waagent.log', '/var/log/azure/*']);
    expect(commandsOf('windows-agent-unresponsive')).toContain('https://go.microsoft.com/fwlink/?LinkID=394789&clcid=0x409');
    expect(commandsOf('linux-agent-config-not-set')).toEqual(expect.arrayContaining(['Extensions.Enable=y', 'Provisioning.Agent=auto']));
    expect(commandsOf('com-plus-msdtc-unhealthy')).toEqual(expect.arrayContaining(['net start COMSysApp', 'msdtc -uninstall', 'msdtc -install']));
    expect(commandsOf('vss-writers-bad-state')).toEqual(expect.arrayContaining(['vssadmin list writers', 'REG ADD "HKLM\\SOFTWARE\\Microsoft\\BcdrAgentPersistentKeys" /v SnapshotWithoutThreads /t REG_SZ /d True /f']));
    expect(commandsOf('restore-point-rg-lock')).toEqual(
      expect.arrayContaining([
        '.\\armclient.exe login',
        '.\\armclient.exe delete https://management.azure.com/subscriptions/<SubscriptionId>/resourceGroups/<ResourceGroupName>/providers/Microsoft.Compute/restorepointcollections/AzureBackup_<VM-Name>?api-version=2017-03-30',
      ]),
    );
  });

  it('links every code and cause to a Microsoft Learn page', () => {
    for (const item of [...kb.codes, ...kb.causes]) expect(item.docUrl).toMatch(/^https:\/\/learn\.microsoft\.com\/azure\/backup\/[a-z-]+#\S+$/);
    expect(kb.escalation.supportUrl).toMatch(/^https:\/\//);
    expect(kb.escalation.logs.linux).toEqual(expect.arrayContaining(['/var/lib/waagent/*.xml', '/var/log/waagent.log', '/var/log/azure/*']));
    expect(kb.escalation.logs.windows.length).toBeGreaterThan(0);
  });

  it('resolves every reference', () => {
    for (const entry of kb.codes) {
      expect(kb.orderedCauses(entry)).toHaveLength(entry.causes.length);
    }
    for (const cause of kb.causes) {
      for (const id of cause.checks) expect(kb.check(id)?.id).toBe(id);
      for (const id of cause.fixes) expect(kb.fix(id)?.id).toBe(id);
      expect(kb.codesForCause(cause.id).length).toBeGreaterThan(0);
    }
  });

  it('says everything in English and in natural Polish, not in copies', () => {
    const texts: { where: string; text: LocalizedText }[] = [];
    const add = (where: string, text: LocalizedText): void => void texts.push({ where, text });
    for (const entry of kb.codes) add(`${entry.id}.summary`, entry.summary);
    const addCause = (cause: Cause): void => {
      add(`${cause.id}.title`, cause.title);
      add(`${cause.id}.why`, cause.why);
      cause.steps.forEach((s, i) => add(`${cause.id}.steps[${i}]`, s.text));
    };
    kb.causes.forEach(addCause);
    kb.escalation.steps.forEach((s, i) => add(`escalation.steps[${i}]`, s.text));

    const copies = texts.filter(({ text }) => text.en.trim() === text.pl.trim()).map((t) => t.where);
    expect(copies).toEqual([]);
    const notPolish = texts.filter(({ text }) => !looksPolish(text.pl)).map((t) => t.where);
    expect(notPolish).toEqual([]);
    // The seed's machine translation ("maszyny Wirtualnej") is never used for our own text.
    const seedWording = texts.filter(({ text }) => /maszyn\w* Wirtualn/.test(text.pl)).map((t) => t.where);
    expect(seedWording).toEqual([]);
  });

  it('has a Polish message for every code whose message Microsoft documents, and none for the others', () => {
    for (const entry of kb.codes) {
      if (entry.messageKind === 'undocumented') expect({ id: entry.id, en: entry.messages.en, pl: entry.messages.pl }).toEqual({ id: entry.id, en: [], pl: [] });
      else expect(entry.messages.pl.length).toBeGreaterThan(0);
      expect(entry.messages.pl.every(looksPolish)).toBe(true);
    }
  });

  it('lists codes sorted by id and groups them by area', () => {
    const ids = kb.codes.map((c) => c.id.toLowerCase());
    expect(ids).toEqual([...ids].sort());
    const grouped = kb.codesByArea();
    expect([...grouped.values()].reduce((n, list) => n + list.length, 0)).toBe(kb.codes.length);
    expect(grouped.get('agent')?.map((c) => c.id)).toEqual(expect.arrayContaining(['UserErrorGuestAgentStatusUnavailable', 'GuestAgentSnapshotTaskStatusError']));
    expect(grouped.get('restore')?.map((c) => c.id)).toEqual(expect.arrayContaining(['UserErrorSkuNotAvailable', 'UserErrorCrossSubscriptionRestoreInvalidTenant', 'UserErrorCannotRestoreExistingDBWithoutForceOverwrite']));
  });

  it('is read-only at run time', () => {
    const entry = code('BackUpOperationFailed');
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.isFrozen(entry.causes)).toBe(true);
    expect(() => kb.requireCode('NoSuchCode')).toThrow(expect.objectContaining({ code: 'knowledge_reference_missing' }));
  });
});
