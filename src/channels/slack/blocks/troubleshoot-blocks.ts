import type { Language } from '../../../core/knowledge/schema';
import type { StepView, TroubleshootView } from '../../../core/views/troubleshoot-view';
import { BlockKitLimits, type SlackBlock, type SlackMessage, bold, code, context, divider, escapeMrkdwn, header, link, section, truncate } from './block-kit';
import { actionsBlocks } from './buttons';
import { blockChars, fitMessage } from './fit-message';

export const slackLabels = {
  readMore: { en: 'Read more', pl: 'Więcej' },
  supportDocs: { en: 'Azure VM Backup troubleshooting', pl: 'Rozwiązywanie problemów z kopią zapasową maszyn wirtualnych Azure' },
} as const;

/** Cause buttons stay short: the numbered list above names each cause in full. */
const jumpButtonChars = 32;

/** Where cut text links to when a view has no page of its own. */
export const defaultDocsUrl = 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot';

/**
 * The troubleshooting view model as a Block Kit message: code and message, "Cause k of n",
 * why, steps (commands in code formatting), logs, the documentation link, the ordered cause
 * list and the buttons. Same view as the Teams card; only the rendering differs.
 */
export function renderTroubleshootMessage(view: TroubleshootView): SlackMessage {
  const lang = view.language;
  const blocks: SlackBlock[] = [header(view.codeId)];
  const intro = [bold(view.codeMessage), view.codeSummary ? escapeMrkdwn(view.codeSummary) : '', view.hasTarget ? `${bold(`${view.labels.target}:`)} ${escapeMrkdwn(view.target)}` : '']
    .filter((line) => line.length > 0)
    .join('\n');
  blocks.push(section(intro), divider);

  let moreUrl = defaultDocsUrl;
  if (view.state === 'cause' && view.cause) {
    const cause = view.cause;
    moreUrl = cause.docUrl || defaultDocsUrl;
    blocks.push(section(bold(`${view.heading}: ${cause.title}`)));
    if (view.causeCheck) {
      const manual = view.causeCheck.hasManual ? `\n_${escapeMrkdwn(view.causeCheck.manual)}_` : '';
      blocks.push(section(`${bold(view.causeCheck.label)}\n${escapeMrkdwn(view.causeCheck.line)}${manual}`));
    }
    blocks.push(section(`${bold(view.labels.why)}\n${escapeMrkdwn(cause.why)}`));
    blocks.push(...sections(bold(view.labels.steps), stepLines(cause.steps)));
    if (cause.hasLogs) blocks.push(...sections(bold(view.labels.logs), cause.logs.map((l) => `• ${code(l)}`)));
    if (cause.docUrl) blocks.push(context(`📖 ${link(cause.docUrl, view.labels.docs)}`));
  } else if (view.state === 'escalation' && view.escalation) {
    const esc = view.escalation;
    moreUrl = esc.supportUrl || defaultDocsUrl;
    blocks.push(section(`${bold(esc.title)}\n${escapeMrkdwn(esc.intro)}`));
    blocks.push(...sections(bold(view.labels.steps), stepLines(esc.steps)));
    if (esc.windowsLogs.length > 0) blocks.push(...sections(bold(view.labels.windowsLogs), esc.windowsLogs.map((l) => `• ${code(l)}`)));
    if (esc.linuxLogs.length > 0) blocks.push(...sections(bold(view.labels.linuxLogs), esc.linuxLogs.map((l) => `• ${code(l)}`)));
    if (esc.supportUrl) blocks.push(context(`🎫 ${link(esc.supportUrl, view.labels.openSupport)}`));
  } else if (view.state === 'fixed' && view.fixed) {
    blocks.push(section(`✅ ${bold(view.fixed.title)}\n${escapeMrkdwn(view.fixed.note)}`));
  }

  blocks.push(divider);
  const causeLines = view.causes.map((c) => (c.status === 'current' || c.status === 'fixed' ? bold(c.line) : c.status === 'ruled-out' ? `~${escapeMrkdwn(c.line)}~` : escapeMrkdwn(c.line)));
  const checksHeader = view.checks ? `\n${bold(view.checks.heading)}\n${escapeMrkdwn(view.checks.summary)} ${escapeMrkdwn(view.checks.checkedAt)}` : '';
  blocks.push(...sections(`${bold(view.labels.allCauses)}${checksHeader}`, causeLines));
  const seenVerbs = new Map<string, number>();
  blocks.push(...actionsBlocks([...view.actions, ...view.causeActions, ...view.navigation.actions], 'troubleshoot', seenVerbs));
  // Any cause in one press: Block Kit has no show-card, so one small button per other cause, added
  // only where they fit whole (the cause's own text is never cut for them; Next and Previous remain).
  const buttons = view.navigation.causeButtons.map((b) => ({ ...b, title: truncate(b.title, jumpButtonChars) }));
  if (buttons.length > 0 && buttons.length <= BlockKitLimits.actionsElements) {
    const jump = [context(escapeMrkdwn((view.navigation.jump?.title ?? '').replace(/…$/, ':'))), ...actionsBlocks(buttons, 'causes', seenVerbs)];
    if (blocks.length + jump.length <= BlockKitLimits.blocksPerMessage && blockChars([...blocks, ...jump]) <= BlockKitLimits.totalBlockChars) blocks.push(...jump);
  }

  const title = view.cause?.title ?? view.escalation?.title ?? view.fixed?.title ?? '';
  const text = view.state === 'cause' ? `${view.codeId}: ${view.heading}: ${title}` : `${view.codeId}: ${title}`;
  return fitMessage({ text, blocks }, { moreUrl, moreLabel: slackLabels.readMore[lang] });
}

export function stepLines(steps: readonly StepView[]): string[] {
  return steps.map((step) => {
    const commands = step.commands.map((c) => `\n      ${code(c)}`).join('');
    return `${step.number}. ${escapeMrkdwn(step.text)}${commands}`;
  });
}

/**
 * A titled list as one section, or several when the lines would pass the section limit
 * (a single line too long for a section is cut later by fitMessage).
 */
export function sections(title: string, lines: readonly string[]): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  let current = title;
  for (const line of lines) {
    if (current.length + 1 + line.length > BlockKitLimits.sectionTextChars && current !== title && current.length > 0) {
      blocks.push(section(current));
      current = line;
    } else {
      current = current.length > 0 ? `${current}\n${line}` : line;
    }
  }
  if (current.length > 0) blocks.push(section(current));
  return blocks;
}

export function moreLabel(lang: Language): string {
  return slackLabels.readMore[lang];
}
