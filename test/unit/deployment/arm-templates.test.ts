import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * No package validates ARM templates offline, so this checks what can be checked without Azure:
 * structure, every parameters()/variables() reference in its own scope, unused parameters,
 * secrets typed securestring, current apiVersions and the built-in role GUIDs.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Template = { $schema: string; contentVersion: string; parameters?: Record<string, { type: string }>; variables?: Record<string, Json>; resources: Resource[] };
type Resource = { type: string; apiVersion: string; name: string; properties?: { expressionEvaluationOptions?: { scope: string }; template?: Template; parameters?: Json } & Record<string, Json> } & Record<string, Json>;

const root = join(__dirname, '../../../deploymentTemplates');
const load = (file: string): Template => JSON.parse(readFileSync(join(root, file), 'utf8')) as Template;
const existingGroup = load('deployUseExistResourceGroup/template-BotApp-with-rg.json');
const newGroup = load('deployWithNewResourceGroup/template-BotApp-new-rg.json');

const apiVersions: Record<string, string> = {
  'Microsoft.Web/serverfarms': '2024-04-01',
  'Microsoft.Web/sites': '2024-04-01',
  'Microsoft.ManagedIdentity/userAssignedIdentities': '2023-01-31',
  'Microsoft.BotService/botServices': '2022-09-15',
  'Microsoft.BotService/botServices/channels': '2022-09-15',
  'Microsoft.Storage/storageAccounts': '2023-05-01',
  'Microsoft.Insights/components': '2020-02-02',
  'Microsoft.Insights/actionGroups': '2023-01-01',
  'Microsoft.AlertsManagement/actionRules': '2021-08-08',
  'Microsoft.Authorization/roleAssignments': '2022-04-01',
};
const builtInRoles = new Set([
  '00c29273-979b-4161-815c-10b084fb9324', // Backup Operator
  'a795c7a0-d4a2-40c1-ae25-d81f01202912', // Backup Reader
  '9980e02c-c2be-4d73-94e8-173b1dc7cf3c', // Virtual Machine Contributor
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe', // Storage Blob Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', // Storage Table Data Contributor
  'b24988ac-6180-42a0-ab88-20f7382dd24c', // Contributor
  'acdd72a7-3385-48ef-bd42-f606fba81ae7', // Reader
  '73c42c96-874c-492b-b04d-ab87d138a893', // Log Analytics Reader
]);

/** Strings evaluated in this template's scope: nested inner-scope templates are their own scope. */
function scopeStrings(value: Json, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((item) => scopeStrings(item, out));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const isInnerTemplate = key === 'template' && (value as { expressionEvaluationOptions?: { scope?: string } }).expressionEvaluationOptions?.scope === 'inner';
      if (!isInnerTemplate) scopeStrings(child, out);
    }
  }
  return out;
}

function innerTemplates(template: Template): Template[] {
  return template.resources.flatMap((r) => (r.properties?.template ? [r.properties.template, ...innerTemplates(r.properties.template)] : []));
}

function references(strings: string[], fn: 'parameters' | 'variables'): Set<string> {
  const found = new Set<string>();
  const pattern = new RegExp(`${fn}\\('([^']+)'\\)`, 'g');
  for (const s of strings) for (const m of s.matchAll(pattern)) found.add(m[1] as string);
  return found;
}

const allTemplates: [string, Template][] = [
  ['existing resource group', existingGroup],
  ['new resource group', newGroup],
  ...innerTemplates(existingGroup).map((t, i): [string, Template] => [`existing-group nested #${i}`, t]),
];

describe.each(allTemplates)('ARM template (%s)', (_name, template) => {
  it('has the deployment template structure', () => {
    expect(template.$schema).toMatch(/^https:\/\/schema\.management\.azure\.com\/schemas\/.+DeploymentTemplate\.json#$|deploymentTemplate\.json#$/);
    expect(template.contentVersion).toBe('1.0.0.0');
    for (const resource of template.resources) {
      expect(resource.type).toMatch(/^Microsoft\.[A-Za-z]+\//);
      expect(resource.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(resource.name).toBeTruthy();
    }
  });

  it('resolves every parameters() and variables() reference and uses every parameter', () => {
    const strings = scopeStrings(template as unknown as Json);
    const declaredParameters = Object.keys(template.parameters ?? {});
    const declaredVariables = Object.keys(template.variables ?? {});
    expect([...references(strings, 'parameters')].filter((p) => !declaredParameters.includes(p))).toEqual([]);
    expect([...references(strings, 'variables')].filter((v) => !declaredVariables.includes(v))).toEqual([]);
    const used = references(strings, 'parameters');
    expect(declaredParameters.filter((p) => !used.has(p))).toEqual([]);
  });

  it('types secrets as securestring and uses current apiVersions', () => {
    for (const [name, parameter] of Object.entries(template.parameters ?? {})) {
      if (/secret|password|key|token/i.test(name)) expect(`${name}: ${parameter.type}`).toBe(`${name}: securestring`);
    }
    for (const resource of template.resources) {
      const expected = apiVersions[resource.type];
      if (expected) expect(`${resource.type}@${resource.apiVersion}`).toBe(`${resource.type}@${expected}`);
    }
  });
});

describe('ARM templates together', () => {
  it('grants only known built-in roles (plus the scoped custom role)', () => {
    const guids = JSON.stringify(existingGroup).match(/"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g) ?? [];
    expect(guids.length).toBeGreaterThanOrEqual(3);
    for (const quoted of guids) expect(builtInRoles.has(quoted.slice(1, -1))).toBe(true);
  });

  it('deploys the same app into a new resource group as into an existing one', () => {
    const nested = newGroup.resources.find((r) => r.type === 'Microsoft.Resources/deployments');
    expect(nested?.properties?.template).toEqual(existingGroup);
  });

  it('configures the bot for a managed identity in production mode, never with a password', () => {
    const site = existingGroup.resources.find((r) => r.type === 'Microsoft.Web/sites');
    const settings = JSON.stringify(site);
    expect(settings).toContain('"name":"BOT_MODE","value":"production"');
    expect(settings).toContain('"name":"MicrosoftAppType","value":"UserAssignedMSI"');
    expect(settings).not.toMatch(/MicrosoftAppPassword/);
  });

  it('gives the identity blob and table data access on the state account, and runs on a supported Node LTS', () => {
    const variables = existingGroup.variables as Record<string, Json>;
    const storageRoles = existingGroup.resources
      .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments' && JSON.stringify(r).includes("'Microsoft.Storage/storageAccounts/', variables('storageName')"))
      .map((r) => /variables\('(role[A-Za-z]+)'\)\)\]$/.exec(String((r.properties as { roleDefinitionId?: string } | undefined)?.roleDefinitionId))?.[1])
      .map((name) => (name ? variables[name] : undefined));
    expect(storageRoles.sort()).toEqual(['0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe']);
    const site = JSON.stringify(existingGroup.resources.find((r) => r.type === 'Microsoft.Web/sites'));
    // Node 20 reached end of life on 2026-04-30; the Azure SDK packages in use declare Node >= 22.
    expect(site).toContain('"linuxFxVersion":"NODE|22-lts"');
    expect(site).toContain('"name":"STATE_STORE","value":"blob"');
    expect(site).toMatch(/"name":"STATE_TABLE_ACCOUNT_URL","value":"\[reference\([^"]+\)\.primaryEndpoints\.table\]"/);
  });

  it('passes the Log Analytics workspace to the app and grants Log Analytics Reader on its resource group only when one is named', () => {
    const site = JSON.stringify(existingGroup.resources.find((r) => r.type === 'Microsoft.Web/sites'));
    expect(site).toContain(`"name":"LOG_ANALYTICS_WORKSPACE_ID","value":"[parameters('logAnalyticsWorkspaceId')]"`);
    const access = existingGroup.resources.find((r) => r.type === 'Microsoft.Resources/deployments' && r.resourceGroup === "[parameters('logAnalyticsWorkspaceResourceGroup')]");
    expect(access?.['condition']).toBe("[not(empty(parameters('logAnalyticsWorkspaceResourceGroup')))]");
    const roleId = (access?.properties?.parameters as { roleId?: { value?: string } } | undefined)?.roleId?.value;
    expect((existingGroup.variables as Record<string, Json>)[/variables\('([^']+)'\)/.exec(roleId ?? '')?.[1] ?? '']).toBe('73c42c96-874c-492b-b04d-ab87d138a893');
  });

  it('runs two instances by default, as the state is on the storage account, with requests spread over them', () => {
    const site = existingGroup.resources.find((r) => r.type === 'Microsoft.Web/sites');
    expect(JSON.stringify(site)).toContain('"name":"STATE_STORE","value":"blob"');
    const plan = existingGroup.resources.find((r) => r.type === 'Microsoft.Web/serverfarms');
    expect(plan?.['sku']).toMatchObject({ capacity: "[parameters('instanceCount')]" });
    expect(existingGroup.parameters?.['instanceCount']).toMatchObject({ type: 'int', defaultValue: 2 });
    // No ARR affinity cookie: a channel's or a webhook's requests may reach any instance.
    expect(site?.properties?.['clientAffinityEnabled']).toBe(false);
    // The new-resource-group template asks for the same count and passes it on.
    expect(newGroup.parameters?.['instanceCount']).toEqual(existingGroup.parameters?.['instanceCount']);
  });

  it('has parameter files that name only declared parameters and keep the secret in Key Vault', () => {
    for (const [file, template] of [
      ['deployUseExistResourceGroup/parameters-for-template-BotApp-with-rg.json', existingGroup],
      ['deployWithNewResourceGroup/parameters-for-template-BotApp-new-rg.json', newGroup],
    ] as const) {
      const parameters = (JSON.parse(readFileSync(join(root, file), 'utf8')) as { parameters: Record<string, { value?: Json; reference?: Json }> }).parameters;
      for (const name of Object.keys(parameters)) expect(Object.keys(template.parameters ?? {})).toContain(name);
      expect(parameters.alertsSharedSecret?.reference).toBeDefined();
      expect(parameters.alertsSharedSecret?.value).toBeUndefined();
    }
  });
});
