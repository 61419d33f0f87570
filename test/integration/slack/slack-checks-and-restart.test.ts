import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { type ArmSimulator, startArmSimulator } from '../../../dev/arm-simulator/server';
import { tempStateFile } from '../../helpers/test-app';
import { checksScenario } from '../checks/checks-scenario';
import { FakeSlackApi } from './fake-slack-api';
import { blocksText, button, buttonsOf, eventBody, postSigned, pressBody, sessionAttached, startSlackBot } from './slack-test-kit';

const form = 'application/x-www-form-urlencoded';

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function pressAndWait(api: FakeSlackApi, url: string, actionId: string, value: string, messageTs: string) {
  const before = api.messages().length;
  expect((await postSigned(url, pressBody({ actionId, value, messageTs }), form)).status).toBe(200);
  return (await api.waitFor((c) => c.length > before, 15000))[before];
}

describe('Run checks from Slack (real SDK clients against the ARM simulator)', () => {
  let sim: ArmSimulator;
  beforeAll(async () => {
    sim = await startArmSimulator({ scenario: checksScenario });
  });
  afterAll(async () => {
    await sim.close();
  });

  test('a session naming a VM offers Run checks; the verdicts land on the same troubleshooting message, in order, at the same cause, and "Go to likely cause" steps there', async () => {
    const azure = new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, lroPollIntervalInMs: 10 });
    const slack = await startSlackBot({}, { azure, alerts: { startWorkers: false } });
    try {
      const app = slack.bot.app;
      const ts = '1700000777.000100';
      // As an incident's "Troubleshoot <vm>" would open it: the VM and vault known, in this Slack channel.
      const session = await app.troubleshoot.start({
        codeId: 'UserErrorGuestAgentStatusUnavailable',
        language: 'en',
        conversationId: 'slack:T0TEST:C0ONCALL',
        createdBy: 'U0OPERATOR',
        target: { vm: 'vm-agent01', vault: 'rsv-prod' },
        activityId: ts,
      });
      const rendered = app.slack?.renderSession(session);
      const runChecks = buttonsOf(rendered?.blocks ?? []).find((b) => b.text === 'Run checks');
      expect(runChecks?.actionId).toBe('checks.run');
      expect(blocksText(rendered?.blocks ?? [])).toContain('VM vm-agent01');

      const report = await pressAndWait(slack.api, slack.bot.running.url, 'checks.run', runChecks?.value ?? '', ts);
      expect(report?.method).toBe('chat.update');
      expect(report?.args['ts']).toBe(ts);
      const text = blocksText(report?.args['blocks']);
      // Still the troubleshooting message at cause 1, now carrying the verdicts.
      expect(text).toContain('Cause 1 of');
      expect(text).toContain('Check results: vm-agent01');
      expect(text.indexOf('1. ✅')).toBeGreaterThan(0);
      expect(text.indexOf('2. ⚠️')).toBeGreaterThan(text.indexOf('1. ✅'));
      expect(text).toContain('What Azure shows for this cause');
      const labels = buttonsOf(report?.args['blocks']).map((b) => b.text);
      expect(labels.slice(0, 4)).toEqual(['Next', 'This fixed it', 'Still failing', 'Run checks again']);
      expect(labels).toContain('Go to likely cause (2)');
      // The cause's fix button, as on Teams: disabled while no fix policy is loaded.
      expect(labels).toContain('🔧 Retry the backup now (disabled)');
      expect(labels.some((l) => l.startsWith('2. ⚠️'))).toBe(true);
      const stored = await app.troubleshoot.load(session.id);
      expect(stored.kind === 'ok' && stored.session.checks?.causes['windows-agent-unresponsive']?.verdict).toBe('likely');

      const goTo = button(report, 'Go to likely cause (2)');
      const stepped = await pressAndWait(slack.api, slack.bot.running.url, goTo.actionId, goTo.value, ts);
      expect(stepped?.method).toBe('chat.update');
      const at = blocksText(stepped?.args['blocks']);
      expect(at).toContain('Cause 2 of');
      // The evidence of the cause now shown, and the verdicts still on the list.
      expect(at).toContain('The Windows guest agent 2.7.41491.1083 is not ready: Not Ready');
      expect(at).toContain('1. ✅');
    } finally {
      await slack.stop();
    }
  });
});

describe('shutdown while a press is being handled', () => {
  test('stopping the bot waits for a Run checks press still reading Azure: the verdicts land on the message and stay stored for the next start', async () => {
    const sim = await startArmSimulator({ scenario: checksScenario });
    const api = new FakeSlackApi();
    await api.start();
    const state = tempStateFile();
    const azure = () => new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, lroPollIntervalInMs: 10 });
    try {
      const first = await startSlackBot({}, { azure: azure(), alerts: { startWorkers: false } }, { api, stateFile: state.file });
      const ts = '1700000888.000100';
      const session = await first.bot.app.troubleshoot.start({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en', conversationId: 'slack:T0TEST:C0ONCALL', createdBy: 'U0OPERATOR', target: { vm: 'vm-agent01', vault: 'rsv-prod' }, activityId: ts });
      const runChecks = buttonsOf(first.bot.app.slack?.renderSession(session).blocks ?? []).find((b) => b.text === 'Run checks');
      // Azure answers the checks' reads only once the shutdown has begun.
      const hold = sim.faults.hold(/virtualMachines/);
      expect((await postSigned(first.bot.running.url, pressBody({ actionId: 'checks.run', value: runChecks?.value ?? '', messageTs: ts }), form)).status).toBe(200);
      await waitUntil(() => hold.held > 0);
      const stopped = first.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      hold.release();
      await stopped;

      const report = api.messages('chat.update').find((c) => c.args['ts'] === ts);
      expect(blocksText(report?.args['blocks'])).toContain('Check results: vm-agent01');
      const second = await startSlackBot({}, { alerts: { startWorkers: false } }, { api, stateFile: state.file });
      try {
        const stored = await second.bot.app.troubleshoot.load(session.id);
        expect(stored.kind === 'ok' && stored.session.checks?.causes['windows-agent-unresponsive']?.verdict).toBe('likely');
      } finally {
        await second.stop();
      }
    } finally {
      await api.stop();
      await sim.close();
      state.cleanup();
    }
  });
});

describe('restart', () => {
  test('buttons keep working after a restart, and an event seen before the restart is still not answered twice', async () => {
    const api = new FakeSlackApi();
    await api.start();
    const state = tempStateFile();
    try {
      const first = await startSlackBot({}, { alerts: { startWorkers: false } }, { api, stateFile: state.file });
      const body = eventBody('app-mention-code.json', {}, { event_id: 'Ev0RESTART01' });
      expect((await postSigned(first.bot.running.url, body, 'application/json')).status).toBe(200);
      const [posted] = await api.waitFor((c) => c.length >= 1);
      const next = button(posted, 'Next');
      await sessionAttached(first.bot, posted);
      await first.stop();

      const second = await startSlackBot({}, { alerts: { startWorkers: false } }, { api, stateFile: state.file });
      try {
        expect((await postSigned(second.bot.running.url, body, 'application/json', { retryNum: 1 })).status).toBe(200);
        const updated = await pressAndWait(api, second.bot.running.url, next.actionId, next.value, posted?.ts as string);
        expect(updated?.method).toBe('chat.update');
        expect(blocksText(updated?.args['blocks'])).toContain('Cause 2 of');
        await new Promise((r) => setTimeout(r, 300));
        expect(api.messages('chat.postMessage')).toHaveLength(1);
      } finally {
        await second.stop();
      }
    } finally {
      await api.stop();
      state.cleanup();
    }
  });
});
