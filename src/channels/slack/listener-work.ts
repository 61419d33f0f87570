import { within } from '../../core/within';

/**
 * The Bolt listeners still at work. Slack is answered (ack) before a listener's work is done (a
 * press that runs checks reads Azure for seconds), so closing the HTTP server does not wait for
 * it: shutdown waits here, bounded, before the store those listeners write to is closed.
 */
export class ListenerWork {
  private readonly running = new Set<Promise<unknown>>();

  async track<T>(work: () => Promise<T>): Promise<T> {
    const running = work();
    this.running.add(running);
    try {
      return await running;
    } finally {
      this.running.delete(running);
    }
  }

  /** True once every listener running now (and any it started meanwhile) has finished; false if some still run after `limitMs`. */
  async settled(limitMs: number): Promise<boolean> {
    const deadline = Date.now() + limitMs;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0 || !(await within(Promise.allSettled([...this.running]), left))) return false;
    }
    return true;
  }
}
