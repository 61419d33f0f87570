import { type SlackTestBot, blocksText, button, buttonsOf, eventBody, firstCallAfter, postSigned, pressBody, rawFixture, sessionAttached, sign, startSlackBot } from './slack-test-kit';

let slack: SlackTestBot;
let url: string;

beforeAll(async () => {
  slack = await startSlackBot();
  url = slack.bot.running.url;
});

afterAll(async () => {
  await slack.stop();
});

beforeEach(() => slack.api.clear());

const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
let eventCounter = 0;

/** Sends an event (a fresh event id each time unless given) and returns the one message the bot posted. */
async function mention(text: string, fixture = 'app-mention-code.json', event: Record<string, unknown> = {}) {
  eventCounter += 1;
  const before = slack.api.messages().length;
  const response = await postSigned(url, eventBody(fixture, { text: `<@UBACKUPDOC> ${text}`, ...event }, { event_id: `Ev0TEST${eventCounter}` }), json);
  expect(response.status).toBe(200);
  const call = await firstCallAfter(slack, before);
  await sessionAttached(slack.bot, call);
  return call;
}

async function press(actionId: string, value: string, messageTs: string, extra: { channel?: string; team?: string } = {}) {
  const before = slack.api.messages().length;
  const response = await postSigned(url, pressBody({ actionId, value, messageTs, ...extra }), form);
  expect(response.status).toBe(200);
  return firstCallAfter(slack, before);
}

/** Presses the button labelled `label` on `message` (a recorded Slack API call), as posted at `ts`. */
async function pressOn(message: Parameters<typeof button>[0], label: string, ts: string) {
  const b = button(message, label);
  return press(b.actionId, b.value, ts);
}

async function settle(ms = 300): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe('Slack Events API on the shared server', () => {
  test('a slash command someone configured by hand is answered at once, to the presser, with how to ask instead; a modal submission is acknowledged', async () => {
    const command = new URLSearchParams({ command: '/backup', text: 'UserErrorGuestAgentStatusUnavailable', team_id: 'T0TEST', channel_id: 'C0OPS', user_id: 'U0OPERATOR', response_url: 'https://hooks.slack.com/commands/x', trigger_id: '1.2.3' }).toString();
    const answer = await postSigned(url, command, form);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('has no slash commands') });
    const view = new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission', team: { id: 'T0TEST' }, user: { id: 'U0OPERATOR', team_id: 'T0TEST' }, view: { id: 'V1', callback_id: 'anything', state: { values: {} } } }) }).toString();
    expect((await postSigned(url, view, form)).status).toBe(200);
  });

  test('url_verification is answered with the challenge', async () => {
    const response = await postSigned(url, rawFixture('url-verification.json'), json);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });

  test('a mention with a code gets a threaded Block Kit message: code, message, cause 1 of n, every cause in order, buttons', async () => {
    const call = await mention('UserErrorGuestAgentStatusUnavailable');
    expect(call?.method).toBe('chat.postMessage');
    expect(call?.token).toBe('xoxb-0000-test-token');
    expect(call?.args['channel']).toBe('C0ONCALL');
    expect(call?.args['thread_ts']).toBe('1700000100.000200');
    const text = blocksText(call?.args['blocks']);
    const knowledge = slack.bot.app.knowledge;
    const code = knowledge.findCode('UserErrorGuestAgentStatusUnavailable');
    const causes = knowledge.orderedCauses('UserErrorGuestAgentStatusUnavailable');
    expect(call?.args['blocks'][0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'UserErrorGuestAgentStatusUnavailable', emoji: true } });
    expect(text).toContain(code?.messages.en[0]?.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(text).toContain(`Cause 1 of ${causes.length}: ${causes[0]?.title.en}`);
    // The ordered list: every cause, numbered, in the documented order.
    const list = text.slice(text.indexOf('All causes, in the documented order'));
    const positions = causes.map((c, i) => list.indexOf(`${i + 1}. ${c.title.en}`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions.slice(1).every((p, i) => p > (positions[i] as number))).toBe(true);
    const all = buttonsOf(call?.args['blocks']);
    const buttons = all.slice(0, 3);
    expect(buttons.map((b) => b.text)).toEqual(['Next', 'This fixed it', 'Still failing']);
    expect(buttons.map((b) => b.actionId)).toEqual(['troubleshoot.next', 'troubleshoot.fixed', 'troubleshoot.still-failing']);
    // Then one button per other cause, in order, to jump straight there (Block Kit has no show-card).
    expect(all.slice(3).map((b) => b.text.split('.')[0])).toEqual(causes.slice(1).map((_, i) => String(i + 2)));
    expect(new Set(all.map((b) => b.actionId)).size).toBe(all.length);
    // The value is the opaque, versioned session id and the cause the message shows, nothing else.
    const value = JSON.parse(buttons[0]?.value ?? '{}') as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['at', 'sessionId', 'v']);
    expect(value['v']).toBe(1);
    expect(value['at']).toBe(0);
    // The session is stored before the post, and the new message's ts is added once Slack answers it.
    await sessionAttached(slack.bot, call);
    const session = await slack.bot.app.troubleshoot.load(String(value['sessionId']));
    expect(session.kind).toBe('ok');
    if (session.kind === 'ok') {
      expect(session.session.conversationId).toBe('slack:T0TEST:C0ONCALL');
      expect(session.session.activityId).toBe(call?.ts);
    }
  });

  test('a Polish message gets a Polish answer', async () => {
    eventCounter += 1;
    const before = slack.api.messages().length;
    const response = await postSigned(url, eventBody('app-mention-polish.json', {}, { event_id: `Ev0TESTPL${eventCounter}` }), json);
    expect(response.status).toBe(200);
    const call = (await slack.api.waitFor((c) => c.length > before))[before];
    const text = blocksText(call?.args['blocks']);
    const causes = slack.bot.app.knowledge.orderedCauses('UserErrorGuestAgentStatusUnavailable');
    expect(text).toContain(`Przyczyna 1 z ${causes.length}: ${causes[0]?.title.pl}`);
    expect(text).toContain('Wszystkie przyczyny w udokumentowanej kolejności');
    expect(buttonsOf(call?.args['blocks']).map((b) => b.text).slice(0, 3)).toEqual(['Następna', 'To pomogło', 'Nadal nie działa']);
    expect(blocksText(call?.args['blocks'])).toContain('Przejdź do przyczyny:');
  });

  test('Next updates the same message (chat.update, same channel and ts) to cause 2; Previous goes back', async () => {
    const posted = await mention('UserErrorGuestAgentStatusUnavailable');
    const ts = posted?.ts as string;
    const next = button(posted, 'Next');
    const updated = await press(next.actionId, next.value, ts);
    expect(updated?.method).toBe('chat.update');
    expect(updated?.args['channel']).toBe('C0ONCALL');
    expect(updated?.args['ts']).toBe(ts);
    const causes = slack.bot.app.knowledge.orderedCauses('UserErrorGuestAgentStatusUnavailable');
    expect(blocksText(updated?.args['blocks'])).toContain(`Cause 2 of ${causes.length}: ${causes[1]?.title.en}`);
    const previous = button(updated, 'Previous');
    const back = await press(previous.actionId, previous.value, ts);
    expect(back?.method).toBe('chat.update');
    expect(blocksText(back?.args['blocks'])).toContain(`Cause 1 of ${causes.length}`);
    expect(slack.api.messages('chat.postMessage')).toHaveLength(1);
  });

  test('a cause button jumps straight to that cause on the same message', async () => {
    const posted = await mention('UserErrorGuestAgentStatusUnavailable');
    const ts = posted?.ts as string;
    const causes = slack.bot.app.knowledge.orderedCauses('UserErrorGuestAgentStatusUnavailable');
    const fourth = buttonsOf(posted?.args['blocks'] ?? []).find((b) => b.text.startsWith('4. '));
    expect(fourth?.actionId).toMatch(/^troubleshoot\.goto(:\d+)?$/);
    const jumped = await press(fourth?.actionId as string, fourth?.value as string, ts);
    expect(jumped?.method).toBe('chat.update');
    expect(jumped?.args['ts']).toBe(ts);
    expect(blocksText(jumped?.args['blocks'])).toContain(`Cause 4 of ${causes.length}: ${causes[3]?.title.en}`);
    // Now cause 1 has a button and cause 4 (shown) has none.
    const labels = buttonsOf(jumped?.args['blocks'] ?? []).map((b) => b.text);
    expect(labels.some((l) => l.startsWith('1. '))).toBe(true);
    expect(labels.some((l) => l.startsWith('4. '))).toBe(false);
  });

  test('"This fixed it" marks the session fixed on the same message, naming who pressed', async () => {
    const posted = await mention('UserErrorGuestAgentStatusUnavailable');
    const fixed = button(posted, 'This fixed it');
    const updated = await press(fixed.actionId, fixed.value, posted?.ts as string);
    expect(updated?.method).toBe('chat.update');
    const text = blocksText(updated?.args['blocks']);
    expect(text).toContain('Fixed:');
    expect(text).toContain('ola.nowak');
    expect(buttonsOf(updated?.args['blocks']).map((b) => b.text)).toEqual(['Reopen']);
  });

  test('after "This fixed it", a Previous from the card as it was is stale; Reopen goes back to the credited cause, once', async () => {
    const posted = await mention('UserErrorGuestAgentStatusUnavailable');
    const ts = posted?.ts as string;
    const second = await pressOn(posted, 'Next', ts);
    const fixed = await pressOn(second, 'This fixed it', ts);
    const before = slack.api.messages().length;
    const stale = await pressOn(second, 'Previous', ts);
    expect(stale?.method).toBe('chat.postEphemeral');
    // The fixed card's own message is drawn again after the notice: that call belongs to this press, not the next.
    await slack.api.waitFor((c) => c.slice(before).some((x) => x.method === 'chat.update'));
    const reopened = await pressOn(fixed, 'Reopen', ts);
    expect(blocksText(reopened?.args['blocks'])).toContain('Cause 2 of');
    const again = await pressOn(fixed, 'Reopen', ts);
    expect(again?.method).toBe('chat.postEphemeral');
  });

  test('a Reopen drawn by an earlier version (a plain Previous) on a fixed card moves nothing, and the message is drawn again with today\'s Reopen', async () => {
    const posted = await mention('UserErrorGuestAgentStatusUnavailable');
    const ts = posted?.ts as string;
    const fixed = await pressOn(posted, 'This fixed it', ts);
    const reopen = button(fixed, 'Reopen');
    const { reopen: _marker, ...older } = JSON.parse(reopen.value) as Record<string, unknown>;
    expect(_marker).toBe(true);
    const before = slack.api.messages().length;
    const stale = await press(reopen.actionId, JSON.stringify(older), ts);
    expect(stale?.method).toBe('chat.postEphemeral');
    const redrawn = (await slack.api.waitFor((c) => c.slice(before).some((x) => x.method === 'chat.update'))).slice(before).find((x) => x.method === 'chat.update');
    expect(redrawn?.args['ts']).toBe(ts);
    expect(JSON.parse(button(redrawn, 'Reopen').value)).toMatchObject({ reopen: true });
  });

  test('"Still failing" through every cause ends at what to send to Microsoft support', async () => {
    const posted = await mention('UserErrorGuestAgentStatusUnavailable');
    const ts = posted?.ts as string;
    const causes = slack.bot.app.knowledge.orderedCauses('UserErrorGuestAgentStatusUnavailable');
    let current = posted;
    for (let i = 0; i < causes.length; i += 1) {
      const still = button(current, 'Still failing');
      current = await press(still.actionId, still.value, ts);
    }
    const text = blocksText(current?.args['blocks']);
    expect(text).toContain('Every documented cause tried');
    expect(text).toMatch(/~1\. .+ \(ruled out\)~/);
  });

  test('several codes in one message: "which one?" buttons; pressing one turns that message into the troubleshooting message', async () => {
    const call = await mention('UserErrorGuestAgentStatusUnavailable and UserErrorRpCollectionLimitReached');
    expect(blocksText(call?.args['blocks'])).toContain('I found several codes');
    const buttons = buttonsOf(call?.args['blocks']);
    expect(buttons.map((b) => b.text)).toEqual(expect.arrayContaining(['UserErrorGuestAgentStatusUnavailable', 'UserErrorRpCollectionLimitReached']));
    // Action ids are unique within the message even though every button has the same verb.
    expect(new Set(buttons.map((b) => b.actionId)).size).toBe(buttons.length);
    const choice = button(call, 'UserErrorRpCollectionLimitReached');
    const updated = await press(choice.actionId, choice.value, call?.ts as string);
    expect(updated?.method).toBe('chat.update');
    expect(updated?.args['ts']).toBe(call?.ts);
    const text = blocksText(updated?.args['blocks']);
    expect(updated?.args['blocks'][0].text.text).toBe('UserErrorRpCollectionLimitReached');
    expect(text).toContain('Cause 1 of');
    // That message is now the session's: its Next updates it too.
    const next = button(updated, 'Next');
    const stepped = await press(next.actionId, next.value, call?.ts as string);
    expect(stepped?.method).toBe('chat.update');
    expect(blocksText(stepped?.args['blocks'])).toContain('Cause 2 of');
  });

  test('an unknown text gets the closest codes as buttons; a typo in a code still finds it', async () => {
    const unknown = await mention('UserErrorGuestAgent');
    expect(blocksText(unknown?.args['blocks'])).toContain("I don't know this one");
    expect(blocksText(unknown?.args['blocks'])).toContain('Did you mean one of these?');
    const closest = buttonsOf(unknown?.args['blocks']).map((b) => b.text);
    expect(closest[0]).toBe('UserErrorGuestAgentStatusUnavailable');
    expect(closest).toContain('Help');
    const start = button(unknown, 'UserErrorGuestAgentStatusUnavailable');
    const started = await press(start.actionId, start.value, unknown?.ts as string);
    expect(started?.method).toBe('chat.update');
    expect(blocksText(started?.args['blocks'])).toContain('Cause 1 of');

    const typo = await mention('UserErrorGuestAgentStatusUnavailabel');
    expect(blocksText(typo?.args['blocks'])).toContain('Cause 1 of');
  });

  test('help / pomoc and codes / kody answer in their language', async () => {
    expect(blocksText((await mention('help'))?.args['blocks'])).toContain('How to ask Backup Doctor');
    expect(blocksText((await mention('pomoc'))?.args['blocks'])).toContain('Jak pytać Backup Doctora');
    const codes = blocksText((await mention('codes'))?.args['blocks']);
    expect(codes).toContain(`Codes I know (${slack.bot.app.knowledge.codes.length})`);
    expect(codes).toContain('UserErrorRpCollectionLimitReached');
    expect(blocksText((await mention('kody'))?.args['blocks'])).toContain('Znane kody');
  });

  test('the Help button on a message posts help in the thread', async () => {
    const unknown = await mention('the coffee machine is broken again');
    const help = button(unknown, 'Help');
    const reply = await press(help.actionId, help.value, unknown?.ts as string);
    expect(reply?.method).toBe('chat.postMessage');
    expect(reply?.args['thread_ts']).toBe('1700000100.000200');
    expect(blocksText(reply?.args['blocks'])).toContain('How to ask Backup Doctor');
  });

  test('what a user wrote reaches Slack escaped once: the notification text shows their < and & as written, never as &amp;lt;', async () => {
    const call = await mention('subscribe vault rsv<&>weu');
    const text = String(call?.args['text']);
    expect(text).toContain('rsv&lt;&amp;&gt;weu');
    expect(text).not.toContain('&amp;lt;');
    expect(blocksText(call?.args['blocks'])).toContain('rsv&lt;&amp;&gt;weu');
  });

  test('a direct message is answered in the DM (top level); the bot ignores its own messages', async () => {
    eventCounter += 1;
    const response = await postSigned(url, eventBody('direct-message.json', { text: 'UserErrorRpCollectionLimitReached' }, { event_id: `Ev0DM${eventCounter}` }), json);
    expect(response.status).toBe(200);
    const [call] = await slack.api.waitFor((c) => c.length > 0);
    expect(call?.method).toBe('chat.postMessage');
    expect(call?.args['channel']).toBe('D0DIRECT');
    expect(call?.args['thread_ts']).toBeUndefined();
    expect(blocksText(call?.args['blocks'])).toContain('Cause 1 of');

    slack.api.clear();
    expect((await postSigned(url, rawFixture('bot-own-message.json'), json)).status).toBe(200);
    await settle();
    expect(slack.api.messages()).toHaveLength(0);
  });
});

describe('trust: signatures, retries and forged buttons', () => {
  test('a bad signature is refused with 401 and nothing is posted', async () => {
    const body = eventBody('app-mention-code.json', {}, { event_id: 'Ev0FORGED01' });
    expect((await postSigned(url, body, json, { secret: 'not-the-secret' })).status).toBe(401);
    expect((await postSigned(url, body, json, { signature: 'v0=00' })).status).toBe(401);
    // A body changed after signing (the signature is over the exact bytes).
    const signedFor = eventBody('app-mention-code.json', {}, { event_id: 'Ev0FORGED02' });
    const timestamp = Math.floor(Date.now() / 1000);
    const tampered = signedFor.replace('UserErrorGuestAgentStatusUnavailable', 'UserErrorRpCollectionLimitReached');
    expect((await postSigned(url, tampered, json, { timestamp, signature: sign(signedFor, timestamp) })).status).toBe(401);
    // A forged button press too.
    expect((await postSigned(url, pressBody({ actionId: 'troubleshoot.next', value: '{"v":1,"sessionId":"AAAAAAAAAAAAAAAA"}', messageTs: '1.2' }), form, { secret: 'nope' })).status).toBe(401);
    await settle();
    expect(slack.api.messages()).toHaveLength(0);
  });

  test('a timestamp older than 5 minutes is refused with 401 (replay), even with a valid signature', async () => {
    const body = eventBody('app-mention-code.json', {}, { event_id: 'Ev0STALE01' });
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await postSigned(url, body, json, { timestamp: stale })).status).toBe(401);
    await settle();
    expect(slack.api.messages()).toHaveLength(0);
  });

  test('a timestamp more than 5 minutes in the future is refused with 401 too, even with a valid signature', async () => {
    const body = eventBody('app-mention-code.json', {}, { event_id: 'Ev0FUTURE01' });
    const future = Math.floor(Date.now() / 1000) + 10 * 60;
    const answer = await postSigned(url, body, json, { timestamp: future });
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('more than 5 minutes ahead');
    // Within the window either way is fine (clocks drift a little).
    expect((await postSigned(url, eventBody('app-mention-code.json', {}, { event_id: 'Ev0NEARLY01' }), json, { timestamp: Math.floor(Date.now() / 1000) + 60 })).status).toBe(200);
    await slack.api.waitFor((c) => c.length >= 1);
    await settle();
    expect(slack.api.messages('chat.postMessage')).toHaveLength(1);
  });

  test('a retried event (same event_id, x-slack-retry-num) is posted once', async () => {
    const body = eventBody('app-mention-code.json', {}, { event_id: 'Ev0RETRY01' });
    expect((await postSigned(url, body, json)).status).toBe(200);
    await slack.api.waitFor((c) => c.length >= 1);
    expect((await postSigned(url, body, json, { retryNum: 1 })).status).toBe(200);
    expect((await postSigned(url, body, json, { retryNum: 2 })).status).toBe(200);
    await settle(500);
    expect(slack.api.messages('chat.postMessage')).toHaveLength(1);
  });

  test('a forged session id gets an ephemeral "no longer valid" message; the shared message is not touched', async () => {
    const posted = await mention('UserErrorGuestAgentStatusUnavailable');
    slack.api.clear();
    const forged = await press('troubleshoot.next', JSON.stringify({ v: 1, sessionId: 'forgedSessionId0001' }), posted?.ts as string);
    expect(forged?.method).toBe('chat.postEphemeral');
    expect(forged?.args['user']).toBe('U0OPERATOR');
    expect(blocksText(forged?.args['blocks'])).toContain('I no longer have this troubleshooting session');
    // Malformed values and unknown verbs: "no longer valid".
    const malformed = await press('troubleshoot.next', '{"v":1,"sessionId":"x<script>"}', posted?.ts as string);
    expect(blocksText(malformed?.args['blocks'])).toContain('This button is no longer valid');
    const notJson = await press('troubleshoot.next', 'not json', posted?.ts as string);
    expect(blocksText(notJson?.args['blocks'])).toContain('This button is no longer valid');
    const unknownVerb = await press('fix.approve', JSON.stringify({ v: 1, sessionId: 'forgedSessionId0001' }), posted?.ts as string);
    expect(blocksText(unknownVerb?.args['blocks'])).toContain('This button is no longer valid');
    await settle();
    expect(slack.api.messages('chat.update')).toHaveLength(0);
    // The server still answers.
    expect((await postSigned(url, rawFixture('url-verification.json'), json)).status).toBe(200);
  });

  test('a Next press delivered twice steps once; the second press hears the message had moved on', async () => {
    const posted = await mention('UserErrorGuestAgentStatusUnavailable');
    const next = button(posted, 'Next');
    slack.api.clear();
    const first = await press(next.actionId, next.value, posted?.ts as string);
    expect(first?.method).toBe('chat.update');
    const second = await press(next.actionId, next.value, posted?.ts as string);
    expect(second?.method).toBe('chat.postEphemeral');
    expect(blocksText(second?.args['blocks'])).toContain('This card had already moved on');
    await settle();
    expect(slack.api.messages('chat.update')).toHaveLength(1);
    const sessionId = String((JSON.parse(next.value) as Record<string, unknown>)['sessionId']);
    const loaded = await slack.bot.app.troubleshoot.load(sessionId);
    expect(loaded.kind === 'ok' && loaded.session.cursor).toBe(1);
  });

  test("a real session id pressed from another channel or workspace is refused: ids never travel between conversations", async () => {
    const posted = await mention('UserErrorGuestAgentStatusUnavailable');
    const next = button(posted, 'Next');
    slack.api.clear();
    const otherChannel = await press(next.actionId, next.value, posted?.ts as string, { channel: 'C0ELSEWHERE' });
    expect(otherChannel?.method).toBe('chat.postEphemeral');
    expect(blocksText(otherChannel?.args['blocks'])).toContain('This button is no longer valid');
    const otherTeam = await press(next.actionId, next.value, posted?.ts as string, { team: 'T0OTHER' });
    expect(otherTeam?.method).toBe('chat.postEphemeral');
    await settle();
    expect(slack.api.messages('chat.update')).toHaveLength(0);
    const sessionId = String((JSON.parse(next.value) as Record<string, unknown>)['sessionId']);
    const loaded = await slack.bot.app.troubleshoot.load(sessionId);
    expect(loaded.kind === 'ok' && loaded.session.cursor).toBe(0);
  });
});
