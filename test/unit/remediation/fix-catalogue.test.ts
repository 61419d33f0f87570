import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCodedError } from '../../../src/core/errors';
import { executors } from '../../../src/core/remediation/executors';
import { FixIds, parseFixCatalogue, runCommandFor } from '../../../src/core/remediation/fix-catalogue';
import { loadCatalogue, repoRoot } from './fixtures';

describe('fix catalogue (knowledge/fixes.json)', () => {
  const catalogue = loadCatalogue();

  it('holds every agreed fix, each with an executor', () => {
    expect(catalogue.fixes.map((f) => f.id).sort()).toEqual([...FixIds].sort());
    for (const id of FixIds) expect(typeof executors[id]).toBe('function');
  });

  it('says in English and Polish what each fix changes and how to undo it', () => {
    for (const fix of catalogue.fixes) {
      for (const text of [fix.title, fix.summary, fix.changes, fix.undo, ...fix.operations.map((o) => o.description)]) {
        expect(text.en.length).toBeGreaterThan(3);
        expect(text.pl.length).toBeGreaterThan(3);
        expect(text.pl).not.toEqual(text.en);
      }
    }
  });

  it('keeps the exact commands of the guidance', () => {
    expect(runCommandFor(catalogue.require('restart-windows-agent'), 'Windows')?.script).toContain('Restart-Service WindowsAzureGuestAgent');
    expect(runCommandFor(catalogue.require('restart-linux-agent'), 'Linux')?.script).toContain('systemctl restart walinuxagent || systemctl restart waagent');
    expect(runCommandFor(catalogue.require('enable-verbose-agent-logging'), 'Linux')?.script).toContain("sed -i 's/^Logs.Verbose=n/Logs.Verbose=y/' /etc/waagent.conf");
    const update = runCommandFor(catalogue.require('update-linux-agent'), 'Linux')?.script.join('\n') ?? '';
    for (const manager of ['apt-get', 'yum', 'zypper', 'AutoUpdate.Enabled=y']) expect(update).toContain(manager);
    const lockFix = catalogue.require('clear-restore-points-behind-lock');
    expect(lockFix.operations.map((o) => o.kind)).toEqual(['list-restore-point-collections', 'record-locks', 'delete-locks', 'delete-restore-point-collection', 'restore-locks']);
    expect(lockFix.risk).toBe('high');
    expect(catalogue.require('retry-backup').risk).toBe('low');
  });

  it('agrees with the causes: a fix names only causes that offer it, and every specific fix offered is in the catalogue for that cause', () => {
    const dir = join(repoRoot, 'knowledge/causes');
    const causes = new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id: string; fixes?: string[] })
        .map((c) => [c.id, c.fixes ?? []] as const),
    );
    for (const fix of catalogue.fixes) {
      for (const causeId of fix.causes) expect({ fix: fix.id, causeId, offers: causes.get(causeId)?.includes(fix.id) }).toEqual({ fix: fix.id, causeId, offers: true });
    }
    // "Retry the backup" follows any manual step, so causes may offer it beyond its own list; the others are specific remedies.
    for (const [causeId, fixes] of causes) {
      for (const fixId of fixes.filter((f) => f !== 'retry-backup')) expect({ fixId, causeId, listed: catalogue.require(fixId).causes.includes(causeId) }).toEqual({ fixId, causeId, listed: true });
    }
  });

  it('names the file, the path and the reason when the catalogue is broken', () => {
    const json = JSON.parse(readFileSync(join(repoRoot, 'knowledge/fixes.json'), 'utf8')) as { fixes: Record<string, unknown>[] };
    const broken = structuredClone(json);
    delete (broken.fixes[1] as Record<string, unknown>).undo;
    (broken.fixes[2] as Record<string, unknown>).risk = 'medium';
    broken.fixes.pop();
    try {
      parseFixCatalogue(broken, 'knowledge/fixes.json');
      throw new Error('expected a failure');
    } catch (error) {
      expect(isCodedError(error, 'knowledge_invalid')).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain('knowledge/fixes.json: fixes[1].undo');
      expect(message).toContain('knowledge/fixes.json: fixes[2].risk');
    }
    const missing = structuredClone(json);
    missing.fixes = missing.fixes.filter((f) => f.id !== 'retry-backup');
    expect(() => parseFixCatalogue(missing)).toThrow(/the fix "retry-backup" is missing/);
  });

  it('lists the fixes of a cause', () => {
    expect(catalogue.forCause('linux-agent-out-of-date').map((f) => f.id)).toEqual(['restart-linux-agent', 'update-linux-agent', 'enable-verbose-agent-logging']);
  });
});
