import { allowedTypos } from '../../../src/core/identify/code-matcher';
import { boundedDamerauLevenshtein } from '../../../src/core/identify/edit-distance';
import { CANDIDATE_FLOOR, CONFIDENT, createIdentifier, detectLanguage, MAX_INPUT_CHARS, type Identification } from '../../../src/core/identify';
import { sameWord } from '../../../src/core/identify/message-matcher';
import { fold, jsonUnescape } from '../../../src/core/identify/text-fold';
import { fixtureCodes, fixtureEntry } from './fixture-codes';

const identifier = createIdentifier({ codes: fixtureCodes });
const top = (result: Identification): string | undefined => result.candidates[0]?.code.id;
const confident = (result: Identification): string[] => result.candidates.filter((c) => c.confidence >= CONFIDENT).map((c) => c.code.id);

describe('near-miss limits', () => {
  it('allows no typo in short names, one up to 15 letters and two from 16', () => {
    expect(allowedTypos(9)).toBe(0);
    expect(allowedTypos(10)).toBe(1);
    expect(allowedTypos(15)).toBe(1);
    expect(allowedTypos(16)).toBe(2);
  });

  it('accepts one and two typos in a long code, with less confidence than the exact code', () => {
    const exact = identifier.identify('GuestAgentSnapshotTaskStatusError').candidates[0];
    const one = identifier.identify('GuestAgentSnapshotTaskStatusEror').candidates[0];
    const two = identifier.identify('GuestAgnetSnapshotTaskStatusEror').candidates[0];
    expect([exact?.code.id, one?.code.id, two?.code.id]).toEqual(['GuestAgentSnapshotTaskStatusError', 'GuestAgentSnapshotTaskStatusError', 'GuestAgentSnapshotTaskStatusError']);
    expect(one?.matchedBy).toBe('near-miss');
    expect(exact?.confidence).toBe(1);
    expect(one?.confidence).toBeLessThan(1);
    expect(two?.confidence).toBeLessThan(one?.confidence ?? 0);
    expect(two?.confidence).toBeGreaterThanOrEqual(CONFIDENT);
  });

  it('rejects three typos', () => {
    expect(confident(identifier.identify('GuestAgnetSnapshtoTaskStatusEror'))).toEqual([]);
  });

  it('allows only one typo in a 14-letter code and none in short tokens', () => {
    expect(top(identifier.identify('AzureVmOfline'))).toBe('AzureVmOffline');
    expect(identifier.identify('AzureVnOfline').candidates).toEqual([]);
    expect(identifier.identify('Backup').candidates).toEqual([]);
    expect(identifier.identify('VmOffline').candidates).toEqual([]);
  });

  it('prefers the code one edit away over the one two edits away', () => {
    expect(top(identifier.identify('BackUpOperationFailedV3'))).toBe('BackUpOperationFailedV2');
    expect(top(identifier.identify('BackUpOperationFaild'))).toBe('BackUpOperationFailed');
  });

  it('counts a swap of two neighbouring letters as one edit', () => {
    expect(boundedDamerauLevenshtein('agnet', 'agent', 2)).toBe(1);
    expect(boundedDamerauLevenshtein('kitten', 'sitting', 3)).toBe(3);
    expect(boundedDamerauLevenshtein('kitten', 'sitting', 2)).toBe(3);
    expect(boundedDamerauLevenshtein('abc', 'abc', 0)).toBe(0);
    expect(boundedDamerauLevenshtein('', 'ab', 2)).toBe(2);
  });
});

describe('language detection', () => {
  it.each([
    ['Nie można nawiązać komunikacji z usługą Azure Backup', 'pl'],
    ['Nie mozna nawiazac komunikacji z usluga Azure Backup agent maszyny wirtualnej', 'pl'],
    ['Dzień dobry, mam problem z kopią zapasową', 'pl'],
    ['czesc, co zrobic z tym bledem? UserErrorGuestAgentStatusUnavailable', 'pl'],
    ['Backup of my VM failed with UserErrorGuestAgentStatusUnavailable, what should I do?', 'en'],
    ['VM Agent unable to communicate with Azure Backup', 'en'],
    ['UserErrorGuestAgentStatusUnavailable', 'en'],
    ['', 'en'],
    ['Hi Łukasz, the backup failed again last night', 'en'],
  ] as const)('%s -> %s', (text, language) => {
    expect(detectLanguage(text)).toBe(language);
    expect(identifier.identify(text).language).toBe(language);
  });
});

describe('input handling', () => {
  it('never throws and caps huge input', () => {
    const huge = 'x'.repeat(MAX_INPUT_CHARS) + ' UserErrorGuestAgentStatusUnavailable';
    expect(identifier.identify(huge).candidates).toEqual([]);
    const early = 'UserErrorGuestAgentStatusUnavailable ' + 'lorem ipsum '.repeat(50_000);
    expect(top(identifier.identify(early))).toBe('UserErrorGuestAgentStatusUnavailable');
    expect(identifier.identify('').candidates).toEqual([]);
    expect(identifier.identify('\\u12').candidates).toEqual([]);
    expect(identifier.identify(undefined as unknown as string).candidates).toEqual([]); // a channel passing no text must not crash the turn
  });

  it('never throws on arbitrary text', () => {
    // A fixed-seed generator, so a failure reproduces.
    let seed = 42;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const alphabet = ['a', 'Z', '0', '9', ' ', '\\', '\\u', '"', ':', '{', '}', 'ą', 'Ł', 'İ', '😀', '\u0000', 'UserError', 'Guest', 'Agent', '320001', 'nie ', 'backup '];
    for (let i = 0; i < 300; i++) {
      let text = '';
      const length = Math.floor(next() * 200);
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(next() * alphabet.length)];
      const result = identifier.identify(text);
      for (const candidate of result.candidates) expect(candidate.confidence).toBeGreaterThanOrEqual(CANDIDATE_FLOOR);
      expect(identifier.closest(text, 2)).toHaveLength(2);
    }
  });

  it('folds Polish letters keeping the length', () => {
    const text = 'Nie można nawiązać łączności ŁÓDŹ';
    expect(fold(text)).toBe('nie mozna nawiazac lacznosci lodz');
    expect(fold(text).length).toBe(text.length);
  });

  it('reads JSON-escaped messages', () => {
    expect(jsonUnescape('"Nie mo\\u017cna \\"x\\"\\nend"')).toBe('"Nie można "x" end"');
    const escaped = '{"errorString":"Nie mo\\u017cna nawi\\u0105za\\u0107 komunikacji z us\\u0142ug\\u0105 Azure Backup agent maszyny Wirtualnej"}';
    const result = identifier.identify(escaped);
    expect(top(result)).toBe('UserErrorGuestAgentStatusUnavailable');
    expect(result.candidates[0]?.evidence).toContain('można');
  });

  it('reports the matched text as evidence', () => {
    const result = identifier.identify('job failed: https://aka.ms/AB-usererrorguestagentstatusunavailable today');
    expect(result.candidates[0]).toMatchObject({ matchedBy: 'code', evidence: 'usererrorguestagentstatusunavailable', confidence: 1 });
    const message = identifier.identify('error: Could not communicate with the VM agent for snapshot status. Thanks');
    expect(message.candidates[0]).toMatchObject({ matchedBy: 'message', language: 'en', evidence: 'Could not communicate with the VM agent for snapshot status' });
  });

  it('ranks one candidate per code, best first, all above the floor', () => {
    const result = identifier.identify('UserErrorGuestAgentStatusUnavailable: VM Agent unable to communicate with Azure Backup, also usererrorguestagentstatusunavailable');
    expect(result.candidates.map((c) => c.code.id)).toEqual(['UserErrorGuestAgentStatusUnavailable']);
    for (const c of identifier.identify('Snapshot operation failed, the VM agent could not communicate').candidates) expect(c.confidence).toBeGreaterThanOrEqual(CANDIDATE_FLOOR);
  });

  it('keeps both codes documented with the same message', () => {
    const result = identifier.identify('Backup failed with an internal error - Please retry the operation in a few minutes');
    expect(confident(result)).toEqual(['BackUpOperationFailed', 'BackUpOperationFailedV2']);
  });
});

describe('message words', () => {
  it.each([
    ['maszyny', 'maszynie', true],
    ['wirtualnej', 'wirtualna', true],
    ['agent', 'agentem', true],
    ['migawki', 'migawka', true],
    ['snapshot', 'snapshots', true],
    ['communicate', 'communication', true],
    ['extension', 'extendedinfo', false],
    ['stanu', 'standard', false],
    ['vm', 'vms', false],
  ] as const)('%s ~ %s: %s', (a, b, same) => {
    expect(sameWord(a, b)).toBe(same);
  });

  it('matches Polish inflected forms of a message', () => {
    expect(top(identifier.identify('agentem maszynie wirtualna nie może komunikować się z usługą Azure Backup'))).toBe('UserErrorGuestAgentStatusUnavailable');
  });

  it('does not read JSON keys as message words', () => {
    const keysOnly = '{"operation": 1, "extension": 2, "failed": 3, "vmsnapshot": 4}';
    expect(identifier.identify(keysOnly).candidates).toEqual([]);
    expect(top(identifier.identify('{"x": "VMSnapshot extension operation failed"}'))).toBe('ExtensionOperationFailedForManagedDisks');
  });

  it('does not collect one message from words spread over a long text', () => {
    const spread = ['VM', 'agent', 'unable', 'communicate', 'Azure', 'Backup'].map((w) => `${w} ${'lorem ipsum dolor sit amet '.repeat(6)}`).join('');
    expect(confident(identifier.identify(spread))).toEqual([]);
  });

  it('gives the same answer on repeated calls', () => {
    const text = 'Could not communicate with the VM agent for snapshot status';
    const first = identifier.identify(text);
    for (let i = 0; i < 5; i++) identifier.identify(`noise ${i} VMSnapshot extension operation failed`);
    expect(identifier.identify(text)).toEqual(first);
  });
});

describe('numeric codes', () => {
  it.each([
    ['errorCode: 320001', 'ResourceNotFound'],
    ['"errorCode": 380008,', 'AzureVmOffline'],
    ['Kod błędu 320001', 'ResourceNotFound'],
    ['320001 error on my VM', 'ResourceNotFound'],
  ])('%s -> %s', (text, code) => {
    expect(identifier.identify(text).candidates[0]).toMatchObject({ code: { id: code }, matchedBy: 'numeric-code' });
  });

  it.each(['port 320001 is open', 'disk of 320001 MB', 'ticket 1320001 code', 'size 380008'])('ignores %s', (text) => {
    expect(identifier.identify(text).candidates).toEqual([]);
  });
});

describe('closest', () => {
  it('returns n codes, nearest first', () => {
    expect(identifier.closest('guest agent snapshot broken', 2).map((c) => c.id)).toEqual(['GuestAgentSnapshotTaskStatusError', 'UserErrorGuestAgentStatusUnavailable']);
    expect(identifier.closest('VSS writer problem', 1).map((c) => c.id)).toEqual(['ExtensionFailedVssWriterInBadState']);
    expect(identifier.closest('UserErrorGuestAgentStatsUnavailble', 1).map((c) => c.id)).toEqual(['UserErrorGuestAgentStatusUnavailable']);
  });

  it('falls back to catalogue order for nothing and never returns more than asked', () => {
    expect(identifier.closest('hello', 3).map((c) => c.id)).toEqual(fixtureCodes.slice(0, 3).map((c) => c.id));
    expect(identifier.closest('hello', 0)).toEqual([]);
    expect(identifier.closest('hello', 100)).toHaveLength(fixtureCodes.length);
  });
});

describe('generic and undocumented messages (messageKind)', () => {
  const transfer = fixtureEntry('DatamoverGenericError', ['Failed to transfer data to vault.'], ['Nie udało się przesłać danych do magazynu.'], { messageKind: 'generic', workload: 'azure-files' });
  const hana = fixtureEntry('UserErrorInconsistentSSFS', ['SAP HANA error'], ['Błąd SAP HANA'], { messageKind: 'generic', workload: 'sap-hana' });
  const reRegister = fixtureEntry('WorkloadExtensionNotReachable', [], [], { messageKind: 'undocumented', workload: 'sql-server' });
  const withKinds = createIdentifier({ codes: [...fixtureCodes, transfer, hana, reRegister] });

  it('answers a generic message alone with "I don\'t know", keeping its code as the closest', () => {
    for (const text of ['Failed to transfer data to vault.', 'Nie udało się przesłać danych do magazynu', 'SAP HANA error', 'Błąd SAP HANA']) {
      const result = withKinds.identify(text);
      expect({ text, confident: confident(result) }).toEqual({ text, confident: [] });
      expect(result.candidates[0]?.confidence).toBeGreaterThanOrEqual(CANDIDATE_FLOOR);
      expect(withKinds.closest(text, 1).map((c) => c.id)).toEqual([result.candidates[0]?.code.id]);
    }
  });

  it('answers a generic message beside its code or its workload words', () => {
    expect(confident(withKinds.identify('Azure Files backup of share01 failed: Failed to transfer data to vault.'))).toEqual(['DatamoverGenericError']);
    expect(confident(withKinds.identify('Kopia udziału plików share01: nie udało się przesłać danych do magazynu'))).toEqual(['DatamoverGenericError']);
    const withCode = withKinds.identify('DatamoverGenericError: Failed to transfer data to vault.');
    expect(withCode.candidates[0]).toMatchObject({ confidence: 1, matchedBy: 'code' });
  });

  it('counts a workload the message names itself only when the text names it once more', () => {
    expect(confident(withKinds.identify('SAP HANA error'))).toEqual([]);
    expect(confident(withKinds.identify('The backup of my HANA database hdb01 failed: SAP HANA error'))).toEqual(['UserErrorInconsistentSSFS']);
    // Another workload's words do not help.
    expect(confident(withKinds.identify('The SQL backup failed: SAP HANA error'))).toEqual([]);
  });

  it('finds a code without a documented message by its id and its typos only', () => {
    expect(withKinds.identify('WorkloadExtensionNotReachable').candidates[0]).toMatchObject({ code: { id: 'WorkloadExtensionNotReachable' }, matchedBy: 'code' });
    expect(withKinds.identify('WorkloadExtensonNotReachble').candidates[0]).toMatchObject({ code: { id: 'WorkloadExtensionNotReachable' }, matchedBy: 'near-miss' });
    expect(confident(withKinds.identify('the workload extension is not reachable'))).toEqual([]);
  });

  it('leaves the specific messages as they were: a generic message changes no word weight', () => {
    const inputs = ['VM Agent unable to communicate with Azure Backup', 'Backup failed with an internal error', 'snapshot failed, no network connectivity on the VM', 'Failed to install the extension as the virtual machine is not running'];
    for (const text of inputs) expect(withKinds.identify(text).candidates.filter((c) => c.code.messageKind === 'specific')).toEqual(identifier.identify(text).candidates);
  });
});
