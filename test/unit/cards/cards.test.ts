import { cardByteSize, renderCard, type AdaptiveCardJson } from '../../../src/channels/teams/card-renderer';
import type { Language } from '../../../src/core/knowledge/schema';
import { applyChecks, applyStep, newSession, type CauseCheck, type TroubleshootSession } from '../../../src/core/troubleshoot/session';
import { parseResourceQuestion } from '../../../src/core/questions';
import { parseSubscriptionCommand } from '../../../src/core/incidents/subscription';
import { helpGroups } from '../../../src/core/views/conversation-views';
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
import { cardExecutes, cardText } from '../../helpers/connector-stub';

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

test('a code Microsoft documents without a message says so where the message goes, in English and Polish, and steps through both workloads\' causes', () => {
  const en = buildTroubleshootView(kb, sessionFor('WorkloadExtensionNotReachable', 'en'));
  expect(en.codeMessage).toBe('Microsoft documents this code without its message: it is known by the code alone.');
  expect(cardText(renderCard('troubleshoot', en))).toContain('Cause 1 of 2');
  expect(buildTroubleshootView(kb, sessionFor('WorkloadExtensionNotReachable', 'pl')).codeMessage).toBe('Microsoft opisuje ten kod bez komunikatu: rozpoznaje się go tylko po kodzie.');
  const choose = buildChooseCodeView(kb, ['WorkloadExtensionNotReachable', 'WorkloadExtensionNotPresent'], 'en');
  expect(choose.options.map((o) => o.message)).toEqual(['The workload backup extension on the VM does not answer: re-register the VM.', 'The workload backup extension is missing from the VM: re-register the VM.']);
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

test('card buttons carry only a versioned payload with an opaque id and the cause the card shows', () => {
  const card = renderCard('troubleshoot', buildTroubleshootView(kb, sessionFor('UserErrorGuestAgentStatusUnavailable', 'en')));
  for (const action of card['actions'] as { data: Record<string, unknown> }[]) expect(action.data).toEqual({ v: 1, sessionId: 'AbCdEfGh12345678', at: 0 });
});

test('buttons other features add under a cause render as Action.Execute with fallbacks, at most 5', () => {
  const extraActions = Array.from({ length: 7 }, (_, i) => ({ title: `Check ${i}`, verb: 'checks.run', data: { v: 1, sessionId: 'AbCdEfGh12345678', check: i } }));
  const view = buildTroubleshootView(kb, sessionFor('UserErrorGuestAgentStatusUnavailable', 'en'), { extraActions });
  const card = renderCard('troubleshoot', view);
  expectValid(card, view);
  // Each button names its verb twice: the Action.Execute and its Action.Submit fallback's data.
  expect(JSON.stringify(card).match(/"verb":"checks.run"/g)).toHaveLength(10);
});

function withChecks(session: TroubleshootSession, pattern: readonly CauseCheck['verdict'][], evidenceChars = 390): TroubleshootSession {
  const causes = Object.fromEntries(
    session.causeIds.map((id, i) => [
      id,
      { verdict: pattern[i % pattern.length] ?? 'unknown', evidence: { en: `E ${'e'.repeat(evidenceChars)}`, pl: `Ż ${'ż'.repeat(evidenceChars)}` }, manual: { en: 'M'.repeat(200), pl: 'm'.repeat(200) } },
    ]),
  );
  return applyChecks(session, { checkedAt: t0.toISOString(), target: 'vm-app-01', causes }, t0, 3_600_000);
}

describe.each(languages)('troubleshooting card after Run checks (%s)', (language) => {
  test.each(kb.codes.map((c) => c.id))('%s: every cause, escalation and fixed render valid and under 28 KB, with a verdict on every cause', (codeId) => {
    let session = withChecks(sessionFor(codeId, language), ['unknown', 'likely', 'ruled-out']);
    const runAgain = [{ title: 'Run checks again', verb: 'checks.run', data: { v: 1, sessionId: session.id } }];
    for (let i = 0; i <= session.causeCount; i += 1) {
      const view = buildTroubleshootView(kb, session, { extraActions: [...runAgain, ...runAgain, ...runAgain, ...runAgain, ...runAgain] });
      const card = renderCard('troubleshoot', view);
      expectValid(card, view);
      const text = cardText(card);
      // Every cause under its number with its verdict marker, in the documented order.
      const lines = session.causeIds.map((_, k) => text.indexOf(`\n${k + 1}. ${['❔', '⚠️', '✅'][k % 3]} `));
      expect(lines.every((p) => p >= 0)).toBe(true);
      expect(lines.slice(1).every((p, k) => p > (lines[k] as number))).toBe(true);
      session = applyStep(session, { kind: 'still-failing' }, t0, 3_600_000);
    }
    const fixed = applyStep(applyStep(session, { kind: 'go-to', index: 0 }, t0, 1), { kind: 'fixed' }, t0, 1);
    const view = buildTroubleshootView(kb, fixed, { actorName: 'Alex Wilber' });
    expectValid(renderCard('troubleshoot', view), view);
  });
});

test('after Run checks the card names what was checked, counts the verdicts, shows the current cause\'s evidence and offers "Go to likely cause"', () => {
  const session = withChecks(sessionFor('UserErrorGuestAgentStatusUnavailable', 'en'), ['ruled-out', 'likely', 'unknown'], 40);
  const card = renderCard('troubleshoot', buildTroubleshootView(kb, session, { formatTime: () => '10:00' }));
  const text = cardText(card);
  expect(text).toContain('Check results: vm-app-01');
  expect(text).toContain('2 likely, 2 ruled out, 2 unknown.');
  expect(text).toContain('Checked in Azure at 10:00');
  expect(text).toContain(`✅ Ruled out: E ${'e'.repeat(40)}`);
  expect(text).toContain('M'.repeat(200));
  // Only the current cause's evidence: cause 2's line is not on the card while cause 1 is shown.
  expect(text.match(/E e{40}/g)).toHaveLength(1);
  const go = cardExecutes(card).find((a) => a.title === 'Go to likely cause (2)');
  expect(go).toEqual({ title: 'Go to likely cause (2)', verb: 'troubleshoot.goto', data: { v: 1, sessionId: 'AbCdEfGh12345678', index: 1 } });
  // In Polish, too.
  const pl = cardText(renderCard('troubleshoot', buildTroubleshootView(kb, { ...session, language: 'pl' })));
  expect(pl).toContain('Wyniki sprawdzeń: vm-app-01');
  expect(pl).toContain('Prawdopodobne: 2, wykluczone: 2, nie wiadomo: 2.');
  expect(pl).toMatch(/\n2\. ⚠️ [^\n]+: Prawdopodobna\n/);
});

test('without checks the cause list is unchanged, and a fixed card offers no jumps', () => {
  const session = sessionFor('UserErrorGuestAgentStatusUnavailable', 'en');
  const card = renderCard('troubleshoot', buildTroubleshootView(kb, session));
  expect(cardText(card)).toContain(`\n1. ${kb.cause(session.causeIds[0] as string)?.title.en} ◀ current`);
  expect(cardText(card)).not.toContain('Check results');
  expect(cardExecutes(card).map((a) => a.title)).toContain('Open');
  const fixed = applyStep(withChecks(session, ['likely']), { kind: 'fixed' }, t0, 1);
  const fixedCard = renderCard('troubleshoot', buildTroubleshootView(kb, fixed));
  expect(cardExecutes(fixedCard).map((a) => a.verb)).toEqual(['troubleshoot.previous']);
});

test('a cause the operator marked "Still failing" reads as tried when the checks also judged it', () => {
  const session = applyStep(withChecks(sessionFor('UserErrorGuestAgentStatusUnavailable', 'en'), ['likely']), { kind: 'still-failing' }, t0, 1);
  const text = cardText(renderCard('troubleshoot', buildTroubleshootView(kb, session)));
  expect(text).toMatch(/\n1\. ⚠️ [^\n]+: Likely \(tried, still failing\)\n/);
});

describe('the help card teaches the resource questions, subscriptions and the audit, in English and Polish', () => {
  test.each(languages)('%s: every example is understood by the command it shows', (language) => {
    const [questions, alerts, audit] = helpGroups[language];
    for (const example of questions?.examples ?? []) expect(parseResourceQuestion(example)).toBeDefined();
    expect(questions?.examples.map((e) => parseResourceQuestion(e)?.kind)).toEqual(['explain-failure', 'list-failures', 'vault-status']);
    for (const example of alerts?.examples ?? []) expect(['subscribe', 'unsubscribe', 'list']).toContain(parseSubscriptionCommand(example)?.kind);
    for (const example of audit?.examples ?? []) expect(example).toMatch(/^(?:audit|audyt)(?:\s+([A-Za-z0-9._()-]{1,80}))?\s*$/i);
    // Polish examples are Polish questions, answered in Polish.
    if (language === 'pl') for (const example of questions?.examples ?? []) expect(parseResourceQuestion(example)?.language).toBe('pl');
    const text = cardText(renderCard('help', buildHelpView(language)));
    for (const group of helpGroups[language]) for (const example of group.examples) expect(text).toContain(example);
    expect(text).toContain(language === 'en' ? 'why did the backup of vm-sql01 fail?' : 'dlaczego nie udała się kopia zapasowa vm-sql01?');
  });
});

describe('rendered cards are reused across sessions safely', () => {
  function sessionIdsIn(card: unknown): string[] {
    const ids: string[] = [];
    JSON.stringify(card, (key, value: unknown) => {
      if (key === 'sessionId' && typeof value === 'string') ids.push(value);
      return value;
    });
    return ids;
  }

  it('gives each session its own id in every button, even when the view is otherwise identical', () => {
    const first = sessionFor('GuestAgentSnapshotTaskStatusError', 'en');
    const second = { ...first, id: 'ZyXwVuTs98765432' };
    const cardA = renderCard('troubleshoot', buildTroubleshootView(kb, first));
    const cardB = renderCard('troubleshoot', buildTroubleshootView(kb, second));
    expect(new Set(sessionIdsIn(cardA))).toEqual(new Set([first.id]));
    expect(new Set(sessionIdsIn(cardB))).toEqual(new Set([second.id]));
    expect(JSON.stringify(cardB).split(second.id).join(first.id)).toBe(JSON.stringify(cardA));
  });

  it('hands out frozen cards: changing a shared card throws instead of changing the next one', () => {
    const session = sessionFor('BackUpOperationFailed', 'pl');
    const card = renderCard('troubleshoot', buildTroubleshootView(kb, session)) as unknown as { body: unknown[] };
    expect(() => {
      card.body.length = 0;
    }).toThrow(TypeError);
    expect((renderCard('troubleshoot', buildTroubleshootView(kb, session)) as unknown as { body: unknown[] }).body.length).toBeGreaterThan(0);
  });

  it('gives each card\'s real size, whether known from its rendering or measured', () => {
    const first = sessionFor('BackUpOperationFailed', 'en');
    const longerId = { ...first, id: `${first.id}${'x'.repeat(37)}` };
    for (const session of [first, longerId]) {
      const card = renderCard('troubleshoot', buildTroubleshootView(kb, session));
      expect(cardByteSize(card)).toBe(Buffer.byteLength(JSON.stringify(card), 'utf8'));
    }
    const help = renderCard('help', buildHelpView('pl'));
    expect(cardByteSize(help)).toBe(Buffer.byteLength(JSON.stringify(help), 'utf8'));
  });
});
