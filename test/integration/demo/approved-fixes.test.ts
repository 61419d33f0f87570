import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createAzurePortFromConfig } from '../../../src/azure/azure-from-config';
import type { AzurePort } from '../../../src/core/azure-port';
import { demoAuditKey } from '../../../scripts/demo';
import { type CardJson, PlaygroundDriver, type ShownMessage, button, cardButtons, cardText } from './playground-driver';

/**
 * Issue 5, "Done when", as users run it in the demo: a seeded failing VM is taken from its first
 * card through a fix (plan, request by Alex Wilber, approval by Megan Bowen pressing from her own
 * Teams client, execution, the verifying backup) to "fixed", and `audit <vm>` shows every step.
 * Azure is the demo's ARM simulator, read back through the real SDK gateway.
 */

jest.setTimeout(120_000);

const SUB = '00000000-0000-0000-0000-000000000001';
let d: PlaygroundDriver;
let azure: AzurePort;

beforeAll(async () => {
  d = await PlaygroundDriver.start();
  const port = createAzurePortFromConfig(d.demo.app.config);
  if (!port) throw new Error('the demo has no Azure');
  azure = port;
});

afterAll(async () => {
  await d?.stop();
});

/** The first card for the VM, then Run checks and "Go to likely cause": the card at the cause the fix is for. */
async function cardAtLikelyCause(vm: string, causeTitle: string): Promise<ShownMessage> {
  const card = await d.ask(`why did the backup of ${vm} fail?`);
  const run = button(card.card, 'checks.run');
  const report = await d.invoke(run.verb, run.data, card.messageId);
  expect(cardText(report?.value)).toContain(`${causeTitle}: Likely`);
  const go = button(report?.value, 'troubleshoot.goto', /^Go to likely cause/);
  const mark = d.mark();
  await d.invoke(go.verb, go.data, card.messageId);
  const atCause = await d.waitForUpdate(card.messageId, undefined, { after: mark });
  expect(cardText(atCause.card)).toContain(causeTitle);
  return atCause;
}

/** Presses the fix button under the cause and returns the plan card the bot posts under it. */
async function plan(card: ShownMessage, fixTitle: string): Promise<ShownMessage> {
  const fix = button(card.card, 'fix.plan', `🔧 ${fixTitle}`);
  const mark = d.mark();
  await d.invoke(fix.verb, fix.data, card.messageId);
  const planCard = await d.waitForBotMessage((m) => m.card !== undefined, { after: mark, conversation: d.personalChat });
  const text = cardText(planCard.card);
  expect(text).toContain(fixTitle);
  expect(text).toContain('Fix plan: nothing has been changed yet.');
  expect(text).toContain('Exact Azure operations');
  expect(text).toContain('How to undo it');
  return planCard;
}

/** Alex presses Request: the plan card becomes the request, awaiting approval, with Approve / Reject. */
async function request(planCard: ShownMessage): Promise<{ requestCard: CardJson; approve: { verb: string; data: unknown } }> {
  const req = button(planCard.card, 'fix.request', 'Request this fix');
  const mark = d.mark();
  const answer = await d.invoke(req.verb, req.data, planCard.messageId);
  const shown = await d.waitForUpdate(planCard.messageId, undefined, { after: mark });
  for (const card of [answer?.value, shown.card]) {
    expect(cardText(card)).toContain('⏳ Awaiting approval');
    expect(cardText(card)).toContain('Requested by\nAlex Wilber');
  }
  const approve = button(shown.card, 'fix.approve', 'Approve');
  expect(cardButtons(shown.card).map((b) => b.title)).toContain('Reject');
  return { requestCard: shown.card as CardJson, approve };
}

/** Every status the request card went through, in order (deduplicated). */
function statusesOf(messageId: string, after: number): string[] {
  const statuses = d.updatesOf(messageId, after).map((m) => cardText(m.card).split('\n')[1] ?? '');
  return statuses.filter((s, i) => s !== statuses[i - 1]);
}

/** Runs one of the repository's scripts (as `npx tsx scripts/<name>`); resolves with its output. */
function runScript(name: string, args: string[], env: Record<string, string>): Promise<string> {
  const repoRoot = join(__dirname, '..', '..', '..');
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), [join(repoRoot, 'scripts', name), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${name} exited with ${String(code)}:\n${output}`));
    });
  });
}

async function auditOf(vm: string): Promise<string> {
  return cardText((await d.ask(`audit ${vm}`)).card);
}

test('vm-sql01: restart the Windows guest agent, approved by a second person, verified by a backup, "fixed"; the audit shows every step', async () => {
  const card = await cardAtLikelyCause('vm-sql01', 'The agent is installed in the VM but unresponsive (Windows VMs)');
  expect(cardButtons(card.card).map((b) => b.title)).not.toContain('🔧 Restart the Windows guest agent (disabled)');
  const planCard = await plan(card, 'Restart the Windows guest agent');
  expect(cardText(planCard.card)).toContain('Restart-Service WindowsAzureGuestAgent');
  const { approve } = await request(planCard);

  const mark = d.mark();
  const megan = d.user('user-id-1');
  await d.invoke(approve.verb, approve.data, planCard.messageId, { asUser: megan });
  const fixed = await d.waitForUpdate(planCard.messageId, (m) => /Fixed: the backup succeeded|Still failing/.test(cardText(m.card)), { after: mark, timeoutMs: 40_000 });
  const text = cardText(fixed.card);
  expect(text).toContain('🎉 Fixed: the backup succeeded.');
  expect(text).toContain('Decided by\nMegan Bowen');
  expect(text).toContain('The agent now reports: Ready');
  expect(text).toMatch(/Backup job [0-9a-f-]+: Completed/);
  // The card went through approval, execution and verification in that order, in place: a state it
  // shows is never older than one it showed before (a busy chat may skip a step, never reorder them).
  const stages = ['✅ Approved', '⚙️ Running', '✅ Fix applied', '🔄 Verifying', '🎉 Fixed'];
  const shown = statusesOf(planCard.messageId, mark)
    .map((s) => stages.findIndex((prefix) => s.startsWith(prefix)))
    .filter((i) => i >= 0);
  expect([...shown].sort((a, b) => a - b)).toEqual(shown);
  expect(shown.at(-1)).toBe(stages.length - 1);

  // The troubleshooting card moved to "fixed", confirmed by the backup.
  const session = await d.waitForUpdate(card.messageId, (m) => cardText(m.card).includes('Fixed:'), { after: mark });
  expect(cardText(session.card)).toContain('Fixed: The agent is installed in the VM but unresponsive (Windows VMs)');
  expect(cardText(session.card)).toContain('Confirmed: the backup run after the approved fix succeeded.');

  // Azure really changed: the agent is Ready now.
  const status = await azure.getVmStatus({ subscriptionId: SUB, resourceGroup: 'rg-sql', name: 'vm-sql01' });
  expect(JSON.stringify(status)).toMatch(/Ready/);

  const audit = await auditOf('vm-sql01');
  expect(audit).toContain('Fix audit for vm-sql01');
  for (const step of ['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.verified-fixed']) expect(audit).toContain(step);
  expect(audit).toMatch(/fix\.requested · ok\nAlex Wilber/);
  expect(audit).toMatch(/fix\.approved · ok\nMegan Bowen/);
});

test('vm-files01: the high-risk lock fix needs a second person; the collection is cleared, the identical lock is back, the backup succeeds', async () => {
  const lockGroup = 'AzureBackupRG_westeurope_1';
  const locksBefore = await azure.listResourceGroupLocks(SUB, lockGroup);
  expect(locksBefore.map((l) => [l.name, l.level, l.notes])).toEqual([['rg-do-not-delete', 'CanNotDelete', 'Protect backup resources from accidental deletion']]);

  const card = await cardAtLikelyCause('vm-files01', 'Backup cannot delete old restore points because of a resource group lock');
  const planCard = await plan(card, 'Clear the restore point collection behind the resource group lock');
  expect(cardText(planCard.card)).toContain('Risk\nhigh');
  expect(cardText(planCard.card)).toContain('a second person must approve');
  const { approve } = await request(planCard);

  // Alex asked for it, so Alex may not approve it: refused, and nothing runs.
  const self = await d.invoke(approve.verb, approve.data, planCard.messageId);
  expect(cardText(self?.value)).toContain('the person who requested it cannot approve it');
  expect(await azure.listResourceGroupLocks(SUB, lockGroup)).toHaveLength(1);

  // Adele approves from "her Teams client": the demo's helper presses Approve as her through the playground.
  const mark = d.mark();
  const approved = await runScript('demo-approve.ts', ['vm-files01'], { PLAYGROUND_URL: d.url, STATE_FILE: d.demo.app.config.stateFile, APPROVER: 'user-id-2' });
  expect(approved).toContain('Adele Vance pressed Approve on "clear-restore-points-behind-lock" for vm-files01 (requested by Alex Wilber)');
  const done = await d.waitForUpdate(planCard.messageId, (m) => /Fixed: the backup succeeded|Still failing|failed/i.test(cardText(m.card).split('\n')[1] ?? ''), { after: mark, timeoutMs: 40_000 });
  const text = cardText(done.card);
  expect(text).toContain('🎉 Fixed: the backup succeeded.');
  expect(text).toContain('Decided by\nAdele Vance');
  // Progress shows the newest step only (a slow chat skips steps, never holds the fix), so the lock's
  // removal and return are proven by Azure's state below and by the audit's outcome line.
  expect(statusesOf(planCard.messageId, mark).length).toBeGreaterThan(0);

  // The identical lock is back; the 18-point collection is gone (the verifying backup may have started a new one).
  const locksAfter = await azure.listResourceGroupLocks(SUB, lockGroup);
  expect(locksAfter.map((l) => [l.name, l.level, l.notes])).toEqual([['rg-do-not-delete', 'CanNotDelete', 'Protect backup resources from accidental deletion']]);
  const collections = await azure.listRestorePointCollections({ subscriptionId: SUB, resourceGroup: 'rg-files', name: 'vm-files01' });
  expect(collections.map((c) => c.name)).not.toContain('AzureBackup_vm-files01_140738144265919');
  expect(collections.every((c) => c.restorePointCount < 18)).toBe(true);

  const audit = await auditOf('vm-files01');
  for (const step of ['fix.requested', 'fix.refused', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.verified-fixed']) expect(audit).toContain(step);
  expect(audit).toMatch(/fix\.refused · refused\nAlex Wilber/);
  expect(audit).toMatch(/fix\.approved · ok\nAdele Vance/);
  expect(audit).toContain('Locks put back as they were: rg-do-not-delete (CanNotDelete');
});

test('GET /api/audit exports the same steps as JSON lines, only with the key', async () => {
  const url = `${d.demo.bot.url}/api/audit`;
  expect((await fetch(url)).status).toBe(401);
  const response = await fetch(url, { headers: { authorization: `Bearer ${demoAuditKey}` } });
  expect(response.status).toBe(200);
  const events = (await response.text())
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { action: string; target?: { name: string }; actor: { displayName?: string } });
  const sql = events.filter((e) => e.target?.name === 'vm-sql01').map((e) => e.action);
  expect(sql).toEqual(['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.verified-fixed']);
});
