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

/** One measured run of a load: requests per second and the requests that failed. */
export interface Throughput {
  readonly rps: number;
  readonly errors: number;
}

export interface PairedThroughput {
  /** Median requests per second of the subject and of the baseline over the rounds. */
  readonly subject: number;
  readonly baseline: number;
  /** Median of the rounds' subject / baseline ratios. */
  readonly ratio: number;
  readonly errors: number;
}

/**
 * Runs the baseline and then the subject, round after round, and compares each pair. A pair runs
 * within two seconds, so both meet the machine in the same state; on a shared 2-CPU machine, whose
 * speed swings by half from one second to the next, the median of the pairs' ratios holds steady
 * where a comparison of each side's best round does not.
 */
export async function pairedThroughput(rounds: number, baseline: () => Promise<Throughput>, subject: () => Promise<Throughput>): Promise<PairedThroughput> {
  const ratios: number[] = [];
  const subjects: number[] = [];
  const baselines: number[] = [];
  let errors = 0;
  // One pair first, not counted: the compilers warm up on the first requests.
  await baseline();
  await subject();
  for (let round = 0; round < rounds; round += 1) {
    const b = await baseline();
    const s = await subject();
    errors += b.errors + s.errors;
    baselines.push(b.rps);
    subjects.push(s.rps);
    ratios.push(b.rps > 0 ? s.rps / b.rps : 0);
  }
  return { subject: median(subjects), baseline: median(baselines), ratio: median(ratios), errors };
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
