import { tempStateFile } from '../../helpers/test-app';
import { FakeSlackApi } from './fake-slack-api';
import { type SlackTestBot, button, eventBody, firstCallAfter, postSigned, pressBody, sessionAttached, sign, startSlackBot } from './slack-test-kit';

/**
 * Signed Slack requests in the spellings a sender or a proxy may give them: a timestamp that is
 * not plain digits cannot slip past the 5-minute window, a form type with a charset is still a
 * form, a direct message with a screenshot is still a question, and a replayed press runs once.
 */
const json = 'application/json';
const form = 'application/x-www-form-urlencoded';

let slack: SlackTestBot;
let url: string;
beforeAll(async () => {
  slack = await startSlackBot();
  url = slack.bot.running.url;
});
afterAll(async () => slack.stop());
beforeEach(() => slack.api.clear());

test('a signed timestamp 10 minutes ahead is refused (401) however the header spells the number, and nothing is answered', async () => {
  const future = Math.floor(Date.now() / 1000) + 10 * 60;
  for (const [i, header] of [`+${future}`, `${future}.0`, `0x${future.toString(16)}`, ` ${future}e0`].entries()) {
    const body = eventBody('app-mention-code.json', {}, { event_id: `Ev0FUTFMT${i}` });
    const response = await fetch(`${url}/api/slack/events`, { method: 'POST', headers: { 'content-type': json, 'x-slack-request-timestamp': header, 'x-slack-signature': sign(body, future) }, body });
    expect({ header, status: response.status }).toEqual({ header, status: 401 });
  }
  await slack.bot.app.slack?.settled(2_000);
  expect(slack.api.messages()).toHaveLength(0);
});

test('a signed press whose form content type carries a charset, or another casing, is handled', async () => {
  const before = slack.api.messages().length;
  await postSigned(url, eventBody('app-mention-code.json', {}, { event_id: 'Ev0CHARSET1' }), json);
  const posted = await firstCallAfter(slack, before);
  await sessionAttached(slack.bot, posted);
  for (const [i, contentType] of [`${form}; charset=utf-8`, 'Application/X-WWW-Form-URLEncoded'].entries()) {
    const next = button(slack.api.messages().at(-1) ?? posted, i === 0 ? 'Next' : 'Previous');
    const after = slack.api.calls.length;
    const answer = await postSigned(url, pressBody({ actionId: next.actionId, value: next.value, messageTs: posted?.ts as string }), contentType);
    expect({ contentType, status: answer.status }).toEqual({ contentType, status: 200 });
    await slack.bot.app.slack?.settled(5_000);
    expect(slack.api.calls.slice(after).map((c) => c.method)).toContain('chat.update');
  }
});

test('a direct message with a screenshot (subtype file_share) is answered like one without', async () => {
  const body = eventBody('direct-message.json', { subtype: 'file_share', text: 'UserErrorRpCollectionLimitReached', files: [{ id: 'F0SHOT', name: 'error.png', mimetype: 'image/png' }] }, { event_id: 'Ev0FILESHARE1' });
  expect((await postSigned(url, body, json)).status).toBe(200);
  const [call] = await slack.api.waitFor((calls) => calls.length > 0, 5_000);
  expect(call?.method).toBe('chat.postMessage');
  expect(call?.args['channel']).toBe('D0DIRECT');
});

test('an edit of a direct message (subtype message_changed) is not answered', async () => {
  const body = eventBody('direct-message.json', { subtype: 'message_changed', text: 'UserErrorRpCollectionLimitReached' }, { event_id: 'Ev0EDIT1' });
  expect((await postSigned(url, body, json)).status).toBe(200);
  await slack.bot.app.slack?.settled(2_000);
  expect(slack.api.messages()).toHaveLength(0);
});

test('a signed press replayed within its 5 minutes to a restarted instance does not run again, and is acknowledged', async () => {
  const api = new FakeSlackApi();
  await api.start();
  const state = tempStateFile();
  let bot: SlackTestBot | undefined = await startSlackBot({}, {}, { api, stateFile: state.file });
  try {
    await postSigned(bot.bot.running.url, eventBody('app-mention-code.json', { text: '<@UBACKUPDOC> the coffee machine is broken' }, { event_id: 'Ev0REPLAY1' }), json);
    const unknown = await firstCallAfter(bot, 0);
    const help = button(unknown, 'Help');
    const press = pressBody({ actionId: help.actionId, value: help.value, messageTs: unknown?.ts as string, trigger: '6012345678901.replay.1' });
    const timestamp = Math.floor(Date.now() / 1000);
    expect((await postSigned(bot.bot.running.url, press, form, { timestamp })).status).toBe(200);
    await api.waitFor((calls) => calls.length >= 2);
    await bot.bot.app.slack?.settled(5_000);
    await bot.stop();
    bot = await startSlackBot({}, {}, { api, stateFile: state.file });
    expect((await postSigned(bot.bot.running.url, press, form, { timestamp })).status).toBe(200);
    await bot.bot.app.slack?.settled(5_000);
    expect(api.messages('chat.postMessage')).toHaveLength(2);
  } finally {
    await bot?.stop();
    await api.stop();
    state.cleanup();
  }
});
