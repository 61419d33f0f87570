import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCodedError, type CodedError } from '../../../src/core/errors';
import { buildKnowledgeBase, type KnowledgeFile, type KnowledgeProblem, type KnowledgeTextFile } from '../../../src/core/knowledge/knowledge-base';
import { defaultKnowledgeDir, loadKnowledgeBase, readKnowledgeFiles } from '../../../src/knowledge/load-knowledge-base';

type Json = Record<string, unknown>;

/** The shipped knowledge folder as parsed, independent copies that a test may break. */
function shippedFiles(): KnowledgeFile[] {
  return readKnowledgeFiles(defaultKnowledgeDir()).map((f) => ({ path: f.path, json: JSON.parse(f.text) as unknown }));
}

function edit(files: KnowledgeFile[], path: string, change: (json: Json) => void): KnowledgeFile[] {
  const file = files.find((f) => f.path === path);
  if (file === undefined) throw new Error(`no file ${path}`);
  change(file.json as Json);
  return files;
}

function failure(files: readonly (KnowledgeFile | KnowledgeTextFile)[]): { error: CodedError; problems: readonly KnowledgeProblem[] } {
  try {
    buildKnowledgeBase(files);
  } catch (error) {
    if (isCodedError(error, 'knowledge_invalid')) return { error, problems: error.details['problems'] as KnowledgeProblem[] };
    throw error;
  }
  throw new Error('the knowledge base was accepted');
}

const CODE = 'knowledge/codes/BackUpOperationFailed.json';
const CAUSE = 'knowledge/causes/no-internet-access.json';

describe('a broken knowledge folder fails naming the file, the path inside it and the reason', () => {
  it('accepts the shipped folder as parsed files', () => {
    expect(buildKnowledgeBase(shippedFiles()).codes.length).toBeGreaterThan(30);
  });

  it('invalid JSON: names the file and the line', () => {
    const files: (KnowledgeFile | KnowledgeTextFile)[] = shippedFiles().filter((f) => f.path !== CODE);
    files.push({ path: CODE, text: '{\n  "id": "BackUpOperationFailed",\n  "area": snapshot\n}\n' });
    const { error, problems } = failure(files);
    expect(problems).toEqual([expect.objectContaining({ file: CODE, path: expect.stringMatching(/^line 3, column \d+$/), reason: expect.stringMatching(/^invalid JSON/) })]);
    expect(error.message).toContain(`${CODE}: line 3`);
  });

  it('a code without messages must say Microsoft documents none, and one that says so may list none', () => {
    const emptied = failure(edit(shippedFiles(), CODE, (j) => (j['messages'] = { en: [], pl: [] })));
    expect(emptied.problems).toEqual([
      { file: CODE, path: 'messages.en', reason: 'needs at least one message; a code whose message Microsoft does not document says so with messageKind "undocumented"' },
      { file: CODE, path: 'messages.pl', reason: 'needs at least one message; a code whose message Microsoft does not document says so with messageKind "undocumented"' },
    ]);
    const undocumentedWithMessages = failure(edit(shippedFiles(), CODE, (j) => (j['messageKind'] = 'undocumented')));
    expect(undocumentedWithMessages.problems.map((p) => `${p.path}: ${p.reason}`)).toEqual([
      'messages.en: a code whose message Microsoft does not document has no messages (messageKind "undocumented")',
      'messages.pl: a code whose message Microsoft does not document has no messages (messageKind "undocumented")',
    ]);
    const unknownKind = failure(edit(shippedFiles(), CODE, (j) => (j['messageKind'] = 'vague')));
    expect(unknownKind.problems).toEqual([expect.objectContaining({ file: CODE, path: 'messageKind' })]);
  });

  it('missing field', () => {
    const { error, problems } = failure(edit(shippedFiles(), CAUSE, (j) => delete j['why']));
    expect(problems).toEqual([{ file: CAUSE, path: 'why', reason: 'missing required field (expected object)' }]);
    expect(error.message).toContain(`${CAUSE}: why: missing required field`);
  });

  it('missing Polish text deep inside a step', () => {
    const { problems } = failure(
      edit(shippedFiles(), CAUSE, (j) => {
        const steps = j['steps'] as { text: Json }[];
        delete steps[1]?.text['pl'];
      }),
    );
    expect(problems).toEqual([{ file: CAUSE, path: 'steps[1].text.pl', reason: 'missing required field (expected string)' }]);
  });

  it('misspelled field name', () => {
    const { problems } = failure(edit(shippedFiles(), CAUSE, (j) => (j['titel'] = j['title'])));
    expect(problems).toEqual([{ file: CAUSE, path: '(root)', reason: expect.stringContaining('titel') }]);
  });

  it('unknown cause id', () => {
    const { error } = failure(edit(shippedFiles(), CODE, (j) => ((j['causes'] as Json[])[2] = { cause: 'no-such-cause', edition: '2018' })));
    expect(error.message).toContain(`${CODE}: causes[2].cause: unknown cause id "no-such-cause"`);
  });

  it('unknown check id and unknown fix id', () => {
    const files = edit(shippedFiles(), CAUSE, (j) => {
      j['checks'] = ['outbound-storage-access', 'no-such-check'];
      j['fixes'] = ['retry-backups'];
    });
    const { problems } = failure(files);
    expect(problems).toEqual([
      { file: CAUSE, path: 'checks[1]', reason: 'unknown check id "no-such-check" (not in knowledge/checks.json)' },
      { file: CAUSE, path: 'fixes[0]', reason: 'unknown fix id "retry-backups" (not in knowledge/fixes.json)' },
    ]);
  });

  it('duplicate alias, case-insensitively, across codes', () => {
    const other = 'knowledge/codes/GuestAgentSnapshotTaskStatusError.json';
    const { problems } = failure(edit(shippedFiles(), other, (j) => (j['aliases'] = ['EXTENTIONoperationFAILED'])));
    expect(problems).toEqual([
      { file: other, path: 'aliases[0]', reason: expect.stringMatching(/^duplicate code name or alias "EXTENTIONoperationFAILED" \(case-insensitive\): already used by knowledge\/codes\/ExtensionOperationFailedForManagedDisks\.json$/) },
    ]);
  });

  it('an alias that is another code\'s id', () => {
    const { problems } = failure(edit(shippedFiles(), CODE, (j) => (j['aliases'] = ['backupoperationfailedv2'])));
    expect(problems).toEqual([expect.objectContaining({ path: 'aliases[0]', reason: expect.stringContaining('duplicate code name or alias') })]);
  });

  it.each([
    ['not a url', 'not a valid URL'],
    ['http://learn.microsoft.com/azure/backup/x', 'must be an https:// link'],
    ['javascript:alert(1)', 'must be an https:// link'],
  ])('bad URL %p', (url, reason) => {
    const { problems } = failure(edit(shippedFiles(), CAUSE, (j) => (j['docUrl'] = url)));
    expect(problems).toEqual([{ file: CAUSE, path: 'docUrl', reason: expect.stringContaining(reason) }]);
  });

  it('a cause file whose id does not match its name', () => {
    const { problems } = failure(edit(shippedFiles(), CAUSE, (j) => (j['id'] = 'no-internet')));
    expect(problems).toEqual(expect.arrayContaining([{ file: CAUSE, path: 'id', reason: 'cause id "no-internet" does not match the file name "no-internet-access.json"' }]));
  });

  it('a newer edition\'s cause placed before the seed\'s causes', () => {
    const { problems } = failure(
      edit(shippedFiles(), CODE, (j) => {
        const causes = j['causes'] as Json[];
        const last = causes.pop() as Json;
        causes.unshift(last);
      }),
    );
    expect(problems).toEqual([expect.objectContaining({ file: CODE, path: 'causes[1].edition', reason: expect.stringContaining('seed') })]);
  });

  it('a cause listed under an edition it does not belong to', () => {
    const { problems } = failure(edit(shippedFiles(), CODE, (j) => ((j['causes'] as Json[])[6] = { cause: 'extension-dll-mismatch', edition: '2018' })));
    expect(problems).toEqual([expect.objectContaining({ file: CODE, path: 'causes[6].edition', reason: expect.stringContaining('does not list edition "2018"') })]);
  });

  it('workload twins: unknown, of the same workload, or listed on one side only', () => {
    const sql = 'knowledge/codes/UserErrorSQLLSNValidationFailure.json';
    const hana = 'knowledge/codes/UserErrorHANALSNValidationFailure.json';
    const files = edit(shippedFiles(), sql, (j) => void (j['workloadTwins'] = ['UserErrorHANALSNValidationFailure', 'UserErrorNoSuchCode', 'UserErrorSQLPODoesNotExist']));
    const { problems } = failure(edit(files, hana, (j) => void (j['workloadTwins'] = [])));
    expect(problems).toEqual([
      { file: sql, path: 'workloadTwins[0]', reason: '"UserErrorHANALSNValidationFailure" does not list "UserErrorSQLLSNValidationFailure" as its twin: list each twin on both codes' },
      { file: sql, path: 'workloadTwins[1]', reason: 'unknown code "UserErrorNoSuchCode" (no knowledge/codes/UserErrorNoSuchCode.json)' },
      { file: sql, path: 'workloadTwins[2]', reason: '"UserErrorSQLPODoesNotExist" is of the same workload (sql-server); twins are codes of different workloads' },
    ]);
  });

  it('a missing escalation file', () => {
    const { problems } = failure(shippedFiles().filter((f) => f.path !== 'knowledge/escalation.json'));
    expect(problems).toEqual([{ file: 'knowledge/escalation.json', path: '(root)', reason: 'file is missing' }]);
  });

  it('collects every problem, not just the first', () => {
    let files = edit(shippedFiles(), CAUSE, (j) => delete j['title']);
    files = edit(files, CODE, (j) => (j['area'] = 'nowhere'));
    files = edit(files, 'knowledge/codes/AzureVmOffline.json', (j) => (j['numericCodes'] = [320001]));
    const { error, problems } = failure(files);
    expect(problems.map((p) => `${p.file}: ${p.path}`)).toEqual(
      expect.arrayContaining([`${CAUSE}: title`, `${CODE}: area`, 'knowledge/codes/ResourceNotFound.json: numericCodes[0]']),
    );
    expect(error.message).toMatch(/^The knowledge base is invalid \(3 problems\):\n/);
  });
});

describe('loadKnowledgeBase from disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kb-'));
    cpSync(defaultKnowledgeDir(), join(dir, 'knowledge'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a copy of the folder', () => {
    expect(loadKnowledgeBase(join(dir, 'knowledge')).findCode('ExtentionOperationFailed')?.id).toBe('ExtensionOperationFailedForManagedDisks');
  });

  it('a JSON syntax error at start-up names the file', () => {
    writeFileSync(join(dir, 'knowledge', 'codes', 'AzureVmOffline.json'), '{ "id": "AzureVmOffline", }');
    expect(() => loadKnowledgeBase(join(dir, 'knowledge'))).toThrow(/knowledge\/codes\/AzureVmOffline\.json: line 1, column \d+: invalid JSON/);
  });

  it('a missing folder is a clear error', () => {
    expect(() => loadKnowledgeBase(join(dir, 'nowhere'))).toThrow(expect.objectContaining({ code: 'knowledge_invalid', message: expect.stringContaining('does not exist') }));
  });
});
