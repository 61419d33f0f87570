import type { Language } from '../../../core/knowledge/schema';
import type { FailedBackupsView, TimeFormatter, VaultStatusView } from '../../../core/questions';
import { type SlackBlock, type SlackMessage, bold, context, divider, escapeMrkdwn, header, section } from './block-kit';
import { actionsBlocks } from './buttons';
import { fitMessage } from './fit-message';
import { defaultDocsUrl, sections, slackLabels } from './troubleshoot-blocks';

/** Slack cannot localise a time inside text the bot escapes, so times are plain UTC: "2026-12-03 08:15 UTC". */
export const slackTime: TimeFormatter = (time) => `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Buttons per message: the failed-backups list keeps one Troubleshoot button per row while they fit in one message. */
const maxRowButtons = 40;

/** "Failed backups today" (or a job with several likely codes) as Block Kit: one line per job, its Troubleshoot buttons below. */
export function renderFailedBackupsMessage(view: FailedBackupsView, lang: Language): SlackMessage {
  const blocks: SlackBlock[] = [header(view.title), section(escapeMrkdwn(view.summary))];
  if (view.hasRows) {
    blocks.push(divider);
    const lines = view.rows.map((r) => `• ${bold(r.vm)} · ${escapeMrkdwn(r.vault)} · ${escapeMrkdwn(r.time)} · ${escapeMrkdwn(r.code)}${r.hasMessage ? `\n   _${escapeMrkdwn(r.message)}_` : ''}`);
    blocks.push(...sections('', lines));
    // Block Kit has no table: each button names its row's VM (and code, when a job has several).
    const buttons = view.rows.flatMap((r) => r.actions.map((a) => ({ ...a, title: a.title.includes(r.vm) ? a.title : `${a.title} ${r.vm}` })));
    blocks.push(...actionsBlocks(buttons.slice(0, maxRowButtons), 'jobs'));
  }
  if (view.hasMore) blocks.push(context(escapeMrkdwn(view.more)));
  if (view.hasNotes) blocks.push(...view.notes.map((n) => context(`⚠️ ${escapeMrkdwn(n.text)}`)));
  blocks.push(...actionsBlocks(view.actions, 'failed-backups'));
  return fitMessage({ text: `${view.title}: ${view.summary}`, blocks }, { moreUrl: defaultDocsUrl, moreLabel: slackLabels.readMore[lang] });
}

/** "Status of vault X" as Block Kit: the facts, then the failing groups with their buttons. */
export function renderVaultStatusMessage(view: VaultStatusView, lang: Language): SlackMessage {
  const blocks: SlackBlock[] = [header(view.title), ...sections('', view.facts.map((f) => `${bold(`${f.title}:`)} ${escapeMrkdwn(f.value)}`))];
  if (view.hasGroups) {
    blocks.push(divider, section(bold(view.groupsTitle)));
    blocks.push(...sections('', view.groups.map((g) => `• ${escapeMrkdwn(g.text)}`)));
    blocks.push(...actionsBlocks(view.groups.flatMap((g) => g.actions).slice(0, maxRowButtons), 'groups'));
  } else {
    blocks.push(section(escapeMrkdwn(view.noFailures)));
  }
  if (view.hasMore) blocks.push(context(escapeMrkdwn(view.more)));
  blocks.push(...actionsBlocks(view.actions, 'vault-status'));
  return fitMessage({ text: view.title, blocks }, { moreUrl: defaultDocsUrl, moreLabel: slackLabels.readMore[lang] });
}
