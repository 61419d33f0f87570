import type { LocalizedText } from '../knowledge/schema';
import type { FixRequest } from './fix-request';

/**
 * Writes each fix request's card so that the last write is always its newest state.
 *
 * Everyone who changes a request (the turn that approved it, the run's progress, the sweep)
 * pushes it here instead of writing the card: one write per request at a time, an older
 * version than one already pushed is dropped, and while a write is out only the newest
 * waiting state is kept. A hung channel therefore delays the card, never the fix, and two
 * writers can never leave a card showing an older state than the request is in.
 */
export class FixCardWriter {
  private readonly slots = new Map<string, Slot>();
  /** The version each card last showed, so a late push of an older state is dropped even after its slot is gone. */
  private readonly shown = new Map<string, number>();

  constructor(
    private readonly write: (request: FixRequest, step: LocalizedText | undefined) => Promise<void>,
    private readonly onError: (error: unknown, request: FixRequest) => void = () => undefined,
  ) {}

  push(request: FixRequest, step?: LocalizedText): void {
    const slot = this.slots.get(request.id);
    if (slot) {
      if (request.version < slot.newest.version) return;
      slot.newest = request;
      slot.step = step;
      slot.dirty = true;
      return;
    }
    if (request.version < (this.shown.get(request.id) ?? 0)) return;
    const fresh: Slot = { newest: request, step, dirty: true, running: Promise.resolve() };
    this.slots.set(request.id, fresh);
    fresh.running = this.drain(request.id, fresh);
  }

  /** Resolves when every card has been written (or its write failed). */
  async idle(): Promise<void> {
    while (this.slots.size > 0) await Promise.all([...this.slots.values()].map((s) => s.running));
  }

  private remember(id: string, version: number): void {
    this.shown.delete(id);
    this.shown.set(id, version);
    // Only recent requests get late pushes; keep the map small.
    if (this.shown.size > SHOWN_LIMIT) this.shown.delete(this.shown.keys().next().value as string);
  }

  private async drain(id: string, slot: Slot): Promise<void> {
    try {
      while (slot.dirty) {
        slot.dirty = false;
        const { newest, step } = slot;
        try {
          await this.write(newest, step);
          this.remember(id, newest.version);
        } catch (error) {
          this.onError(error, newest);
        }
      }
    } finally {
      this.slots.delete(id);
    }
  }
}

const SHOWN_LIMIT = 2_000;

interface Slot {
  newest: FixRequest;
  step: LocalizedText | undefined;
  dirty: boolean;
  running: Promise<void>;
}
