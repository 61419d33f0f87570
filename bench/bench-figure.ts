/** One figure of `npm run bench`, as written to bench/results.json. Goals are ratios or limits, never timed tests. */
export interface BenchFigure {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  /** The same measurement of the baseline in the same run (null where the figure is an absolute goal). */
  readonly baseline: number | null;
  /** value / baseline, or null without a baseline. */
  readonly ratio: number | null;
  /** Human-readable goal, e.g. "ratio >= 0.7" or "p99 < 1 ms". */
  readonly goal: string;
  readonly met: boolean;
}

export type BenchSuite = () => Promise<BenchFigure[]>;

export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const index = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAscending.length) - 1));
  return sortedAscending[index] as number;
}
