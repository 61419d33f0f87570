import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CodedError } from '../core/errors';
import { buildKnowledgeBase, type KnowledgeBase, type KnowledgeTextFile } from '../core/knowledge/knowledge-base';

/**
 * The knowledge folder beside the sources: `src/knowledge` (tsx, jest) is two levels
 * below the repository, `dist/src/knowledge` (after build) three.
 */
export function defaultKnowledgeDir(): string {
  const candidates = [resolve(__dirname, '../../knowledge'), resolve(__dirname, '../../../knowledge')];
  return candidates.find((dir) => existsSync(join(dir, 'codes'))) ?? (candidates[0] as string);
}

/**
 * Reads every knowledge file from disk (synchronously: this runs once at start-up)
 * and validates it; a broken file throws `knowledge_invalid` naming the file, the
 * path inside it and the reason.
 */
export function loadKnowledgeBase(rootDir: string = defaultKnowledgeDir()): KnowledgeBase {
  return buildKnowledgeBase(readKnowledgeFiles(rootDir));
}

/** The raw files, with paths relative to the folder's parent (`knowledge/codes/X.json`). */
export function readKnowledgeFiles(rootDir: string): KnowledgeTextFile[] {
  const root = resolve(rootDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new CodedError('knowledge_invalid', `The knowledge folder ${root} does not exist`, { dir: root });
  }
  const base = dirname(root);
  const display = (file: string): string => relative(base, file).split(sep).join('/');
  const files: KnowledgeTextFile[] = [];
  for (const name of ['checks.json', 'fixes.json', 'escalation.json']) {
    const file = join(root, name);
    if (existsSync(file)) files.push({ path: display(file), text: readFileSync(file, 'utf8') });
  }
  for (const folder of ['codes', 'causes']) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.json')) continue;
      const file = join(dir, name);
      files.push({ path: display(file), text: readFileSync(file, 'utf8') });
    }
  }
  return files;
}

