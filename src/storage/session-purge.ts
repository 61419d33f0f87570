import type { Clock } from '../core/ports';
import type { Logger } from '../logger';

/** A store that can drop sessions which expired before a cutoff (SqliteSessionStore). */
export interface PurgeableSessions {
  purgeExpiredBefore(cutoff: Date): number | Promise<number>;
}

/** setInterval / clearInterval, injectable so tests drive the purge without waiting. */
export interface IntervalTimer {
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemIntervalTimer: IntervalTimer = {
  setInterval: (run, ms) => {
    const handle = setInterval(run, ms);
    // A purge alone never keeps the process alive.
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface SessionPurgeOptions {
  readonly sessions: PurgeableSessions;
  readonly clock: Clock;
  /** How long an expired session is kept, so a late press still gets "this session has ended" rather than "not found". */
  readonly retentionMs: number;
  /** How often to purge; 0 turns the purge off. */
  readonly intervalMs: number;
  readonly logger?: Logger;
  readonly timer?: IntervalTimer;
  /** What is purged, for the log line (default "expired sessions"). */
  readonly what?: string;
}

export interface SessionPurge {
  /** Purges once now; resolves with the number of sessions removed (0 after a failure, which is logged). */
  runOnce(): Promise<number>;
  stop(): void;
}

/**
 * Removes sessions that expired more than `retentionMs` ago, once at start and then every
 * `intervalMs`, so the state file does not grow with every question ever asked. A failed
 * purge is logged and retried on the next tick; it never takes the bot down.
 */
export function startSessionPurge(options: SessionPurgeOptions): SessionPurge {
  const timer = options.timer ?? systemIntervalTimer;
  let running: Promise<number> | undefined;
  const purge = async (): Promise<number> => {
    try {
      const cutoff = new Date(options.clock.now().getTime() - options.retentionMs);
      const removed = await options.sessions.purgeExpiredBefore(cutoff);
      if (removed > 0) options.logger?.info({ removed, cutoff: cutoff.toISOString() }, `${options.what ?? 'expired sessions'} purged`);
      return removed;
    } catch (error) {
      options.logger?.warn({ err: error }, `purge of ${options.what ?? 'expired sessions'} failed; will retry`);
      return 0;
    }
  };
  const runOnce = (): Promise<number> => {
    // One purge at a time: a slow one is not stacked on by the next tick. Cleared only after it is
    // stored (a purge that fails synchronously must not leave a settled promise behind for good).
    if (running !== undefined) return running;
    const current = purge().finally(() => {
      if (running === current) running = undefined;
    });
    running = current;
    return current;
  };
  if (options.intervalMs <= 0) return { runOnce, stop: () => undefined };
  void runOnce();
  const handle = timer.setInterval(() => void runOnce(), options.intervalMs);
  let stopped = false;
  return {
    runOnce,
    stop: () => {
      if (stopped) return;
      stopped = true;
      timer.clearInterval(handle);
    },
  };
}
