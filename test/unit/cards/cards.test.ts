import { renderCard, type AdaptiveCardJson } from '../../../src/channels/teams/card-renderer';
import type { Language } from '../../../src/core/knowledge/schema';
import { applyStep, newSession, type TroubleshootSession } from '../../../src/core/troubleshoot/session';
import {
  buildChooseCodeView,
  buildCodesView,
  buildErrorView,
  buildExpiredView,
  buildHelpView,
  buildInvalidActionView,
  buildSessionNotFoundView,
  buildUnknownView,
  buildWelcomeView,
} from '../../../src/core/views/conversation-views';
import { buildTroubleshootView } from '../../../src/core/views/troubleshoot-view';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { checkCard, maxCardBytes } from '../../helpers/card-validator';
import { cardText } from '../../helpers/connector-stub';

const kb = loadKnowledgeBase();
const languages: Language[] = ['en', 'pl'];
const t0 = new Date('2026-01-01T00:00:00Z');

function sessionFor(codeId: string, language: Language): TroubleshootSession {
  const causeIds = kb.orderedCauses(codeId).map((c) => c.id);
  return newSession({ id: 'AbCdEfGh12345678', codeId, causeIds, language, conversationId: 'c', createdBy: 'u', now: t0, ttlMs: 3_600_000, target: { vm: 'vm-app-01', vault: 'vault-prod' } });
}

function expectValid(card: AdaptiveCardJson, data: unknown): void {
  const problems = checkCard(card, data);
  expect({ parse: problems.parse, validation: problems.validation, unresolved: problems.unresolved, actions: problems.actions }).toEqual({ parse: [], validation: [], unresolved: [], actions: [] });
  expect(problems.bytes).toBeLessThan(maxCardBytes);
  expect(card.version).toBe('1.5');
}

describe.each(languages)('troubleshooting card (%s)', (language) => {
  test.each(kb.codes.map((c) => c.id))('%s: every cause, the escalation and the fixed state render valid', (codeId) => {
    let session = sessionFor(codeId, language);
    for (let i = 0; i <= session.causeCount; i += 1) {
      const view = buildTroubleshootView(kb, session);
      expectValid(renderCard('troubleshoot', view), view);
      if (i < session.causeCount) expect(cardText(renderCard('troubleshoot', view))).toContain(kb.cause(session.causeIds[i] as string)?.title[language]);
      session = applyStep(session, { kind: 'still-failing' }, t0, 3_600_000);
    }
    const fixed = applyStep(applyStep(session, { kind: 'go-to', index: 0 }, t0, 1), { kind: 'fixed' }, t0, 1);
    const view = buildTroubleshootView(kb, fixed, { actorName: 'Alex Wilber' });
    expectValid(renderCard('troubleshoot', view), view);
  });
});

describe.each(languages)('conversation cards (%s)', (language) => {
  test('welcome, help, codes, unknown, choose-code and notices render valid', () => {
    const views = [
      ['welcome', buildWelcomeView(language)],
      ['help', buildHelpView(language)],
      ['codes', buildCodesView(kb, language)],
      ['unknown-code', buildUnknownView(kb, ['UserErrorGuestAgentStatusUnavailable', 'ExtensionSnapshotFailedNoNetwork', 'BackUpOperationFailed'], language)],
      ['unknown-code', buildUnknownView(kb, [], language)],
      ['choose-code', buildChooseCodeView(kb, kb.codes.slice(0, 6).map((c) => c.id), language)],
      ['notice', buildExpiredView(language, 72)],
      ['notice', buildSessionNotFoundView(language)],
      ['notice', buildInvalidActionView(language)],
      ['notice', buildErrorView(language)],
    ] as const;
    for (const [name, view] of views) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the pairs above match by construction
      expectValid(renderCard(name, view as any), view);
    }
  });

  test('the codes card lists every known code, grouped by area', () => {
    const text = cardText(renderCard('codes', buildCodesView(kb, language)));
    for (const code of kb.codes) expect(text).toContain(code.id);
    // The codes are text, not buttons: the card must not ask the reader to press them.
    expect(text).not.toMatch(/Press a code|Naciśnij kod/);
  });
});

test('Polish cards say "Przyczyna k z n" and English ones "Cause k of n"', () => {
  const pl = cardText(renderCard('troubleshoot', buildTroubleshootView(kb, sessionFor('UserErrorGuestAgentStatusUnavailable', 'pl'))));
  const en = cardText(renderCard('troubleshoot', buildTroubleshootView(kb, sessionFor('UserErrorGuestAgentStatusUnavailable', 'en'))));
  const n = kb.orderedCauses('UserErrorGuestAgentStatusUnavailable').length;
  expect(pl).toContain(`Przyczyna 1 z ${n}`);
  expect(en).toContain(`Cause 1 of ${n}`);
});

test('a fixed card names who marked it, says a verifying backup confirmed it, and never shows "Marked by ?"', () => {
  const fixed = applyStep(applyStep(sessionFor('UserErrorGuestAgentStatusUnavailable', 'en'), { kind: 'go-to', index: 1 }, t0, 1), { kind: 'fixed' }, t0, 1);
  expect(cardText(renderCard('troubleshoot', buildTroubleshootView(kb, fixed, { actorName: 'Alex Wilber' })))).toContain('Marked by Alex Wilber');
  const verified = cardText(renderCard('troubleshoot', buildTroubleshootView(kb, fixed, { verifiedByBackup: true })));
  expect(verified).toContain('the backup run after the approved fix succeeded');
  expect(verified).not.toContain('Run an on-demand backup to confirm');
  const anonymous = cardText(renderCard('troubleshoot', buildTroubleshootView(kb, fixed)));
  expect(anonymous).not.toContain('?');
  expect(anonymous).toContain('Run an on-demand backup to confirm.');
});

test('commands are shown verbatim in monospace', () => {
  const cause = kb.orderedCauses('GuestAgentSnapshotTaskStatusError').find((c) => c.steps.some((s) => (s.commands ?? []).length > 0));
  expect(cause).toBeDefined();
  const session = sessionFor('GuestAgentSnapshotTaskStatusError', 'en');
  const index = session.causeIds.indexOf(cause?.id as string);
  const card = renderCard('troubleshoot', buildTroubleshootView(kb, applyStep(session, { kind: 'go-to', index }, t0, 1)));
  const command = cause?.steps.flatMap((s) => s.commands ?? [])[0] as string;
  const monospace: string[] = [];
  JSON.stringify(card, (key, value: unknown) => {
    if (value && typeof value === 'object' && (value as Record<string, unknown>)['fontType'] === 'Monospace') monospace.push(String((value as Record<string, unknown>)['text']));
    return value;
  });
  expect(monospace).toContain(command);
});

test('text from users and Azure is data: a "${...}" in it is shown literally, never evaluated', () => {
  const hostile = '${string(1+1)} ${labels.why} ${$root}';
  const view = { ...buildUnknownView(kb, [], 'en'), title: hostile, examples: [hostile] };
  const card = renderCard('unknown-code', view);
  const text = cardText(card);
  expect(text).toContain(hostile);
  expect(text).not.toContain('Why it happens');
  expect(checkCard(card, view).unresolved).toEqual([]);
});

test('card buttons carry only a versioned payload with an opaque id', () => {
  const card = renderCard('troubleshoot', buildTroubleshootView(kb, sessionFor('UserErrorGuestAgentStatusUnavailable', 'en')));
  for (const action of card['actions'] as { data: Record<string, unknown> }[]) expect(action.data).toEqual({ v: 1, sessionId: 'AbCdEfGh12345678' });
});

test('buttons other features add under a cause render as Action.Execute with fallbacks, at most 5', () => {
  const extraActions = Array.from({ length: 7 }, (_, i) => ({ title: `Check ${i}`, verb: 'checks.run', data: { v: 1, sessionId: 'AbCdEfGh12345678', check: i } }));
  const view = buildTroubleshootView(kb, sessionFor('UserErrorGuestAgentStatusUnavailable', 'en'), { extraActions });
  const card = renderCard('troubleshoot', view);
  expectValid(card, view);
  // Each button names its verb twice: the Action.Execute and its Action.Submit fallback's data.
  expect(JSON.stringify(card).match(/"verb":"checks.run"/g)).toHaveLength(10);
});
