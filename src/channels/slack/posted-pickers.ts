import { SeenOnce } from '../../core/seen-once';

/**
 * The "which code?" messages this instance posted (a choice of codes, the closest codes), by
 * channel and ts; the code list is not one, it stays, as on Teams. A code pressed on one of them
 * replaces it with the troubleshooting message; a code press naming any other message (the code
 * list, an incident, a fix request) gets a new message instead, so no press can overwrite a message
 * that never offered it. Another instance does not know this one's pickers: its answer is then a
 * new message, never an overwrite.
 */
export class PostedPickers {
  private readonly posted = new SeenOnce(10_000);

  remember(channelId: string, ts: string | undefined): void {
    if (ts !== undefined) this.posted.firstTime(`${channelId}|${ts}`);
  }

  has(channelId: string, ts: string): boolean {
    return this.posted.has(`${channelId}|${ts}`);
  }
}
