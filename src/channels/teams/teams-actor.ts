import type { Actor } from '../../core/remediation/actor';
import type { Sender } from './routing-types';

/**
 * The person behind a Teams activity, as the policy judges people. Only activities that passed
 * the bot's entry check (channel msteams, an allowed tenant) reach handlers, so the channel is
 * Teams' word, not the client's.
 */
export function teamsActor(sender: Sender): Actor {
  return { channel: 'msteams', userId: sender.id, ...(sender.aadObjectId ? { aadObjectId: sender.aadObjectId } : {}), ...(sender.name ? { displayName: sender.name } : {}) };
}
