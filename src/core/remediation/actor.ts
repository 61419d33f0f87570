/**
 * Who is acting, as the channel proved it: the Entra object id from the activity
 * (`from.aadObjectId`), the channel's own user id, never a display name. The display
 * name is kept only to show people who did what.
 */
export type ActorChannel = 'msteams' | 'slack' | 'api';

export interface Actor {
  readonly channel: ActorChannel;
  /** The channel's user id (`from.id` in Teams, `user.id` in Slack). */
  readonly userId: string;
  readonly aadObjectId?: string;
  /** Shown on cards and in the audit; never used to decide anything. */
  readonly displayName?: string;
}

/** One stable key per person: the Entra object id where the channel gives one. */
export function actorKey(actor: Actor): string {
  return actor.aadObjectId !== undefined && actor.aadObjectId !== '' ? `aad:${actor.aadObjectId.toLowerCase()}` : `${actor.channel}:${actor.userId}`;
}

/** Same person? Compared on the Entra object id when both have one, otherwise on the channel user id. */
export function sameActor(a: Actor, b: Actor): boolean {
  if (a.aadObjectId && b.aadObjectId) return a.aadObjectId.toLowerCase() === b.aadObjectId.toLowerCase();
  return a.channel === b.channel && a.userId === b.userId;
}

export function describeActor(actor: Actor): string {
  const who = actor.displayName ?? actor.userId;
  return actor.aadObjectId ? `${who} (${actor.aadObjectId})` : `${who} (${actor.channel}:${actor.userId})`;
}
