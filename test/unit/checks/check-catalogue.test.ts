import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDefinitions } from '../../../src/core/checks/check-registry';
import { CheckIds } from '../../../src/core/checks/check-types';
import { datasourceCheckDefinitions } from '../../../src/core/checks/datasource-checks';
import { fileShareCheckDefinitions } from '../../../src/core/checks/file-share-checks';
import { ChecksFileSchema } from '../../../src/core/knowledge/schema';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';

const file = ChecksFileSchema.parse(JSON.parse(readFileSync(join(__dirname, '../../../knowledge/checks.json'), 'utf8')));

describe('knowledge/checks.json and the check registry', () => {
  it('lists exactly the agreed ids, each implemented (a VM, Backup vault datasource or file share check), once per kind of target', () => {
    expect(file.checks.map((c) => c.id).sort()).toEqual([...CheckIds].sort());
    const registries = [checkDefinitions(), datasourceCheckDefinitions(), fileShareCheckDefinitions()].map((r) => r.map((d) => d.id));
    for (const ids of registries) expect(new Set(ids).size).toBe(ids.length);
    expect([...new Set(registries.flat())].sort()).toEqual([...CheckIds].sort());
  });

  it('gives every check a manual hint in English and Polish, so an unknown still says what to do', () => {
    for (const check of file.checks) {
      expect(check.manualHint?.en).toBeTruthy();
      expect(check.manualHint?.pl).toBeTruthy();
      expect(check.manualHint?.pl).not.toBe(check.manualHint?.en);
    }
  });

  it('covers every check a cause in the knowledge base names', () => {
    const kb = loadKnowledgeBase();
    const named = new Set(kb.causes.flatMap((c) => c.checks));
    for (const id of named) expect(CheckIds).toContain(id);
  });
});
