import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ScenarioError } from './scenario';
import { startArmSimulator } from './server';

/**
 * Runs the ARM simulator on its own:
 *   npx tsx src/azure/simulator/cli.ts --scenario scenarios/default.json --port 4443 [--ca-file data/arm-simulator-ca.pem]
 * and writes its self-signed certificate to --ca-file so other processes can trust it.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'scenarios/default.json' },
      port: { type: 'string', default: '4443' },
      host: { type: 'string', default: '127.0.0.1' },
      'ca-file': { type: 'string', default: 'data/arm-simulator-ca.pem' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got "${values.port}"`);
  const sim = await startArmSimulator({ scenario: resolve(values.scenario), port, host: values.host });
  const caFile = resolve(values['ca-file']);
  mkdirSync(dirname(caFile), { recursive: true });
  writeFileSync(caFile, sim.caPem);
  const s = sim.state;
  console.log(`ARM simulator listening on ${sim.endpoint}`);
  console.log(`  scenario: ${values.scenario} (${s.subscriptions.length} subscription(s), ${s.vaults.length} vault(s), ${s.vms.length} VM(s))`);
  console.log(`  certificate: ${caFile} (pass as tlsOptions.ca, or NODE_EXTRA_CA_CERTS=${caFile})`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ScenarioError ? error.message : error);
  process.exit(1);
});
