import { createIdentifier } from '../../../src/core/identify';
import { ask } from '../../../src/core/troubleshoot/ask';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { failedJobJson } from './cases';

const kb = loadKnowledgeBase();
const identifier = createIdentifier(kb);

/**
 * Codes whose messages differ only in the workload: a paste that names the workload gets that
 * workload's code, one that names neither gets "which one?" with both, never a confident wrong code.
 */
interface TwinCase {
  readonly name: string;
  readonly input: string;
  /** One code: the answer. Several: the choose-code answer offers exactly these. */
  readonly expect: readonly string[];
}

const SQL_CHAIN = 'UserErrorSQLLSNValidationFailure';
const HANA_CHAIN = 'UserErrorHANALSNValidationFailure';
const SQL_DB = 'UserErrorSQLPODoesNotExist';
const HANA_DB = 'UserErrorHANAPODoesNotExist';
const BLOB_LOCK = 'UserErrorStorageAccountInLockedState';
const FILES_LOCK = 'UserErrorStorageAccountIsLocked';
const VM_GONE = 'ResourceNotFound';
const DISK_GONE = 'UserErrorManagedDiskNotFound';

const cases: readonly TwinCase[] = [
  // SQL Server and SAP HANA: "Log chain is broken." / "Backup log chain is broken"
  { name: 'SQL message naming SQL Server', input: 'Backup of SQL Server database db01 failed: Log chain is broken.', expect: [SQL_CHAIN] },
  { name: "HANA's wording naming SQL", input: 'MSSQL: Backup log chain is broken', expect: [SQL_CHAIN] },
  { name: "SQL's wording naming SAP HANA", input: 'SAP HANA system H01: Log chain is broken.', expect: [HANA_CHAIN] },
  { name: 'HANA message naming HANA', input: 'HANA: Backup log chain is broken', expect: [HANA_CHAIN] },
  { name: 'SQL message naming no workload', input: 'Log chain is broken.', expect: [SQL_CHAIN, HANA_CHAIN] },
  { name: 'HANA message naming no workload', input: 'Backup log chain is broken', expect: [SQL_CHAIN, HANA_CHAIN] },
  { name: 'naming both workloads', input: 'Both SQL and HANA nightly jobs say: Log chain is broken.', expect: [SQL_CHAIN, HANA_CHAIN] },
  { name: 'Polish, naming SQL, other case', input: 'W bazie SQL łańcuch dzienników został przerwany', expect: [SQL_CHAIN] },
  { name: 'Polish, naming HANA', input: 'System HANA: łańcuch dzienników kopii zapasowej został przerwany', expect: [HANA_CHAIN] },
  { name: 'Polish, naming no workload', input: 'Łańcuch dzienników został przerwany.', expect: [SQL_CHAIN, HANA_CHAIN] },
  // SQL Server and SAP HANA: the database is gone
  { name: 'SQL database gone, naming SAP HANA', input: 'SAP HANA: Database configured for backup does not exist.', expect: [HANA_DB] },
  { name: 'HANA database gone, naming SQL', input: 'Database configured for backup does not exist. (SQL Server in Azure VM)', expect: [SQL_DB] },
  { name: 'database gone, naming no workload', input: 'Database configured for backup does not exist.', expect: [SQL_DB, HANA_DB] },
  { name: 'Polish database gone, naming no workload', input: 'Baza danych skonfigurowana do tworzenia kopii zapasowej nie istnieje.', expect: [SQL_DB, HANA_DB] },
  // Azure Blob and Azure Files: the storage account is locked
  { name: 'locked account naming blobs', input: 'Vaulted backup of the blobs failed. Operation failed because storage account is in locked state.', expect: [BLOB_LOCK] },
  { name: 'locked account naming a file share', input: 'Backup of file share share01: Operation failed because storage account is in locked state.', expect: [FILES_LOCK] },
  { name: "Files' wording naming Azure Blob", input: 'Azure Blob backup: Backup or restore jobs failed due to storage account being in locked state.', expect: [BLOB_LOCK] },
  { name: 'locked account in an Azure Files job', input: failedJobJson('Operation failed because storage account is in locked state.', { workload: 'azure-files' }), expect: [FILES_LOCK] },
  { name: 'locked account naming no workload', input: 'Operation failed because storage account is in locked state.', expect: [BLOB_LOCK, FILES_LOCK] },
  { name: 'Polish locked account naming blobs', input: 'Kopia obiektów blob: operacja nie powiodła się, ponieważ konto magazynu jest zablokowane.', expect: [BLOB_LOCK] },
  { name: 'Polish locked account naming the file share', input: 'Udział plików: zadania tworzenia kopii zapasowej nie powiodły się, ponieważ konto magazynu jest w stanie zablokowanym.', expect: [FILES_LOCK] },
  { name: 'Polish locked account naming no workload', input: 'Operacja nie powiodła się, ponieważ konto magazynu jest zablokowane.', expect: [BLOB_LOCK, FILES_LOCK] },
  // Azure VM and Azure Disk: the protected resource is gone
  { name: 'VM gone', input: 'Could not perform the operation as VM no longer exists.', expect: [VM_GONE] },
  { name: 'disk gone', input: 'Could not perform the operation as Managed Disk no longer exists.', expect: [DISK_GONE] },
  { name: 'resource gone, naming neither', input: 'Could not perform the operation as it no longer exists.', expect: [VM_GONE, DISK_GONE] },
  { name: 'Polish disk gone', input: 'Nie można wykonać operacji, ponieważ dysk zarządzany już nie istnieje.', expect: [DISK_GONE] },
];

describe('codes whose messages differ only in the workload (real knowledge base)', () => {
  it('are listed on both codes, each of another workload', () => {
    for (const code of kb.codes) {
      for (const twin of code.workloadTwins) {
        expect(kb.requireCode(twin).workloadTwins).toContain(code.id);
        expect(kb.requireCode(twin).workload).not.toBe(code.workload);
      }
    }
    expect(kb.requireCode(SQL_CHAIN).workloadTwins).toEqual([HANA_CHAIN]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const outcome = ask(c.input, undefined, identifier);
    const summary = identifier.identify(c.input).candidates.map((candidate) => `${candidate.code.id} ${candidate.confidence}`);
    if (c.expect.length === 1) expect({ outcome, summary }).toEqual({ outcome: expect.objectContaining({ kind: 'troubleshoot', codeId: c.expect[0] }), summary });
    else expect({ kind: outcome.kind, codes: outcome.kind === 'choose' ? [...outcome.codeIds].sort() : [], summary }).toEqual({ kind: 'choose', codes: [...c.expect].sort(), summary });
  });

  it('never second-guesses a code written out in the paste', () => {
    expect(ask('UserErrorSQLLSNValidationFailure: Log chain is broken.', undefined, identifier)).toEqual(expect.objectContaining({ kind: 'troubleshoot', codeId: SQL_CHAIN }));
    expect(ask('UserErrorHANALSNValidationFailure Log chain is broken.', undefined, identifier)).toEqual(expect.objectContaining({ kind: 'troubleshoot', codeId: HANA_CHAIN }));
  });
});
