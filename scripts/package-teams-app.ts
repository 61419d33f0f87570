/**
 * Builds the Teams app package (appPackage/build/backup-doctor.zip) from appPackage/manifest.json,
 * filling TEAMS_APP_ID, BOT_ID and BOT_DOMAIN, and validating the result offline against the
 * bundled manifest schema before zipping.
 *
 *   npx tsx scripts/package-teams-app.ts --app-id <guid> --bot-id <guid> --domain bot.example.com
 */
import AdmZip from 'adm-zip';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillManifest, validateManifest } from './teams-manifest';

async function main(): Promise<void> {
  const args = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) args.set(String(argv[i]).replace(/^--/, ''), String(argv[i + 1] ?? ''));
  const root = join(__dirname, '..', 'appPackage');
  const manifest = fillManifest(readFileSync(join(root, 'manifest.json'), 'utf8'), {
    TEAMS_APP_ID: args.get('app-id') ?? '',
    BOT_ID: args.get('bot-id') ?? '',
    BOT_DOMAIN: args.get('domain') ?? '',
  });
  const errors = await validateManifest(manifest);
  if (errors.length > 0) {
    console.error(`The manifest is not valid:\n- ${errors.join('\n- ')}`);
    process.exitCode = 1;
    return;
  }
  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
  zip.addLocalFile(join(root, 'color.png'));
  zip.addLocalFile(join(root, 'outline.png'));
  mkdirSync(join(root, 'build'), { recursive: true });
  const out = join(root, 'build', 'backup-doctor.zip');
  zip.writeZip(out);
  console.log(`Wrote ${out}`);
}

void main();
