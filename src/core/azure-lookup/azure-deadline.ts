import { CodedError, asCodedError } from '../errors';

/**
 * One time budget for every Azure call a turn makes (a question, "Run checks", a fix plan), so a
 * slow Azure never holds a turn: past the deadline each pending call is aborted and fails as
 * azure_unavailable with `timedOut: true`, which the answer turns into "Azure did not answer in time".
 */
export class AzureDeadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly expired: Promise<never>;
  private readonly endsAt: number;

  constructor(readonly budgetMs: number) {
    this.endsAt = performance.now() + budgetMs;
    let expire: (reason: unknown) => void = () => undefined;
    this.expired = new Promise<never>((_resolve, reject) => {
      expire = reject;
    });
    // Callers always race against `expired`; an unobserved rejection must not crash the process.
    this.expired.catch(() => undefined);
    this.timer = setTimeout(() => {
      const reason = timedOut(budgetMs);
      // The reason travels with the signal, so work cancelled by it (the checks) can say "in time" rather than "cancelled".
      this.controller.abort(reason);
      expire(reason);
    }, budgetMs);
    // A pending deadline must not keep the process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Aborted (with the timed-out error as its reason) when the budget is spent. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expiredAlready(): boolean {
    return this.controller.signal.aborted;
  }

  /** What is left of the budget, never negative. */
  remainingMs(): number {
    return this.controller.signal.aborted ? 0 : Math.max(0, this.endsAt - performance.now());
  }

  /** Runs one call within the budget; a call that outlives it is aborted and reported as timed out. */
  async run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.controller.signal.aborted) throw timedOut(this.budgetMs);
    try {
      return await Promise.race([call(this.controller.signal), this.expired]);
    } catch (error) {
      // The SDK reports its own abort as AbortError (mapped to azure_unavailable); say why it happened.
      if (this.controller.signal.aborted) throw timedOut(this.budgetMs);
      throw asCodedError(error);
    }
  }

  /** Stops the timer once the turn is answered. */
  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** Runs `work` under a fresh deadline and always stops its timer. */
export async function withDeadline<T>(budgetMs: number, work: (deadline: AzureDeadline) => Promise<T>): Promise<T> {
  const deadline = new AzureDeadline(budgetMs);
  try {
    return await work(deadline);
  } finally {
    deadline.dispose();
  }
}

export function timedOut(budgetMs: number): CodedError {
  return new CodedError('azure_unavailable', `Azure did not answer within ${Math.round(budgetMs / 100) / 10} s.`, { timedOut: true, budgetMs });
}

export function isTimeout(error: unknown): boolean {
  return error instanceof CodedError && error.details['timedOut'] === true;
}
