import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * The node flags `npm start` gives the bot (package.json's start script), so a benchmark process
 * runs under the same V8 settings as production: the heap budget decides when V8 collects, and so
 * a sweep's peak RSS.
 */
export function productionNodeFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm start does not run node: ${start}`);
  return words.slice(1).filter((word) => word.startsWith('--'));
}

let productionDir: string | undefined;

/**
 * The bot as `npm start` runs it: the production build (tsconfig.build.json) with the cards and
 * knowledge it reads beside it (its folder is returned), compiled once per benchmark run and
 * shared by the suites that measure the bot. Removed when the process exits.
 */
export function productionBuild(): string {
  if (productionDir === undefined) {
    const build = compileToCache('production', join(repoRoot, 'tsconfig.build.json'), { copy: ['cards', 'knowledge'], tscArgs: ['--sourceMap', 'false'] });
    process.once('exit', () => build.remove());
    productionDir = build.dir;
  }
  return productionDir;
}

/**
 * A module of a compiled build, loaded in this process: a benchmark measures the JavaScript that
 * production runs, not tsx's transform of the sources (which names every function at run time
 * and costs a quarter more CPU per request). `path` is relative to the build, e.g. 'src/app'.
 * The type comes from the source module of the same path.
 */
function compiledModule<T>(buildDir: string, path: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
  return require(join(buildDir, path)) as T;
}

/** The modules the turns and alerts suites start the bot and its baselines from, from the production build. */
export function compiledBot() {
  const dir = productionBuild();
  return {
    ...compiledModule<typeof import('../src/app')>(dir, 'src/app'),
    ...compiledModule<typeof import('../src/config')>(dir, 'src/config'),
    ...compiledModule<typeof import('../src/logger')>(dir, 'src/logger'),
    ...compiledModule<typeof import('../src/server/create-server')>(dir, 'src/server/create-server'),
    ...compiledModule<typeof import('../src/server/request-body')>(dir, 'src/server/request-body'),
    ...compiledModule<typeof import('../src/server/slow-clients')>(dir, 'src/server/slow-clients'),
  };
}

export type CompiledBot = ReturnType<typeof compiledBot>;
