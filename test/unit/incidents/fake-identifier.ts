import type { CodeIdentifier } from '../../../src/core/incidents/identify-alert-code';

/** A table identifier for unit tests of incidents (the real one is tested in test/unit/identify). */
const table: ReadonlyArray<[RegExp, string]> = [
  [/usererrorguestagentstatusunavailable|VM Agent unable to communicate with Azure Backup/i, 'UserErrorGuestAgentStatusUnavailable'],
  [/usererrorparentfullbackupmissing|First full backup is missing/i, 'UserErrorParentFullBackupMissing'],
  [/extensionsnapshotfailednonetwork|Snapshot operation failed due to no network connectivity/i, 'ExtensionSnapshotFailedNoNetwork'],
  [/usererrorrpcollectionlimitreached|restore point collection max limit/i, 'UserErrorRpCollectionLimitReached'],
];

export const fakeIdentifier: CodeIdentifier = {
  identify(text: string) {
    return { candidates: table.filter(([re]) => re.test(text)).map(([, id]) => ({ code: { id }, confidence: 0.95 })) };
  },
  codeByNumber: () => undefined,
};
