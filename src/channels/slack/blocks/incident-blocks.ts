import type { IncidentCardData } from '../../../core/incidents/incident-view';
import type { Language } from '../../../core/knowledge/schema';
import { type SlackBlock, type SlackMessage, bold, code, context, divider, escapeMrkdwn, header, section } from './block-kit';
import { actionsBlocks } from './buttons';
import { fitMessage } from './fit-message';
import { defaultDocsUrl, sections, slackLabels } from './troubleshoot-blocks';

/** "2026-12-03T08:15:00Z" as Slack text (escaped text cannot carry Slack's date tokens). */
function utc(instant: string): string {
  return `${instant.slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * An incident (one vault, one code, many VMs) as Block Kit: the same view data as the Teams
 * card. The VM list is already cut by the view (the first ones, "and N more"); the buttons are
 * one Troubleshoot per failing VM that fits. fitMessage keeps it inside Slack's limits however
 * long the message or the names are.
 */
export function renderIncidentMessage(data: IncidentCardData, language: Language): SlackMessage {
  const icon = data.recovered ? '✅' : data.recovering ? '🟡' : '🔴';
  const blocks: SlackBlock[] = [
    header(`${icon} ${data.heading}`),
    section(`${bold(data.code)}\n${escapeMrkdwn(data.message)}`),
    section(data.facts.map((f) => `${bold(`${f.title}:`)} ${f.title === data.codeLabel ? code(f.value) : escapeMrkdwn(f.value)}`).join('\n')),
    context(escapeMrkdwn(`${data.status} ${data.countText}. ${data.firstAlertLabel}: ${utc(data.firstAlertAt)} · ${data.lastAlertLabel}: ${utc(data.lastAlertAt)}`)),
    divider,
    ...sections('', data.vms.map((vm) => `${vm.recovered ? '✅' : '❌'} ${escapeMrkdwn(vm.line)}`)),
  ];
  if (data.hasMore) blocks.push(context(escapeMrkdwn(data.more)));
  if (data.hasNextStep) blocks.push(context(escapeMrkdwn(data.nextStep)));
  blocks.push(...actionsBlocks(data.actions, 'incident'));
  const text = `${data.heading}: ${data.code} in ${data.vault}. ${data.countText}`;
  return fitMessage({ text, blocks }, { moreUrl: defaultDocsUrl, moreLabel: slackLabels.readMore[language] });
}
