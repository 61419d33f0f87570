import { kqlSources } from '../../../src/core/incidents/kql-sources';
import { kqlCode } from '../../../src/core/incidents/kql-text';

const sourcesOf = (query: string) => {
  const found = kqlSources(kqlCode(query));
  return { tables: [...new Set(found.tables)].sort(), unbounded: found.unbounded };
};

describe('which tables a KQL query reads', () => {
  it.each([
    ['a pipeline', 'AddonAzureBackupJobs | where JobStatus == "Failed"', ['AddonAzureBackupJobs']],
    ['every union operand, in parentheses or not', 'AddonAzureBackupJobs | union (CoreAzureBackup | take 1), SigninLogs, (SecurityEvent)', ['AddonAzureBackupJobs', 'CoreAzureBackup', 'SecurityEvent', 'SigninLogs']],
    ['a union with options', 'union kind=outer withsource=T AddonAzureBackupJobs, AuditLogs', ['AddonAzureBackupJobs', 'AuditLogs']],
    ['join and lookup operands', 'AddonAzureBackupJobs | join kind=inner (SecurityEvent | project a) on a | lookup kind=leftouter Heartbeat on b', ['AddonAzureBackupJobs', 'Heartbeat', 'SecurityEvent']],
    ['a scalar sub-query', 'AddonAzureBackupJobs | where toscalar(SigninLogs | count) > 0', ['AddonAzureBackupJobs', 'SigninLogs']],
    ['a tabular in()', 'AddonAzureBackupJobs | where JobUniqueId in (Suspects)', ['AddonAzureBackupJobs', 'Suspects']],
    ['let bindings and the statements after them', 'let Failed = AddonAzureBackupJobs | where JobStatus == "Failed";\nlet n = 5;\nlet since = ago(1d);\nFailed | take n', ['AddonAzureBackupJobs', 'Failed']],
    ['an invoked function', 'AddonAzureBackupJobs | invoke MyStoredFunction()', ['AddonAzureBackupJobs', 'MyStoredFunction']],
    ['print, range and datatable, which are not tables', 'print x = 1; range i from 1 to 3 step 1; datatable(a: int)[1]', []],
  ])('%s', (_name, query, tables) => {
    expect(sourcesOf(query)).toEqual({ tables, unbounded: undefined });
  });

  it.each([
    ['union *', 'union * | where JobStatus == "Failed"', 'union *'],
    ['a workspace-wide search', 'search in (AddonAzureBackupJobs, SigninLogs) "secret"', 'search'],
    ['find', 'find where JobStatus == "Failed"', 'find'],
    ['a nested search', 'AddonAzureBackupJobs | union (search "x")', 'search'],
    ['a table named by a variable', 'let t = "SigninLogs"; table(t)', 'table(name)'],
    ['a union whose operands never end', `AddonAzureBackupJobs | union (${'x,'.repeat(3_000)} SigninLogs)`, 'union with operands too long to read'],
  ])('reports what it cannot bound: %s', (_name, query, unbounded) => {
    expect(sourcesOf(query).unbounded).toBe(unbounded);
  });
});
