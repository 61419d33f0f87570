import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..');

export interface CompiledBuild {
  /** The folder the project was compiled into. */
  readonly dir: string;
  remove(): void;
}

/**
 * Compiles a TypeScript project with tsc into a fresh folder, so a benchmark can run processes as
 * `npm start` runs the bot: compiled JavaScript under plain node, without tsx's loader, whose cost
 * (about 70 MB of RSS, a quarter more CPU per request) production never pays. The folder is inside
 * the repository (node_modules/.cache), so the compiled files find its node_modules; `copy` names
 * repository folders the build reads at run time (cards, knowledge), copied beside it as deployed.
 */
export function compileToCache(name: string, project: string, options: { readonly copy?: readonly string[]; readonly tscArgs?: readonly string[] } = {}): CompiledBuild {
  const cache = join(repoRoot, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, `${name}-`));
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project, '--outDir', dir, ...(options.tscArgs ?? [])], { stdio: 'inherit' });
    for (const folder of options.copy ?? []) cpSync(join(repoRoot, folder), join(dir, folder), { recursive: true });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
