import { ConnectorStub, cardActions, cardOf, cardText } from '../../helpers/connector-stub';
import { botInstalled, executeInvoke, megan, mentionMessage, message, submitMessage } from '../../helpers/activities';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';

/**
 * The walking skeleton through the real restify server and CloudAdapter: activities POSTed
 * to /api/messages, replies and in-place updates captured by a local connector stub.
 */

let stub: ConnectorStub;
let serviceUrl: string;
let state: ReturnType<typeof tempStateFile>;
let bot: TestBot;

beforeAll(async () => {
  stub = new ConnectorStub();
  serviceUrl = await stub.start();
  state = tempStateFile();
  bot = await startTestBot(state.file);
});

afterAll(async () => {
  await bot.stop();
  await stub.stop();
  state.cleanup();
});

beforeEach(() => stub.clear());

/** Sends a message and returns the one card the bot answered with, plus that message's id. */
async function ask(text: string, options: Partial<Parameters<typeof message>[1]> = {}) {
  const before = stub.calls.length;
  const response = await bot.post(message(text, { serviceUrl, ...options }));
  expect(response.status).toBe(200);
  const calls = await stub.waitFor((c) => c.length > before);
  const call = calls[before];
  return { card: cardOf(call), id: call?.createdId as string, call };
}

async function press(verb: string, data: unknown, replyToId: string | undefined, options: Partial<Parameters<typeof message>[1]> = {}) {
  const response = await bot.post(executeInvoke(verb, data, replyToId, { serviceUrl, ...options }));
  expect(response.status).toBe(200);
  return response.body as { statusCode: number; type: string; value: unknown };
}

function action(card: unknown, title: string) {
  const found = cardActions(card).find((a) => a.title === title);
  if (!found) throw new Error(`no "${title}" button; buttons: ${cardActions(card).map((a) => a.title).join(', ')}`);
  return found;
}

describe('asking about a code', () => {
  test('an error code gives its card: code, message, cause 1 of n and every cause in the documented order', async () => {
    const { card, call } = await ask('UserErrorGuestAgentStatusUnavailable');
    expect(call?.kind).toBe('reply');
    const text = cardText(card);
    const code = bot.app.knowledge.findCode('UserErrorGuestAgentStatusUnavailable');
    const causes = bot.app.knowledge.orderedCauses('UserErrorGuestAgentStatusUnavailable');
    expect(text).toContain('UserErrorGuestAgentStatusUnavailable');
    expect(text).toContain(code?.messages.en[0]);
    expect(text).toContain(`Cause 1 of ${causes.length}`);
    expect(text).toContain(causes[0]?.title.en);
    // The full list, numbered in order, the first one marked current.
    const positions = causes.map((c) => text.indexOf(c.title.en));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].slice(1).every((p, i) => p > (positions[i] as number))).toBe(true);
    expect(text).toMatch(new RegExp(`1\\. ${escape(causes[0]?.title.en ?? '')} ◀`));
    expect(cardActions(card).map((a) => a.title)).toEqual(['Next', 'This fixed it', 'Still failing']);
  });

  test('the English message text finds the code', async () => {
    const { card } = await ask('Could not communicate with the VM agent for snapshot status');
    expect(cardText(card)).toContain('GuestAgentSnapshotTaskStatusError');
    expect(cardText(card)).toContain('Cause 1 of');
  });

  test('a Polish message gets a Polish card', async () => {
    const { card } = await ask('Nie można nawiązać komunikacji z usługą Azure Backup agent maszyny Wirtualnej');
    const text = cardText(card);
    const first = bot.app.knowledge.orderedCauses('UserErrorGuestAgentStatusUnavailable')[0];
    expect(text).toContain('UserErrorGuestAgentStatusUnavailable');
    expect(text).toMatch(/Przyczyna 1 z \d+/);
    expect(text).toContain(first?.title.pl);
    expect(cardActions(card).map((a) => a.title)).toEqual(['Następna', 'To pomogło', 'Nadal nie działa']);
  });

  test('a pl-PL client gets Polish even for a bare code', async () => {
    const { card } = await ask('ExtensionSnapshotFailedNoNetwork', { locale: 'pl-PL' });
    expect(cardText(card)).toMatch(/Przyczyna 1 z \d+/);
  });

  test('text without a code gets the "I don\'t know this one" card with examples', async () => {
    const { card } = await ask('my toaster is on fire');
    expect(cardText(card)).toContain("I don't know this one");
    expect(cardText(card)).toContain('UserErrorGuestAgentStatusUnavailable');
    expect(cardActions(card).some((a) => a.verb === 'help.show')).toBe(true);
  });

  test('a paste longer than the bot reads: a code near its start is still found; otherwise the answer says where reading stopped', async () => {
    const log = 'INFO nothing to see here\n'.repeat(40_000);
    const found = await ask(`UserErrorGuestAgentStatusUnavailable\n${log}`);
    expect(cardText(found.card)).toContain('Cause 1 of');
    const notFound = await ask(`${log}UserErrorGuestAgentStatusUnavailable`);
    expect(cardText(notFound.card)).toContain('I read only its first 64 KB');
  });

  test('several codes in one paste: one button each, and a press turns that card into the chosen code', async () => {
    const { card, id } = await ask('Job 1 failed with UserErrorGuestAgentStatusUnavailable and job 2 with UserErrorRpCollectionLimitReached');
    const buttons = cardActions(card);
    expect(buttons.map((b) => b.title).sort()).toEqual(['UserErrorGuestAgentStatusUnavailable', 'UserErrorRpCollectionLimitReached']);
    const chosen = action(card, 'UserErrorRpCollectionLimitReached');
    stub.clear();
    const answer = await press(chosen.verb, chosen.data, id);
    expect(cardText(answer.value)).toContain('UserErrorRpCollectionLimitReached');
    expect(cardText(answer.value)).toContain('Cause 1 of 2');
    const updates = await stub.waitFor((c) => c.some((x) => x.kind === 'update'));
    expect(updates.find((u) => u.kind === 'update')?.activityId).toBe(id);
    // The new session is bound to that message: Next updates it again.
    const next = action(answer.value, 'Next');
    stub.clear();
    const stepped = await press(next.verb, next.data, id);
    expect(cardText(stepped.value)).toContain('Cause 2 of 2');
    expect((await stub.waitFor((c) => c.some((x) => x.kind === 'update')))[0]?.activityId).toBe(id);
  });
});

describe('stepping through causes', () => {
  test('Next and Previous answer the invoke with the new card and update the same message', async () => {
    const { card, id } = await ask('UserErrorGuestAgentStatusUnavailable');
    const causes = bot.app.knowledge.orderedCauses('UserErrorGuestAgentStatusUnavailable');
    stub.clear();
    const next = await press('troubleshoot.next', action(card, 'Next').data, id);
    expect(next.statusCode).toBe(200);
    expect(next.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(next.value)).toContain(`Cause 2 of ${causes.length}`);
    expect(cardText(next.value)).toContain(causes[1]?.title.en);
    const update = (await stub.waitFor((c) => c.some((x) => x.kind === 'update'))).find((x) => x.kind === 'update');
    expect(update?.activityId).toBe(id);
    expect(cardText(cardOf(update))).toContain(`Cause 2 of ${causes.length}`);

    stub.clear();
    const previous = await press('troubleshoot.previous', action(next.value, 'Previous').data, id);
    expect(cardText(previous.value)).toContain(`Cause 1 of ${causes.length}`);
    expect((await stub.waitFor((c) => c.some((x) => x.kind === 'update')))[0]?.activityId).toBe(id);
  });

  test('"Still failing" on every cause ends with what to send to Microsoft support', async () => {
    const { card, id } = await ask('ExtensionSnapshotFailedNoNetwork');
    const n = bot.app.knowledge.orderedCauses('ExtensionSnapshotFailedNoNetwork').length;
    let current: unknown = card;
    for (let i = 0; i < n; i += 1) current = (await press('troubleshoot.still-failing', action(current, 'Still failing').data, id)).value;
    const text = cardText(current);
    expect(text).toContain('contact Microsoft support');
    expect(text).toContain(bot.app.knowledge.escalation.logs.windows[0]);
    expect(text).toContain(bot.app.knowledge.escalation.logs.linux[0]);
    expect(text).toContain('(ruled out)');
    expect(cardActions(current).map((a) => a.title)).toEqual(['Back to the causes', 'This fixed it']);
  });

  test('"This fixed it" records the cause and who pressed it', async () => {
    const { card, id } = await ask('UserErrorGuestAgentStatusUnavailable');
    const fixed = await press('troubleshoot.fixed', action(card, 'This fixed it').data, id, { from: megan });
    const first = bot.app.knowledge.orderedCauses('UserErrorGuestAgentStatusUnavailable')[0];
    expect(cardText(fixed.value)).toContain(`Fixed: ${first?.title.en}`);
    expect(cardText(fixed.value)).toContain('Megan Bowen');
    expect(cardActions(fixed.value).map((a) => a.title)).toEqual(['Reopen']);
  });

  test('after "This fixed it", only the fixed card\'s Reopen applies, once: it goes back to the credited cause; an older card\'s Previous, Next or jump and a second Reopen move nothing', async () => {
    const { card, id } = await ask('UserErrorGuestAgentStatusUnavailable');
    const second = (await press('troubleshoot.next', action(card, 'Next').data, id)).value;
    const fixed = (await press('troubleshoot.fixed', action(second, 'This fixed it').data, id)).value;
    // Presses from the card as it was before the fix: nothing moves, the presser sees the fixed card.
    for (const title of ['Previous', 'Next']) {
      const stale = await press(title === 'Next' ? 'troubleshoot.next' : 'troubleshoot.previous', action(second, title).data, id);
      expect(cardText(stale.value)).toContain('Fixed:');
    }
    const jump = await press('troubleshoot.goto', { v: 1, sessionId: (action(second, 'Next').data as { sessionId: string }).sessionId, index: 0 }, id);
    expect(cardText(jump.value)).toContain('Fixed:');
    const reopen = action(fixed, 'Reopen').data;
    const reopened = await press('troubleshoot.previous', reopen, id);
    expect(cardText(reopened.value)).toContain('Cause 2 of');
    const again = await press('troubleshoot.previous', reopen, id);
    expect(cardText(again.value)).toContain('Cause 2 of');
    const stored = await bot.app.troubleshoot.load((reopen as { sessionId: string }).sessionId);
    expect(stored.kind === 'ok' && stored.session).toMatchObject({ cursor: 1 });
    expect(stored.kind === 'ok' && stored.session.outcome).toBeUndefined();
  });

  test('the Action.Submit fallback (old clients) updates the card in place too', async () => {
    const { card, id } = await ask('UserErrorGuestAgentStatusUnavailable');
    const submitData = (card.actions as { fallback: { data: Record<string, unknown> } }[])[0]?.fallback.data;
    expect(submitData).toMatchObject({ verb: 'troubleshoot.next', v: 1 });
    stub.clear();
    const response = await bot.post(submitMessage(submitData as Record<string, unknown>, id, { serviceUrl }));
    expect(response.status).toBe(200);
    const update = (await stub.waitFor((c) => c.some((x) => x.kind === 'update'))).find((x) => x.kind === 'update');
    expect(update?.activityId).toBe(id);
    expect(cardText(cardOf(update))).toContain('Cause 2 of');
  });
});

describe('presses that cannot work get a clear card', () => {
  test('an unknown session id', async () => {
    const answer = await press('troubleshoot.next', { v: 1, sessionId: 'AAAAAAAAAAAAAAAAAAAAAA' }, 'msg-x');
    expect(cardText(answer.value)).toContain('I no longer have this troubleshooting session');
  });

  test('an unknown verb, a malformed payload, and a session id from another conversation', async () => {
    expect(cardText((await press('fix.delete-everything', { v: 1 }, 'msg-x')).value)).toContain('This button is no longer valid');
    expect(cardText((await press('troubleshoot.next', { v: 1, sessionId: '../../etc' }, 'msg-x')).value)).toContain('This button is no longer valid');
    expect(cardText((await press('troubleshoot.next', 'not an object', 'msg-x')).value)).toContain('This button is no longer valid');
    const { card } = await ask('UserErrorGuestAgentStatusUnavailable');
    const elsewhere = await press('troubleshoot.next', action(card, 'Next').data, 'msg-y', { conversationId: 'conv-other' });
    expect(cardText(elsewhere.value)).toContain('This button is no longer valid');
  });

  test('a refused press answers the presser alone: the pressed message, a live card, is never overwritten', async () => {
    const { card, id } = await ask('UserErrorGuestAgentStatusUnavailable');
    const sessionId = String(action(card, 'Next').data['sessionId']);
    stub.clear();
    const refusals = [
      await press('fix.delete-everything', { v: 1 }, id),
      await press('troubleshoot.next', { v: 1, sessionId: 'AAAAAAAAAAAAAAAAAAAAAA' }, id),
      await press('troubleshoot.goto', { v: 1, sessionId, index: 99 }, id),
      await press('troubleshoot.start', { v: 1, codeId: 'NoSuchCodeAnywhere' }, id),
    ];
    for (const refusal of refusals) expect(cardText(refusal.value)).toMatch(/no longer valid|no longer have this/);
    // Give any stray write time to reach the connector before saying there was none.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stub.calls.filter((c) => c.kind === 'update' || c.kind === 'reply')).toEqual([]);
    // The live card still steps from where it was.
    expect(cardText((await press('troubleshoot.next', action(card, 'Next').data, id)).value)).toContain('Cause 2 of');
  });

  test('two people pressing Next on the same card at once move it one cause; the second sees where it stands', async () => {
    const { card, id } = await ask('UserErrorGuestAgentStatusUnavailable');
    const causes = bot.app.knowledge.orderedCauses('UserErrorGuestAgentStatusUnavailable');
    const data = action(card, 'Next').data;
    stub.clear();
    const answers = await Promise.all([press('troubleshoot.next', data, id), press('troubleshoot.next', data, id, { from: megan })]);
    const texts = answers.map((a) => cardText(a.value));
    expect(texts.every((t) => t.includes(`Cause 2 of ${causes.length}`))).toBe(true);
    const updates = stub.calls.filter((c) => c.kind === 'update');
    expect(updates).toHaveLength(1);
    const sessionId = String(data['sessionId']);
    const stored = await bot.app.troubleshoot.load(sessionId);
    expect(stored.kind === 'ok' && stored.session.cursor).toBe(1);
  });

  test('an old client\'s Action.Submit on a card that had moved on gets one line saying so, not a second copy of the card', async () => {
    const { card, id } = await ask('UserErrorGuestAgentStatusUnavailable');
    await press('troubleshoot.next', action(card, 'Next').data, id);
    const submitData = (card.actions as { fallback: { data: Record<string, unknown> } }[])[0]?.fallback.data;
    stub.clear();
    expect((await bot.post(submitMessage(submitData as Record<string, unknown>, id, { serviceUrl }))).status).toBe(200);
    const posted = await stub.waitFor((c) => c.length > 0);
    expect(posted.map((c) => c.kind)).toEqual(['reply']);
    expect(cardText(cardOf(posted[0]))).toContain('This card had already moved on');
  });

  test('a press delivered twice (the same activity) starts one session and posts one card; the repeat says it was handled', async () => {
    const pressActivity = executeInvoke('troubleshoot.start', { v: 1, codeId: 'UserErrorGuestAgentStatusUnavailable' }, undefined, { serviceUrl, conversationId: 'conv-replayed' });
    stub.clear();
    const first = await bot.post(pressActivity);
    const again = await bot.post(pressActivity);
    expect(cardText((first.body as { value: unknown }).value)).toContain('Cause 1 of');
    expect(cardText((again.body as { value: unknown }).value)).toContain('I already handled this press');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stub.calls.filter((c) => c.kind === 'reply')).toHaveLength(1);
  });

  test('a code button pressed with any message but a "which code?" card the bot posted as its own gets a new card; that message is never replaced', async () => {
    const { id: sessionCard } = await ask('ExtensionSnapshotFailedNoNetwork');
    stub.clear();
    const forged = await bot.post(executeInvoke('troubleshoot.start', { v: 1, codeId: 'UserErrorGuestAgentStatusUnavailable' }, sessionCard, { serviceUrl }));
    expect(forged.status).toBe(200);
    const posted = await stub.waitFor((c) => c.length > 0);
    expect(posted.map((c) => c.kind)).toEqual(['reply']);
    expect(cardText(cardOf(posted[0]))).toContain('UserErrorGuestAgentStatusUnavailable');
    expect(stub.calls.filter((c) => c.kind === 'update')).toEqual([]);
  });

  test('one "Still failing" press delivered many times rules out one cause, not every cause', async () => {
    const { card, id } = await ask('ExtensionSnapshotFailedNoNetwork');
    const data = action(card, 'Still failing').data;
    for (let i = 0; i < 5; i += 1) await press('troubleshoot.still-failing', data, id);
    const stored = await bot.app.troubleshoot.load(String(data['sessionId']));
    expect(stored.kind === 'ok' && stored.session.cursor).toBe(1);
    expect(stored.kind === 'ok' && stored.session.outcome).toBeUndefined();
  });

  test('an invoke without any action still gets an answer', async () => {
    const response = await bot.post({ ...executeInvoke('x', {}, 'msg-x', { serviceUrl }), value: {} });
    expect(response.status).toBe(200);
    expect(cardText((response.body as { value: unknown }).value)).toContain('This button is no longer valid');
  });
});

describe('conversation basics', () => {
  test('help and codes, in English and Polish', async () => {
    expect(cardText((await ask('help')).card)).toContain('How to ask Backup Doctor');
    expect(cardText((await ask('pomoc')).card)).toContain('Jak pytać Backup Doctora');
    const codes = cardText((await ask('codes')).card);
    expect(codes).toContain(`Codes I know (${bot.app.knowledge.codes.length})`);
    for (const code of bot.app.knowledge.codes) expect(codes).toContain(code.id);
    expect(cardText((await ask('kody')).card)).toContain('Znane kody');
  });

  test('in a channel the mention is stripped before identification', async () => {
    const before = stub.calls.length;
    await bot.post(mentionMessage('UserErrorRpCollectionLimitReached', { serviceUrl }));
    const call = (await stub.waitFor((c) => c.length > before))[before];
    expect(call?.conversationId).toBe('19:general@thread.tacv2');
    expect(cardText(cardOf(call))).toContain('UserErrorRpCollectionLimitReached');
    expect(cardText(cardOf(call))).toContain('Cause 1 of 2');
  });

  test('a mention alone is a request for help', async () => {
    const before = stub.calls.length;
    await bot.post(mentionMessage('', { serviceUrl }));
    expect(cardText(cardOf((await stub.waitFor((c) => c.length > before))[before]))).toContain('How to ask Backup Doctor');
  });

  test('group chats work like personal chats', async () => {
    const { card } = await ask('UserErrorGuestAgentStatusUnavailable', { conversationType: 'groupChat', conversationId: '19:group@thread.v2' });
    expect(cardText(card)).toContain('Cause 1 of');
  });

  test('installing the bot posts a welcome card', async () => {
    await bot.post(botInstalled({ serviceUrl, conversationId: 'conv-new' }));
    const calls = await stub.waitFor((c) => c.length > 0);
    expect(cardText(cardOf(calls[0]))).toContain('I help with failed Azure VM backups');
  });

  test('the welcome card\'s Help button posts the help card', async () => {
    const answer = await press('help.show', { v: 1, lang: 'pl' }, 'msg-welcome');
    expect(answer.type).toBe('application/vnd.microsoft.activity.message');
    const calls = await stub.waitFor((c) => c.length > 0);
    expect(cardText(cardOf(calls[0]))).toContain('Jak pytać Backup Doctora');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
