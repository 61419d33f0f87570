/** The "Run checks" verb, the same one the Teams card uses. */
export const RunChecksVerb = 'checks.run';

/**
 * Labels of the "Run checks" flow in Slack. The results themselves are part of the
 * troubleshooting message (renderTroubleshootMessage): each cause's verdict in the documented
 * order, the current cause's evidence, and "Go to likely cause".
 */
export const checkLabels = {
  runChecks: { en: 'Run checks', pl: 'Sprawdź w Azure' },
  runAgain: { en: 'Run checks again', pl: 'Sprawdź ponownie' },
  running: { en: 'Running the checks in Azure…', pl: 'Sprawdzam w Azure…' },
  noTargetTitle: { en: 'Which VM?', pl: 'Która maszyna?' },
  noTarget: {
    en: 'This troubleshooting message is not tied to a VM the bot can find in Azure, so there is nothing to check.',
    pl: 'Ta wiadomość nie dotyczy maszyny, którą bot może znaleźć w Azure, więc nie ma czego sprawdzać.',
  },
} as const;
