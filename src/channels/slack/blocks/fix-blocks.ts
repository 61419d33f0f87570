import type { Language } from '../../../core/knowledge/schema';
import type { AuditView, FixCardView } from '../../../core/remediation/fix-view';
import { type SlackBlock, type SlackMessage, bold, code, context, divider, escapeMrkdwn, header, section } from './block-kit';
import { actionsBlocks } from './buttons';
import { fitMessage } from './fit-message';
import { moreLabel, sections } from './troubleshoot-blocks';

const statusIcon: Readonly<Record<FixCardView['statusColor'], string>> = { default: '', good: '✅ ', warning: '⚠️ ', attention: '⛔ ', accent: '⏳ ' };

/** Where cut fix text links to: the fix catalogue's documentation of approved fixes. */
const fixDocsUrl = 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot';

/**
 * A fix view (plan, pending request, progress, outcome, refusal) as a Block Kit message: the
 * same view model as the Teams card, with Request / Approve / Reject as buttons whose values
 * carry only the opaque ids the server reloads.
 */
export function renderFixMessage(view: FixCardView, language: Language): SlackMessage {
  const blocks: SlackBlock[] = [header(view.heading), section(`${statusIcon[view.statusColor]}${bold(view.status)}`)];
  if (view.facts.length > 0) blocks.push(...sections('', view.facts.map((f) => `${bold(`${f.title}:`)} ${escapeMrkdwn(f.value)}`)));
  if (view.summary) blocks.push(section(escapeMrkdwn(view.summary)));
  if (view.hasOperations) {
    blocks.push(divider);
    const lines = view.operations.map((o) => `${o.number}. ${escapeMrkdwn(o.text)}${o.lines.map((l) => `\n      ${escapeMrkdwn(l)}`).join('')}`);
    blocks.push(...sections(bold(view.labels.operations), lines));
    if (view.changes) blocks.push(section(`${bold(view.labels.changes)}\n${escapeMrkdwn(view.changes)}`));
    if (view.undo) blocks.push(section(`${bold(view.labels.undo)}\n${escapeMrkdwn(view.undo)}`));
  }
  if (view.hasProblems) blocks.push(...sections('', view.problems.map((p) => `⚠️ ${escapeMrkdwn(p)}`)));
  if (view.hasOutput) blocks.push(section(`\`\`\`${escapeMrkdwn(view.output).replace(/```/g, '`\u200b``')}\`\`\``));
  if (view.hasNotice) blocks.push(context(escapeMrkdwn(view.notice)));
  blocks.push(...actionsBlocks(view.actions, 'fix'));
  return fitMessage({ text: `${view.heading}: ${view.status}`, blocks }, { moreUrl: fixDocsUrl, moreLabel: moreLabel(language) });
}

/** `audit [vm]`: the latest fix audit entries, newest first, one line each. */
export function renderAuditMessage(view: AuditView, language: Language): SlackMessage {
  const icon = (outcome: string) => (outcome === 'ok' ? '✅' : outcome === 'refused' ? '⛔' : '⚠️');
  const lines = view.entries.map((e) => `${icon(e.outcome)} ${code(e.when)} ${bold(e.action)} ${escapeMrkdwn(e.line)}`);
  const blocks: SlackBlock[] = [header(view.heading), ...(view.isEmpty ? [section(escapeMrkdwn(view.emptyText))] : sections('', lines))];
  return fitMessage({ text: view.heading, blocks }, { moreUrl: fixDocsUrl, moreLabel: moreLabel(language) });
}
