import type { Workload } from '../knowledge/schema';
import { sameWord } from './message-matcher';
import type { Token } from './text-fold';

/**
 * The words a person or a job uses to name a workload, as folded token sequences
 * (lower-case ASCII). Words of four letters or more also meet their other forms
 * (`blobs`, `dysku`, `maszyny wirtualnej`); shorter ones match only exactly.
 */
const WORKLOAD_WORDS: Readonly<Record<Workload, readonly (readonly string[])[]>> = {
  'azure-vm': [['vm'], ['vms'], ['iaasvm'], ['virtual', 'machine'], ['maszyna', 'wirtualna']],
  // Job fields name the workload too: workloadType SQLDataBase or SAPHanaDatabase, jobType AzureStorageJob (Azure Files).
  'sql-server': [['sql'], ['mssql'], ['sqlserver'], ['sqldatabase']],
  'sap-hana': [['hana'], ['sap'], ['saphana'], ['saphanadatabase']],
  'azure-files': [['azure', 'files'], ['file', 'share'], ['fileshare'], ['afs'], ['azurestorage'], ['azurestoragejob'], ['udzial', 'plikow']],
  'mars-agent': [['mars'], ['recovery', 'services', 'agent']],
  'mabs-dpm': [['dpm'], ['mabs']],
  'azure-disk': [['disk'], ['dysk']],
  'azure-blob': [['blob'], ['blobservices']],
};

const words = (a: string, b: string): boolean => (b.length < 4 ? a === b : sameWord(a, b));

const WORKLOAD_PHRASES = Object.entries(WORKLOAD_WORDS) as ReadonlyArray<[Workload, readonly (readonly string[])[]]>;

/** The workloads a text names, from its tokens. Plain loops: it runs on every long paste that could be two codes. */
export function workloadsNamed(tokens: readonly Token[]): ReadonlySet<Workload> {
  const named = new Set<Workload>();
  for (const [workload, phrases] of WORKLOAD_PHRASES) {
    for (const phrase of phrases) {
      if (containsPhrase(tokens, phrase)) {
        named.add(workload);
        break;
      }
    }
  }
  return named;
}

/**
 * How many times a text names one workload: every place a phrase of it starts. A generic message that
 * names its workload itself ("SAP HANA error") counts only when the text names the workload once more.
 */
export function workloadMentions(tokens: readonly Token[], workload: Workload): number {
  const phrases = WORKLOAD_WORDS[workload];
  const firsts = FIRST_LETTERS.get(workload) ?? new Set<number>();
  let mentions = 0;
  for (let i = 0; i < tokens.length; i++) {
    // Every form of a word starts with its first letter: most tokens are ruled out without comparing.
    if (!firsts.has((tokens[i] as Token).text.charCodeAt(0))) continue;
    if (phrases.some((phrase) => phraseAt(tokens, i, phrase))) mentions++;
  }
  return mentions;
}

const FIRST_LETTERS = new Map<Workload, ReadonlySet<number>>(
  (Object.entries(WORKLOAD_WORDS) as Array<[Workload, readonly (readonly string[])[]]>).map(([workload, phrases]) => [workload, new Set(phrases.map((phrase) => (phrase[0] as string).charCodeAt(0)))]),
);

function phraseAt(tokens: readonly Token[], at: number, phrase: readonly string[]): boolean {
  if (at + phrase.length > tokens.length) return false;
  for (let k = 0; k < phrase.length; k++) if (!words((tokens[at + k] as Token).text, phrase[k] as string)) return false;
  return true;
}

function containsPhrase(tokens: readonly Token[], phrase: readonly string[]): boolean {
  const first = (phrase[0] as string).charCodeAt(0);
  for (let i = 0; i + phrase.length <= tokens.length; i++) {
    // Most tokens differ from the phrase in their first letter: no comparison to make.
    if ((tokens[i] as Token).text.charCodeAt(0) === first && phraseAt(tokens, i, phrase)) return true;
  }
  return false;
}
