import type { CheckReportView } from '../../../core/checks/check-report-view';
import type { TroubleshootSession } from '../../../core/troubleshoot/session';
import { type CardButton, PayloadVersion, Verbs, sessionButton } from '../../../core/views/card-actions';
import { type SlackBlock, type SlackMessage, bold, context, escapeMrkdwn, header, section } from './block-kit';
import { actionsBlocks } from './buttons';
import { fitMessage } from './fit-message';
import { defaultDocsUrl, slackLabels } from './troubleshoot-blocks';

/** The "Run checks" verb, the same one the Teams card uses. */
export const RunChecksVerb = 'checks.run';

export const checkLabels = {
  runChecks: { en: 'Run checks', pl: 'Sprawdź w Azure' },
  runAgain: { en: 'Run checks again', pl: 'Sprawdź ponownie' },
  backToCause: { en: 'Back to cause', pl: 'Wróć do przyczyny' },
  running: { en: 'Running the checks in Azure…', pl: 'Sprawdzam w Azure…' },
  noTargetTitle: { en: 'Which VM?', pl: 'Która maszyna?' },
  noTarget: {
    en: 'This troubleshooting message is not tied to a VM the bot can find in Azure, so there is nothing to check.',
    pl: 'Ta wiadomość nie dotyczy maszyny, którą bot może znaleźć w Azure, więc nie ma czego sprawdzać.',
  },
} as const;

/**
 * The check report on the same message as the troubleshooting view: every cause in the
 * documented order with its verdict and evidence, "Go to likely cause", "Back to cause k"
 * and "Run checks again" (all stepping the same session).
 */
export function renderCheckReportMessage(view: CheckReportView, session: TroubleshootSession): SlackMessage {
  const lang = view.language;
  const blocks: SlackBlock[] = [header(view.heading), section(`${bold(session.codeId)}\n${escapeMrkdwn(view.summary)}`)];
  for (const cause of view.causes) {
    const checks = cause.checks.map((check) => {
      const manual = check.manual === undefined ? '' : `\n      _${escapeMrkdwn(check.manual)}_`;
      return `${check.icon} ${escapeMrkdwn(check.title)}: ${escapeMrkdwn(check.evidence)}${manual}`;
    });
    blocks.push(section([bold(`${cause.position}. ${cause.verdictIcon} ${cause.title}: ${cause.verdictLabel}`), ...checks].join('\n')));
  }
  blocks.push(context(escapeMrkdwn(view.durationText)));

  const buttons: CardButton[] = [];
  if (view.goToLikelyCause !== undefined) {
    buttons.push({ title: view.goToLikelyCause.label, verb: Verbs.goTo, data: { v: PayloadVersion, sessionId: session.id, index: view.goToLikelyCause.index }, style: 'positive' });
  }
  const back = Math.min(session.cursor, Math.max(0, session.causeCount - 1));
  buttons.push({ title: `${checkLabels.backToCause[lang]} ${back + 1}`, verb: Verbs.goTo, data: { v: PayloadVersion, sessionId: session.id, index: back } });
  buttons.push(sessionButton(checkLabels.runAgain[lang], RunChecksVerb, session.id));
  blocks.push(...actionsBlocks(buttons, 'checks'));
  return fitMessage({ text: `${view.heading}: ${view.summary}`, blocks }, { moreUrl: defaultDocsUrl, moreLabel: slackLabels.readMore[lang] });
}
