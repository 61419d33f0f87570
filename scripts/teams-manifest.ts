import { AppManifestUtils, TeamsManifestV1D19 } from '@microsoft/app-manifest';

export type ManifestPlaceholders = Readonly<Record<'TEAMS_APP_ID' | 'BOT_ID' | 'BOT_DOMAIN', string>>;

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const domain = /^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

/** Replaces ${{NAME}} placeholders; values are checked first so a typo cannot produce a broken package. */
export function fillManifest(template: string, values: ManifestPlaceholders): TeamsManifestV1D19.TeamsManifestV1D19 {
  const problems: string[] = [];
  if (!guid.test(values.TEAMS_APP_ID)) problems.push('--app-id must be a GUID (the Teams app id)');
  if (!guid.test(values.BOT_ID)) problems.push('--bot-id must be a GUID (the bot\'s Microsoft App ID or managed identity client id)');
  if (!domain.test(values.BOT_DOMAIN)) problems.push('--domain must be the bot\'s host name, e.g. backup-doctor.azurewebsites.net');
  if (problems.length > 0) throw new Error(problems.join('; '));
  const filled = template.replace(/\$\{\{(\w+)\}\}/g, (_match, name: string) => {
    const value = (values as Record<string, string>)[name];
    if (value === undefined) throw new Error(`Unknown manifest placeholder ${name}`);
    return value;
  });
  return JSON.parse(filled) as TeamsManifestV1D19.TeamsManifestV1D19;
}

/** Offline validation against the schema bundled in @microsoft/app-manifest (no download). */
export async function validateManifest(manifest: TeamsManifestV1D19.TeamsManifestV1D19): Promise<string[]> {
  return AppManifestUtils.validateAgainstSchema(manifest);
}
