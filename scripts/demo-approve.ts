/**
 * `npx tsx scripts/demo-approve.ts [vm]`: in the running demo (`npm run demo`), a second person
 * approves the newest fix request that awaits approval (for that VM, when given).
 *
 * The Agents Playground's UI always acts as its current user (Alex Wilber), and a high-risk fix
 * needs someone other than its requester. This does what that person's Teams client would do:
 * it presses Approve on the request's card, as another playground user, through the playground's
 * own custom-activity API. The bot checks that person against the fix policy like any press.
 *
 * Settings: PLAYGROUND_URL (default http://localhost:56150), STATE_FILE (default
 * ./data/backup-doctor.sqlite), APPROVER (a playground user id, default user-id-1: Megan Bowen).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

interface PendingRequest {
  readonly id: string;
  readonly fixId: string;
  readonly state: string;
  readonly target: { readonly vm: { readonly name: string } };
  readonly requester: { readonly displayName?: string; readonly userId: string };
  readonly card?: { readonly conversationId: string; readonly activityId?: string };
  readonly expiresAt: string;
}

interface PlaygroundUser {
  readonly id: string;
  readonly name: string;
  readonly aadObjectId: string;
}

const playground = (process.env['PLAYGROUND_URL'] ?? 'http://localhost:56150').replace(/\/$/, '');
const stateFile = resolve(process.env['STATE_FILE'] ?? 'data/backup-doctor.sqlite');
const approverId = process.env['APPROVER'] ?? 'user-id-1';
const vm = process.argv[2]?.toLowerCase();

/** The newest request still awaiting approval (for the VM, when given) whose card is posted. */
function pendingRequest(): PendingRequest {
  if (!existsSync(stateFile)) throw new Error(`no demo state at ${stateFile} (start the demo with npm run demo)`);
  const db = new Database(stateFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT body FROM fix_requests WHERE state = 'requested' ORDER BY created_at DESC").all() as { body: string }[];
    const now = Date.now();
    const found = rows
      .map((row) => JSON.parse(row.body) as PendingRequest)
      .find((r) => r.card?.activityId !== undefined && Date.parse(r.expiresAt) > now && (vm === undefined || r.target.vm.name.toLowerCase() === vm));
    if (!found) throw new Error(`no fix request awaits approval${vm ? ` for ${vm}` : ''}: press "Request this fix" on a fix plan first`);
    return found;
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const request = pendingRequest();
  const card = request.card as { conversationId: string; activityId: string };
  const config = (await (await fetch(`${playground}/_internal/v1/testConfig`)).json()) as { config: { users: PlaygroundUser[]; currentUser: PlaygroundUser } };
  const approver = [config.config.currentUser, ...config.config.users].find((u) => u.id === approverId);
  if (!approver) throw new Error(`the playground has no user ${approverId}`);
  // The playground's template fills in what its connector needs (service URL, conversation, recipient).
  const template = (await (await fetch(`${playground}/_internal/v1/customActivities/template?conversationId=${encodeURIComponent(card.conversationId)}`)).json()) as Record<string, unknown>;
  const response = await fetch(`${playground}/_internal/v1/customActivities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...template,
      type: 'invoke',
      name: 'adaptiveCard/action',
      from: { id: approver.id, name: approver.name, aadObjectId: approver.aadObjectId },
      replyToId: card.activityId,
      locale: 'en-US',
      value: { action: { type: 'Action.Execute', verb: 'fix.approve', data: { v: 1, requestId: request.id } } },
    }),
  });
  if (!response.ok) throw new Error(`the playground answered ${response.status}`);
  process.stdout.write(
    `${approver.name} pressed Approve on "${request.fixId}" for ${request.target.vm.name} (requested by ${request.requester.displayName ?? request.requester.userId}); watch the card in the playground.\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`demo-approve failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
