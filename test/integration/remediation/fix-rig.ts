import { type ArmSimulator, startArmSimulator } from '../../../dev/arm-simulator/server';
import type { AppOverrides } from '../../../src/app';
import type { RemediationModule } from '../../../src/remediation/remediation-module';
import { ConnectorStub } from '../../helpers/connector-stub';
import { startTestBot, tempStateFile, type TestBot } from '../../helpers/test-app';
import { loadedRemediationPolicy, remediationGateway, remediationScenario } from './remediation-scenario';

/** The real app with fixes against the simulator's remediation estate, a loopback connector, and a temp SQLite file. */
export interface FixRig {
  readonly sim: ArmSimulator;
  readonly connector: ConnectorStub;
  readonly serviceUrl: string;
  readonly bot: TestBot;
  /** The app's remediation module (throws when it is not wired). */
  remediation(): RemediationModule;
  stop(): Promise<void>;
}

export async function startFixRig(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<FixRig> {
  const sim = await startArmSimulator({ scenario: remediationScenario });
  const connector = new ConnectorStub();
  const serviceUrl = await connector.start();
  const state = tempStateFile();
  const bot = await startTestBot(
    state.file,
    { FIX_VERIFY_POLL_SECONDS: '0.01', ...env },
    { alerts: { startWorkers: false }, remediation: { azure: remediationGateway(sim), policy: loadedRemediationPolicy(), sleep: async () => undefined }, ...overrides },
  );
  return {
    sim,
    connector,
    serviceUrl,
    bot,
    remediation() {
      const r = bot.app.remediation;
      if (!r) throw new Error('remediation module not wired');
      return r;
    },
    async stop() {
      await bot.stop();
      await connector.stop();
      await sim.close();
      state.cleanup();
    },
  };
}
