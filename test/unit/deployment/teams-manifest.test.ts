import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillManifest, validateManifest } from '../../../scripts/teams-manifest';

const template = readFileSync(join(__dirname, '../../../appPackage/manifest.json'), 'utf8');
const values = { TEAMS_APP_ID: '2b6c7f1e-1d2a-4c9e-9a51-3f7d1c2b9e10', BOT_ID: '7d3f1a2b-5c6d-4e7f-8a9b-0c1d2e3f4a5b', BOT_DOMAIN: 'backup-doctor.azurewebsites.net' };

describe('Teams app manifest', () => {
  it('is valid against the bundled v1.19 schema once filled', async () => {
    const manifest = fillManifest(template, values);
    expect(await validateManifest(manifest)).toEqual([]);
    expect(manifest.bots?.[0]?.botId).toBe(values.BOT_ID);
  });

  it('keeps within the Teams limits the schema does not check', () => {
    const manifest = fillManifest(template, values);
    const commands = manifest.bots?.[0]?.commandLists?.[0]?.commands ?? [];
    expect(commands.length).toBeLessThanOrEqual(10);
    for (const command of commands) {
      expect(command.title.length).toBeLessThanOrEqual(32);
      expect(command.description.length).toBeLessThanOrEqual(128);
    }
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
  });

  it('reports schema errors instead of packaging a broken manifest', async () => {
    const manifest = fillManifest(template, values);
    const broken = { ...manifest, accentColor: 'blue', name: { short: 'x'.repeat(40), full: manifest.name.full } };
    const errors = await validateManifest(broken);
    expect(errors.join('\n')).toMatch(/accentColor|short/);
  });

  it('refuses placeholders that are not ids or host names', () => {
    expect(() => fillManifest(template, { ...values, BOT_ID: 'my-bot' })).toThrow(/--bot-id must be a GUID/);
    expect(() => fillManifest(template, { ...values, BOT_DOMAIN: 'https://x' })).toThrow(/--domain/);
  });
});
