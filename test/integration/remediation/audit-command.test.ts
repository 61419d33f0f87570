import { teamsActor } from '../../../src/channels/teams/teams-actor';
import { mayReadAudit } from '../../../src/features/audit/audit-query';
import { missingPolicy, parsePolicy } from '../../../src/core/remediation/policy';
import { mentionMessage, message } from '../../helpers/activities';
import { cardOf, ConnectorStub } from '../../helpers/connector-stub';
import { startTestBot, tempStateFile, type TestBot } from '../../helpers/test-app';
import { alice, RecordingAzure, vm } from '../../unit/remediation/fixtures';
import { alexAad, loadedRemediationPolicy, remediationPolicy } from './remediation-scenario';

const CONV = '19:ops@thread.tacv2';

/** Without a fix policy nobody is named to read the fix audit: the command says how to enable fixes and shows no entries. */
describe('@Backup Doctor audit without a fix policy', () => {
  let connector: ConnectorStub;
  let serviceUrl: string;
  let bot: TestBot;
  let cleanup: () => void;

  beforeEach(async () => {
    connector = new ConnectorStub();
    serviceUrl = await connector.start();
    const state = tempStateFile();
    cleanup = state.cleanup;
    bot = await startTestBot(state.file, {}, { alerts: { startWorkers: false }, remediation: { azure: new RecordingAzure('Windows'), policy: missingPolicy, startSweeper: false } });
  });

  afterEach(async () => {
    await bot.stop();
    await connector.stop();
    cleanup();
  });

  it('answers with how to enable fixes, and no audit entries', async () => {
    await bot.app.remediation?.audit.append({ id: 'a1', at: new Date().toISOString(), correlationId: 'c1', action: 'fix.refused', outcome: 'refused', actor: alice, target: vm, detail: 'Refused plan by Alice: policy-missing', reason: 'policy-missing' });
    await bot.post(mentionMessage('audit', { serviceUrl, from: { id: 'user-id-9', name: 'Someone', aadObjectId: '00000000-0000-0000-0000-000000000009' }, conversationId: CONV }));
    const answer = await connector.waitFor((calls) => calls.length > 0);
    expect(answer).toHaveLength(1);
    expect(cardOf(answer[0])).toBeUndefined();
    const text = String(answer[0]?.activity.text);
    expect(text).toContain('FIX_POLICY_FILE');
    expect(text).not.toContain('policy-missing');
    expect(text).not.toContain('fix.refused');
  });

  it('mayReadAudit: nobody without a policy; with one, only the requesters and approvers it names', () => {
    const someone = teamsActor({ id: '29:x', aadObjectId: '00000000-0000-0000-0000-000000000009', name: 'Alice' });
    expect(mayReadAudit(missingPolicy, someone)).toBe(false);
    const loaded = { kind: 'loaded' as const, policy: parsePolicy(remediationPolicy(), 'policy.json'), source: 'policy.json' };
    expect(mayReadAudit(loaded, someone)).toBe(false);
    expect(mayReadAudit(loaded, teamsActor({ id: 'user-id-0', aadObjectId: alexAad, name: 'Alex Wilber' }))).toBe(true);
  });
});

/**
 * The audit names people with their Entra ids, VMs and subscriptions: Teams has no reply only the
 * asker sees, so it is shown in a personal chat only; asked in a channel, the answer says where to ask.
 */
describe('@Backup Doctor audit, asked by someone the policy names', () => {
  let connector: ConnectorStub;
  let serviceUrl: string;
  let bot: TestBot;
  let cleanup: () => void;
  const alex = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: alexAad };

  beforeEach(async () => {
    connector = new ConnectorStub();
    serviceUrl = await connector.start();
    const state = tempStateFile();
    cleanup = state.cleanup;
    bot = await startTestBot(state.file, {}, { alerts: { startWorkers: false }, remediation: { azure: new RecordingAzure('Windows'), policy: loadedRemediationPolicy(), startSweeper: false } });
    await bot.app.remediation?.audit.append({ id: 'a1', at: new Date().toISOString(), correlationId: 'c1', action: 'fix.approved', outcome: 'ok', actor: alice, target: vm, detail: 'Alice approved restart-windows-agent on vm-web-01' });
  });

  afterEach(async () => {
    await bot.stop();
    await connector.stop();
    cleanup();
  });

  it('in a channel: no entries, only where to ask', async () => {
    await bot.post(mentionMessage('audit', { serviceUrl, from: alex, conversationId: CONV }));
    const [answer] = await connector.waitFor((calls) => calls.length > 0);
    expect(cardOf(answer)).toBeUndefined();
    expect(String(answer?.activity.text)).toContain('shown only in a personal chat');
    expect(JSON.stringify(answer?.activity)).not.toContain('fix.approved');
  });

  it('in a personal chat: the entries', async () => {
    await bot.post(message('audit', { serviceUrl, from: alex }));
    const [answer] = await connector.waitFor((calls) => calls.length > 0);
    expect(JSON.stringify(cardOf(answer))).toContain('fix.approved');
  });
});
