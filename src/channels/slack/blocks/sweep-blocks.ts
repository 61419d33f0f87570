import type { Language } from '../../../core/knowledge/schema';
import type { SweepDigestView } from '../../../core/sweep/sweep-digest-view';
import { type SlackBlock, type SlackMessage, bold, context, escapeMrkdwn, header, section } from './block-kit';
import { actionsBlocks } from './buttons';
import { fitMessage } from './fit-message';
import { defaultDocsUrl, slackLabels } from './troubleshoot-blocks';

/**
 * Rows a digest shows in Slack: each VM is two blocks (its line, its buttons) and about 800
 * characters, so 12 rows keep the message under 50 blocks and Slack's ~13 k characters with
 * room for eight cause headings; every cause still shows at least one VM and counts the rest.
 */
export const slackDigestFit = { maxVms: 12 } as const;

/** The fleet digest as Block Kit: the count, what changed, then each cause with its VMs and their buttons. */
export function renderSweepDigestMessage(view: SweepDigestView, lang: Language): SlackMessage {
  const blocks: SlackBlock[] = [header(view.title), section(`${view.healthy ? '✅' : '⚠️'} ${bold(view.summary)}`)];
  blocks.push(context(escapeMrkdwn([view.sweptAt, view.changes].filter((t) => t !== '').join(' · '))));
  const seen = new Map<string, number>();
  view.groups.forEach((group, g) => {
    blocks.push(section(`${bold(group.title)}${group.more !== '' ? `\n_${escapeMrkdwn(group.more)}_` : ''}`));
    group.vms.forEach((vm, v) => {
      const badge = vm.badge !== '' ? ` ${escapeMrkdwn(vm.badge)}` : '';
      blocks.push(section(`• ${bold(vm.name)} · ${escapeMrkdwn(vm.where)}${badge}\n${escapeMrkdwn(vm.evidence)}`));
      blocks.push(...actionsBlocks(vm.actions, `sweep-${g}-${v}`, seen));
    });
  });
  if (view.note !== '') blocks.push(context(`⚠️ ${escapeMrkdwn(view.note)}`));
  return fitMessage({ text: `${view.title}: ${view.summary}`, blocks }, { moreUrl: defaultDocsUrl, moreLabel: slackLabels.readMore[lang] });
}
