import type { Cause, ErrorCodeEntry, Language } from '../../../src/core/knowledge/schema';
import { type CauseCheck, type TroubleshootSession, applyChecks, applyStep, newSession } from '../../../src/core/troubleshoot/session';
import { sessionButton } from '../../../src/core/views/card-actions';
import { buildChooseCodeView, buildCodesView, buildErrorView, buildExpiredView, buildHelpView, buildInvalidActionView, buildSessionNotFoundView, buildUnknownView } from '../../../src/core/views/conversation-views';
import type { KnowledgeLookup } from '../../../src/core/views/knowledge-lookup';
import { buildTroubleshootView } from '../../../src/core/views/troubleshoot-view';
import { BlockKitLimits, type SlackMessage } from '../../../src/channels/slack/blocks/block-kit';
import { RunChecksVerb } from '../../../src/features/checks/run-checks-flow';
import { renderChooseCodeMessage, renderCodesMessage, renderHelpMessage, renderNoticeMessage, renderTextMessage, renderUnknownMessage } from '../../../src/channels/slack/blocks/conversation-blocks';
import { blockChars } from '../../../src/channels/slack/blocks/fit-message';
import { renderTroubleshootMessage } from '../../../src/channels/slack/blocks/troubleshoot-blocks';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { renderIncidentMessage } from '../../../src/channels/slack/blocks/incident-blocks';
import { renderFixMessage } from '../../../src/channels/slack/blocks/fix-blocks';
import { incidentCardData } from '../../../src/core/incidents/incident-view';
import type { Incident } from '../../../src/core/incidents/incident';

const knowledge = loadKnowledgeBase(undefined);
const languages: Language[] = ['en', 'pl'];
const now = new Date('2025-11-20T10:00:00Z');

/** Every Block Kit limit the bot can run into; returns the broken ones (empty when the message fits). */
function limitProblems(message: SlackMessage): string[] {
  const problems: string[] = [];
  const { blocks } = message;
  if (blocks.length > BlockKitLimits.blocksPerMessage) problems.push(`${blocks.length} blocks`);
  if (blockChars(blocks) > 13000) problems.push(`${blockChars(blocks)} characters of blocks`);
  if (message.text.length === 0 || message.text.length > BlockKitLimits.messageTextChars) problems.push('text missing or too long');
  const actionIds: string[] = [];
  for (const block of blocks) {
    if (block.type === 'header' && (block.text.text.length > BlockKitLimits.headerTextChars || block.text.text.length === 0)) problems.push('header text');
    if (block.type === 'section' && (block.text.text.length > BlockKitLimits.sectionTextChars || block.text.text.trim().length === 0)) problems.push(`section of ${block.text.text.length}`);
    if (block.type === 'context') {
      if (block.elements.length > BlockKitLimits.contextElements) problems.push('context elements');
      for (const e of block.elements) if (e.text.length > BlockKitLimits.sectionTextChars) problems.push('context text');
    }
    if (block.type === 'actions') {
      if (block.elements.length === 0 || block.elements.length > BlockKitLimits.actionsElements) problems.push(`actions block of ${block.elements.length}`);
      for (const b of block.elements) {
        if (b.text.text.length > BlockKitLimits.buttonTextChars) problems.push(`button text ${b.text.text}`);
        if ((b.value ?? '').length > BlockKitLimits.buttonValueChars) problems.push('button value');
        if (b.action_id.length > BlockKitLimits.actionIdChars) problems.push('action id');
        if (b.value === undefined && b.url === undefined) problems.push('button does nothing');
        actionIds.push(b.action_id);
      }
    }
  }
  if (new Set(actionIds).size !== actionIds.length) problems.push(`duplicate action ids ${actionIds.join(',')}`);
  return problems;
}

/** Every state a session of this code can show: each cause, escalation, fixed on each cause, fixed at escalation. */
function everyState(codeId: string, language: Language, withTarget: boolean): TroubleshootSession[] {
  const causeIds = knowledge.orderedCauses(codeId).map((c) => c.id);
  let session = newSession({
    id: 'sessionIdForLimits01',
    codeId,
    causeIds,
    language,
    conversationId: 'slack:T1:C1',
    createdBy: 'U1',
    now,
    ttlMs: 3_600_000,
    ...(withTarget ? { target: { vm: 'vm-sql01-with-a-rather-long-name', vault: 'rsv-prod-westeurope', resourceGroup: 'rg-prod', jobId: '5b1f0c3e-9a55-4c11-a1d2-000000000000' } } : {}),
  });
  const states: TroubleshootSession[] = [];
  for (let i = 0; i <= causeIds.length; i += 1) {
    states.push(session);
    states.push(applyStep(session, { kind: 'fixed' }, now, 3_600_000));
    session = applyStep(session, { kind: 'still-failing' }, now, 3_600_000);
  }
  return states;
}

describe('Block Kit limits for every message the bot can send', () => {
  test('every code of the knowledge base, in both languages, at every cause, at escalation and fixed, with and without a VM and Run checks', () => {
    let rendered = 0;
    for (const code of knowledge.codes) {
      for (const language of languages) {
        for (const withTarget of [false, true]) {
          for (const session of everyState(code.id, language, withTarget)) {
            const extraActions = withTarget ? [sessionButton('Run checks', RunChecksVerb, session.id)] : [];
            const message = renderTroubleshootMessage(buildTroubleshootView(knowledge, session, { extraActions, actorName: 'ola.nowak' }));
            const problems = limitProblems(message);
            if (problems.length > 0) throw new Error(`${code.id} ${language} cursor ${session.cursor} ${session.outcome ?? ''}: ${problems.join('; ')}`);
            rendered += 1;
          }
        }
      }
    }
    expect(rendered).toBeGreaterThan(knowledge.codes.length * 8);
  });

  test('every cause and step of the knowledge base appears whole (nothing real is cut)', () => {
    for (const code of knowledge.codes) {
      const causes = knowledge.orderedCauses(code);
      for (const [index, cause] of causes.entries()) {
        let session = newSession({ id: 'sessionIdForLimits01', codeId: code.id, causeIds: causes.map((c) => c.id), language: 'pl', conversationId: 'slack:T1:C1', createdBy: 'U1', now, ttlMs: 3_600_000 });
        session = applyStep(session, { kind: 'go-to', index }, now, 3_600_000);
        // Button labels are cut by design (the cause list above names each cause in full); the text is not.
        const text = renderTroubleshootMessage(buildTroubleshootView(knowledge, session))
          .blocks.filter((b) => b.type !== 'actions')
          .map((b) => JSON.stringify(b))
          .join('');
        for (const step of cause.steps) for (const command of step.commands ?? []) expect(text).toContain(JSON.stringify(command.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')).slice(1, -1));
        expect(text).not.toContain('…');
      }
    }
  });

  test('help, codes, unknown, choose-code and notices fit, in both languages', () => {
    for (const language of languages) {
      const messages = [
        renderHelpMessage(buildHelpView(language), language),
        renderCodesMessage(buildCodesView(knowledge, language), language),
        renderUnknownMessage(buildUnknownView(knowledge, knowledge.codes.slice(0, 3).map((c) => c.id), language), language),
        renderUnknownMessage(buildUnknownView(knowledge, [], language), language),
        renderChooseCodeMessage(buildChooseCodeView(knowledge, knowledge.codes.map((c) => c.id), language), language),
        renderNoticeMessage(buildExpiredView(language, 72), language),
        renderNoticeMessage(buildSessionNotFoundView(language), language),
        renderNoticeMessage(buildInvalidActionView(language), language),
        renderNoticeMessage(buildErrorView(language), language),
      ];
      for (const message of messages) expect(limitProblems(message)).toEqual([]);
    }
  });

  test('after Run checks, every code fits at every cause with a verdict and long evidence on each cause, and keeps "Go to likely cause" and a button per cause', () => {
    const verdicts = ['ruled-out', 'likely', 'unknown'] as const;
    for (const code of knowledge.codes) {
      const causes = knowledge.orderedCauses(code);
      const checked: Record<string, CauseCheck> = Object.fromEntries(
        causes.map((cause, i) => [
          cause.id,
          { verdict: verdicts[i % 3] ?? 'unknown', evidence: { en: `Evidence ${'x'.repeat(380)} <b>&`, pl: `Dowód ${'ż'.repeat(380)}` }, manual: { en: 'Check by hand in the guest.', pl: 'Sprawdź ręcznie w systemie gościa.' } },
        ]),
      );
      for (const language of languages) {
        let session = newSession({ id: 'sessionIdForLimits01', codeId: code.id, causeIds: causes.map((c) => c.id), language, conversationId: 'slack:T1:C1', createdBy: 'U1', now, ttlMs: 3_600_000, target: { vm: 'vm-sql01' } });
        session = applyChecks(session, { checkedAt: now.toISOString(), target: 'vm-sql01', causes: checked }, now, 3_600_000);
        for (let index = 0; index < causes.length; index += 1) {
          const at = applyStep(session, { kind: 'go-to', index }, now, 3_600_000);
          const message = renderTroubleshootMessage(buildTroubleshootView(knowledge, at, { extraActions: [sessionButton('Run checks again', RunChecksVerb, at.id)] }));
          expect(limitProblems(message)).toEqual([]);
          expect(message.blocks.at(-1)?.type).toBe('actions');
          const buttons = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.text.text) : []));
          if (causes.length > 1) {
            expect(buttons).toContain(language === 'en' ? 'Go to likely cause (2)' : 'Przejdź do prawdopodobnej przyczyny (2)');
            // One button per cause other than the one shown.
            expect(buttons.filter((t) => /^\d+\. /.test(t))).toHaveLength(causes.length - 1);
          }
        }
      }
    }
  });
});

describe('cutting safely when content is too big', () => {
  const longText = (n: number, word = 'lorem') => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');
  const hugeCause = (i: number): Cause => ({
    id: `huge-cause-${i}`,
    title: { en: `Huge cause ${i} ${'t'.repeat(200)}`, pl: `Ogromna przyczyna ${i}` },
    why: { en: longText(900), pl: longText(900, 'ipsum') },
    appliesTo: 'any',
    steps: Array.from({ length: 30 }, (_, s) => ({ text: { en: `Step ${s} ${longText(60)} <vm> & more`, pl: `Krok ${s}` }, commands: [`sudo run --step ${s} \`quoted\``, `C:\\Path\\${s}`] })),
    logs: Array.from({ length: 40 }, (_, l) => `/var/log/huge-${l}.log`),
    docUrl: 'https://learn.microsoft.com/azure/backup/huge',
    checks: [],
    fixes: [],
    editions: ['current'],
  });
  const causes = Array.from({ length: 60 }, (_, i) => hugeCause(i));
  const code: ErrorCodeEntry = { ...(knowledge.codes[0] as ErrorCodeEntry), id: 'UserErrorHuge', causes: causes.map((c) => ({ cause: c.id, edition: 'current' as const })) };
  const lookup: KnowledgeLookup = {
    codes: [code],
    findCode: (id) => (id === code.id ? code : undefined),
    cause: (id) => causes.find((c) => c.id === id),
    escalation: knowledge.escalation,
  };

  test('a view far over every limit still fits, keeps its buttons, and says where the rest is', () => {
    const session = newSession({ id: 'sessionIdForLimits01', codeId: code.id, causeIds: causes.map((c) => c.id), language: 'en', conversationId: 'slack:T1:C1', createdBy: 'U1', now, ttlMs: 3_600_000 });
    const extraActions = Array.from({ length: 5 }, (_, i) => sessionButton(`Extra ${i} ${'b'.repeat(100)}`, RunChecksVerb, session.id));
    const stepped = applyStep(session, { kind: 'next' }, now, 3_600_000);
    const message = renderTroubleshootMessage(buildTroubleshootView(lookup, stepped, { extraActions }));
    expect(limitProblems(message)).toEqual([]);
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('…');
    expect(json).toContain('<https://learn.microsoft.com/azure/backup/huge|Read more>');
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'UserErrorHuge', emoji: true } });
    // What matters most survives the cuts: where the session is and which cause.
    expect(json).toContain('*Cause 2 of 60: Huge cause 1 ');
    const buttons = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(buttons.map((b) => b.action_id).slice(0, 4)).toEqual(['troubleshoot.previous', 'troubleshoot.next', 'troubleshoot.fixed', 'troubleshoot.still-failing']);
    expect(buttons).toHaveLength(9);
    // Cut text never leaves a half escape, an open link or open code formatting behind.
    for (const block of message.blocks) {
      if (block.type !== 'section') continue;
      const text = block.text.text;
      expect(text).not.toMatch(/&[a-z]{0,3}…/);
      expect((text.replace(/```/g, '').match(/`/g) ?? []).length % 2).toBe(0);
      expect((text.match(/</g) ?? []).length).toBe((text.match(/>/g) ?? []).length);
    }
  });

  test('user and knowledge text is escaped for mrkdwn: <, > and & never become links or mentions', () => {
    const session = newSession({ id: 'sessionIdForLimits01', codeId: code.id, causeIds: causes.map((c) => c.id), language: 'en', conversationId: 'slack:T1:C1', createdBy: 'U1', now, ttlMs: 3_600_000 });
    const json = JSON.stringify(renderTroubleshootMessage(buildTroubleshootView(lookup, session)).blocks);
    expect(json).toContain('&lt;vm&gt; &amp; more');
    expect(json).not.toContain('<vm>');
    expect(json).toContain('```sudo run --step 0 `quoted````');
  });
});

describe('Block Kit limits for the fix, question and incident messages', () => {
  test('a 500-VM incident with 1,000-character names and an 8,000-character message fits, with its Troubleshoot buttons', () => {
    const long = (prefix: string, n: number) => `${prefix}${'x'.repeat(n)}`;
    const at = new Date('2026-12-03T08:00:00Z');
    const vms = Array.from({ length: 500 }, (_, i) => ({ key: `vm-${i}`, name: long(`vm-${i}-`, 1000), resourceGroup: long('rg-', 1000), state: 'fired' as const, firstSeenAt: at, lastSeenAt: at }));
    const incident: Incident = {
      id: 'incident000001',
      groupKey: 'k',
      vault: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: long('rg-', 1000), name: long('rsv-', 1000) },
      code: 'UserErrorGuestAgentStatusUnavailable',
      message: long('The VM agent is unable to communicate with the Azure Backup Service. ', 8000),
      openedAt: at,
      lastAlertAt: at,
      vmCount: 500,
      recoveredCount: 0,
      revision: 1,
      vms,
    };
    for (const language of languages) {
      const message = renderIncidentMessage(incidentCardData(incident, language), language);
      expect(limitProblems(message)).toEqual([]);
      expect(message.blocks.some((b) => b.type === 'actions')).toBe(true);
    }
  });

  test('names from an alert cannot become a mention or a link in the notification text either', () => {
    const at = new Date('2026-12-03T08:00:00Z');
    const hostile = '<!channel> <@U0ADMIN> <https://evil.example|vault> & co';
    const incident: Incident = {
      id: 'incident000002',
      groupKey: 'k',
      vault: { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', name: hostile },
      code: 'UserErrorGuestAgentStatusUnavailable',
      message: hostile,
      openedAt: at,
      lastAlertAt: at,
      vmCount: 1,
      recoveredCount: 0,
      revision: 1,
      vms: [{ key: 'vm-1', name: hostile, resourceGroup: 'rg', state: 'fired', firstSeenAt: at, lastSeenAt: at }],
    };
    const message = renderIncidentMessage(incidentCardData(incident, 'en'), 'en');
    // plain_text (a header, a button's label) is never parsed; mrkdwn and the top-level text are.
    const mrkdwn: string[] = [message.text];
    JSON.stringify(message.blocks, (key, value: unknown) => {
      if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'mrkdwn') mrkdwn.push(String((value as { text?: unknown }).text));
      return value;
    });
    expect(mrkdwn.length).toBeGreaterThan(4);
    const everything = mrkdwn.join('\n');
    expect(everything).not.toContain('<!channel>');
    expect(everything).not.toContain('<@U0ADMIN>');
    expect(everything).not.toContain('<https://evil.example');
    expect(message.text).toContain('&lt;!channel&gt; &lt;@U0ADMIN&gt; &lt;https://evil.example|vault&gt; &amp; co');
  });

  test('a plain answer is shown as written and fits, however long', () => {
    const message = renderTextMessage(`Subscribed to <!here> ${'y'.repeat(100_000)}`, 'en');
    expect(limitProblems(message)).toEqual([]);
    expect(message.text.startsWith('Subscribed to &lt;!here&gt; ')).toBe(true);
    expect(JSON.stringify(message.blocks)).not.toContain('<!here>');
  });

  test('a fix card with a long run-command output and many operations fits, keeping Approve and Reject', () => {
    const view = {
      heading: 'Restart the Windows guest agent',
      status: 'Succeeded',
      statusColor: 'good' as const,
      facts: [{ title: 'Target', value: 'vm-sql01 · rg-prod · sub' }],
      summary: 'y'.repeat(5000),
      hasOperations: true,
      operations: Array.from({ length: 60 }, (_, i) => ({ number: i + 1, text: `Operation ${i + 1} ${'z'.repeat(300)}`, lines: ['Restart-Service WindowsAzureGuestAgent'] })),
      changes: 'c'.repeat(4000),
      undo: 'u'.repeat(4000),
      labels: { operations: 'Exact Azure operations', changes: 'What it changes', undo: 'How to undo it' },
      hasProblems: false,
      problems: [],
      hasOutput: true,
      output: `[stdout]\n${'line of output ```with backticks``` & <tags>\n'.repeat(2000)}`,
      hasNotice: true,
      notice: 'n'.repeat(4000),
      actions: [
        { title: 'Approve', verb: 'fix.approve', data: { v: 1, requestId: 'request0001' }, style: 'positive' as const },
        { title: 'Reject', verb: 'fix.reject', data: { v: 1, requestId: 'request0001' }, style: 'destructive' as const },
      ],
    };
    const message = renderFixMessage(view, 'en');
    expect(limitProblems(message)).toEqual([]);
    const labels = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.text.text) : []));
    expect(labels).toEqual(['Approve', 'Reject']);
  });
});
