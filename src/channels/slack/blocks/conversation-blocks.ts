import type { Language } from '../../../core/knowledge/schema';
import type { ChooseCodeView, CodesView, HelpView, NoticeView, UnknownView } from '../../../core/views/conversation-views';
import { type SlackBlock, type SlackMessage, bold, code, context, escapeMrkdwn, header, section } from './block-kit';
import { actionsBlocks } from './buttons';
import { fitMessage } from './fit-message';
import { defaultDocsUrl, sections, slackLabels } from './troubleshoot-blocks';

/** The conversation's fixed messages (help, codes, unknown, choose-code, notices) in Block Kit. */

function fit(text: string, blocks: SlackBlock[], lang: Language): SlackMessage {
  return fitMessage({ text, blocks }, { moreUrl: defaultDocsUrl, moreLabel: slackLabels.readMore[lang] });
}

/** A plain answer (a subscription's, an audit refusal), shown as it was written: nothing in it is formatting. */
export function renderTextMessage(text: string, lang: Language): SlackMessage {
  return fit(text, [section(escapeMrkdwn(text))], lang);
}

export function renderHelpMessage(view: HelpView, lang: Language): SlackMessage {
  const blocks: SlackBlock[] = [header(view.title), ...sections(escapeMrkdwn(view.intro), view.examples.map((e) => `• ${code(e)}`)), context(escapeMrkdwn(view.commands))];
  blocks.push(...actionsBlocks(view.actions, 'help'));
  return fit(view.title, blocks, lang);
}

export function renderCodesMessage(view: CodesView, lang: Language): SlackMessage {
  const blocks: SlackBlock[] = [header(view.title)];
  for (const area of view.areas) {
    const codes = area.codes
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0)
      .map(code)
      .join(', ');
    blocks.push(section(`${bold(area.area)}\n${codes}`));
  }
  blocks.push(...actionsBlocks(view.actions, 'codes'));
  return fit(view.title, blocks, lang);
}

export function renderUnknownMessage(view: UnknownView, lang: Language): SlackMessage {
  const blocks: SlackBlock[] = [header(view.title), section(escapeMrkdwn(view.text))];
  if (view.hasClosest) blocks.push(section(bold(view.closestLabel)));
  blocks.push(...actionsBlocks(view.actions, 'unknown'));
  blocks.push(...sections(bold(view.examplesLabel), view.examples.map((e) => `• ${code(e)}`)));
  return fit(`${view.title}. ${view.text}`, blocks, lang);
}

export function renderChooseCodeMessage(view: ChooseCodeView, lang: Language): SlackMessage {
  const blocks: SlackBlock[] = [header(view.title), section(escapeMrkdwn(view.text))];
  blocks.push(...sections('', view.options.map((o) => `• ${bold(o.codeId)}: ${escapeMrkdwn(o.message)}`)));
  blocks.push(...actionsBlocks(view.actions, 'choose'));
  return fit(`${view.title}: ${view.options.map((o) => o.codeId).join(', ')}`, blocks, lang);
}

export function renderNoticeMessage(view: NoticeView, lang: Language): SlackMessage {
  const blocks: SlackBlock[] = [section(`${bold(view.title)}\n${escapeMrkdwn(view.text)}`), ...actionsBlocks(view.actions, 'notice')];
  return fit(`${view.title}. ${view.text}`, blocks, lang);
}
