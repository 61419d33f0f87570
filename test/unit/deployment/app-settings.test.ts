import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The deployment templates, src/config.ts and .env.sample name the same settings: every app
 * setting a template gives the web app is one config.ts reads (App Service's and Application
 * Insights' own settings aside, read by the platform), and every setting config.ts reads is
 * documented in .env.sample. A renamed or forgotten setting fails here, not in production.
 */
const repo = join(__dirname, '../../..');
const configSource = readFileSync(join(repo, 'src/config.ts'), 'utf8');
const schemaStart = configSource.indexOf('const EnvSchema');
const schema = configSource.slice(schemaStart, configSource.indexOf('\n});', schemaStart));
const readByConfig = new Set([...schema.matchAll(/^ {2}([A-Za-z_][A-Za-z0-9_]*):/gm)].map((m) => m[1] as string));
/** Read by App Service and its Application Insights agent, not by the app. */
const platformSetting = /^(WEBSITE_|SCM_|APPLICATIONINSIGHTS_CONNECTION_STRING$|ApplicationInsightsAgent_)/;

type Template = { resources: { type: string; properties?: { siteConfig?: { appSettings?: { name: string }[] } }; resources?: unknown }[] };
function appSettingsOf(path: string): string[] {
  const names: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record['type'] === 'Microsoft.Web/sites') {
        const settings = (record as Template['resources'][number]).properties?.siteConfig?.appSettings ?? [];
        names.push(...settings.map((s) => s.name));
      }
      Object.values(record).forEach(walk);
    }
  };
  walk(JSON.parse(readFileSync(join(repo, path), 'utf8')) as unknown);
  return names;
}

describe.each(['deploymentTemplates/deployUseExistResourceGroup/template-BotApp-with-rg.json', 'deploymentTemplates/deployWithNewResourceGroup/template-BotApp-new-rg.json'])('%s', (path) => {
  test('sets only settings that config.ts reads (or the platform does)', () => {
    const settings = appSettingsOf(path);
    expect(readByConfig.size).toBeGreaterThan(50);
    expect(settings.length).toBeGreaterThan(10);
    expect(settings.filter((name) => !platformSetting.test(name) && !readByConfig.has(name))).toEqual([]);
  });
});

test('every setting config.ts reads is documented in .env.sample', () => {
  const sample = readFileSync(join(repo, '.env.sample'), 'utf8');
  const documented = new Set([...sample.matchAll(/^#?\s*([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
  // WEBSITE_SITE_NAME is App Service's own (it tells the bot it runs there), never set by hand.
  expect([...readByConfig].filter((name) => name !== 'WEBSITE_SITE_NAME' && !documented.has(name))).toEqual([]);
});

/** Memory of the smallest App Service plans the templates allow (B1, S1): 1.75 GB. */
const smallestPlanMb = 1792;

test('npm start gives V8 a heap budget that fits the smallest plan the templates allow', () => {
  const start = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const budget = /--max-old-space-size=(\d+)\b/.exec(start);
  // Without a budget V8 sizes its heap from the machine's memory, and lets garbage grow to four times the live heap on a large one.
  expect(budget).not.toBeNull();
  const mb = Number(budget?.[1]);
  expect(mb).toBeGreaterThanOrEqual(512);
  // A third of the plan stays for the rest of the process (code, buffers, SQLite) and the platform's own processes.
  expect(mb).toBeLessThanOrEqual((smallestPlanMb * 2) / 3);
  for (const path of ['deploymentTemplates/deployUseExistResourceGroup/template-BotApp-with-rg.json', 'deploymentTemplates/deployWithNewResourceGroup/template-BotApp-new-rg.json']) {
    const text = readFileSync(join(repo, path), 'utf8');
    expect(text).toContain('"appCommandLine": "npm start"');
    const allowed = [...text.matchAll(/"allowedValues":\s*\[([^\]]*)\]/g)].map((m) => m[1] ?? '').find((list) => list.includes('"B1"'));
    expect(allowed?.match(/"(\w+)"/g)?.map((s) => s.replaceAll('"', ''))).toEqual(['B1', 'B2', 'S1', 'P0v3', 'P1v3']);
  }
});
