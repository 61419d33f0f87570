import type { ErrorCodeEntry, Workload } from '../knowledge/schema';

/** What the twin rule needs of a scored code. */
export interface TwinCandidate {
  readonly codeIndex: number;
  confidence: number;
  readonly kinds: ReadonlySet<'code' | 'message'>;
}

/**
 * Settles codes whose messages differ only in the workload (the knowledge base's
 * `workloadTwins`): a message match is the code of the workload the paste names; when it
 * names none of them (or all), every twin is as confident as the best, so the bot asks which
 * one rather than answer a confident wrong code. A code written out in the paste is never
 * second-guessed, and its twins found only by their message step back. `addTwin` scores a twin the matchers did not find, from the match it
 * mirrors; the map is updated in place.
 */
export function settleWorkloadTwins<T extends TwinCandidate>(
  scored: Map<number, T>,
  codes: readonly ErrorCodeEntry[],
  named: () => ReadonlySet<Workload>,
  options: { readonly confident: number; readonly lookAlikeCap: number; readonly addTwin: (from: T, codeIndex: number) => T },
): void {
  const indexById = idIndex(codes);
  const settled = new Set<number>();
  const ranked = [...scored.values()].sort((a, b) => b.confidence - a.confidence || a.codeIndex - b.codeIndex);
  for (const lead of ranked) {
    if (settled.has(lead.codeIndex) || lead.confidence < options.confident) continue;
    const twins = (codes[lead.codeIndex] as ErrorCodeEntry).workloadTwins.map((id) => indexById.get(id)).filter((i): i is number => i !== undefined);
    if (twins.length === 0) continue;
    const group = [lead.codeIndex, ...twins];
    for (const index of group) settled.add(index);
    const best = Math.max(...group.map((index) => scored.get(index)?.confidence ?? 0));
    // A code written out names its workload better than any word: it wins, and a twin found only by its message steps back.
    const written = group.filter((index) => scored.get(index)?.kinds.has('code') === true);
    const namedMembers = group.filter((index) => named().has((codes[index] as ErrorCodeEntry).workload));
    const winners = new Set(written.length > 0 ? written : namedMembers.length > 0 ? namedMembers : group);
    for (const index of group) {
      const current = scored.get(index);
      if (winners.has(index)) {
        if (current === undefined) scored.set(index, Object.assign(options.addTwin(lead, index), { confidence: best }));
        else current.confidence = Math.max(current.confidence, best);
      } else if (current !== undefined) {
        current.confidence = Math.min(current.confidence, options.lookAlikeCap);
      }
    }
  }
}

/** Code id -> index, built once per catalogue rather than on every identification. */
const indexes = new WeakMap<readonly ErrorCodeEntry[], ReadonlyMap<string, number>>();
function idIndex(codes: readonly ErrorCodeEntry[]): ReadonlyMap<string, number> {
  let index = indexes.get(codes);
  if (index === undefined) {
    index = new Map(codes.map((code, i) => [code.id, i] as const));
    indexes.set(codes, index);
  }
  return index;
}
