import type { FixActions } from '../features/fixes/fix-flow';
import type { RemediationService } from '../core/remediation/remediation-service';
import type { Logger } from '../logger';
import type { Leadership } from '../storage/blob-lease';

/** setInterval / clearInterval, injectable so tests drive the sweep by hand. */
export interface SweepTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const realTimers: SweepTimers = {
  setInterval: (fn, ms) => {
    const handle = setInterval(fn, ms);
    // Never the reason the process stays up.
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface FixSweeperDeps {
  readonly service: RemediationService;
  readonly actions: FixActions;
  readonly intervalMs: number;
  readonly timers: SweepTimers;
  readonly logger: Logger;
  /** Scale-out: only the lease holder sweeps (the compare-and-swaps keep it correct anyway; this keeps it quiet). */
  readonly leadership?: Leadership;
}

/**
 * The fix requests' clock: every interval (and at start, and when this instance becomes the
 * leader) it expires pending requests past their window, marks runs cut off by a restart,
 * carries on what can safely go on, and updates the cards in place. One sweep at a time.
 */
export class FixSweeper {
  private handle: unknown;
  private current: Promise<void> | undefined;
  private stopFollowing: (() => void) | undefined;

  constructor(private readonly deps: FixSweeperDeps) {}

  start(): void {
    if (this.handle !== undefined) return;
    this.handle = this.deps.timers.setInterval(() => void this.sweep(), this.deps.intervalMs);
    this.stopFollowing = this.deps.leadership?.onChange((leader) => {
      if (leader) void this.sweep();
    });
    void this.sweep();
  }

  /** Runs one sweep now (or joins the one running); resolves when its cards are updated. Skipped on a follower. */
  sweep(): Promise<void> {
    if (this.deps.leadership && !this.deps.leadership.isLeader()) return Promise.resolve();
    if (this.current) return this.current;
    this.current = (async () => {
      try {
        const result = await this.deps.service.sweep();
        if (result.expired.length + result.interrupted.length + result.resumable.length > 0) {
          this.deps.logger.info({ expired: result.expired.length, interrupted: result.interrupted.length, resumed: result.resumable.length }, 'fix sweep');
        }
        await this.deps.actions.applySweep(result);
      } catch (error) {
        this.deps.logger.error({ err: error }, 'fix sweep failed');
      } finally {
        this.current = undefined;
      }
    })();
    return this.current;
  }

  /** Stops the timer and waits for a sweep in progress (background runs are awaited by the caller). */
  async stop(): Promise<void> {
    if (this.handle !== undefined) this.deps.timers.clearInterval(this.handle);
    this.handle = undefined;
    this.stopFollowing?.();
    this.stopFollowing = undefined;
    await this.current;
  }
}
