import type { AzurePort, DatabaseVm, ProtectedVm, VaultRef } from '../../../src/core/azure-port';
import { withDeadline } from '../../../src/core/azure-lookup/azure-deadline';
import { findVm } from '../../../src/core/azure-lookup/find-vm';
import { resolveCheckTarget } from '../../../src/core/checks/check-target';
import { CodedError } from '../../../src/core/errors';
import { resolveFixTarget } from '../../../src/core/remediation/target-resolution';

/** Vaults and their protected items in memory, each list answering after `delayMs` (aborted by the signal). */
class VaultsPort {
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly vaults: Map<VaultRef, readonly ProtectedVm[] | Error>,
    private readonly delayMs = 0,
    private readonly databases = new Map<VaultRef, readonly DatabaseVm[]>(),
  ) {}

  listDatabaseVms: AzurePort['listDatabaseVms'] = async (vault) => {
    // A vault that refuses its VM items refuses its database items too.
    const items = this.vaults.get(vault);
    if (items instanceof Error) throw items;
    return [...(this.databases.get(vault) ?? [])];
  };

  listVaults: AzurePort['listVaults'] = () => Promise.resolve([...this.vaults.keys()]);
  listProtectedVms: AzurePort['listProtectedVms'] = async (vault, options) => {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, this.delayMs);
          options?.abortSignal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new CodedError('azure_unavailable', 'aborted', { aborted: true }));
          });
        });
      }
      const items = this.vaults.get(vault);
      if (items instanceof Error) throw items;
      return [...(items ?? [])];
    } finally {
      this.inFlight--;
    }
  };

  get port(): AzurePort {
    // The lookup only reads vaults, protected items and protected databases; anything else is a bug.
    return new Proxy(this as unknown as AzurePort, {
      get: (target, key) => (key in target ? (target as unknown as Record<string | symbol, unknown>)[key] : () => Promise.reject(new Error(`unexpected ${String(key)}`))),
    });
  }
}

const vault = (subscriptionId: string, name: string): VaultRef => ({ subscriptionId, resourceGroup: 'rg-backup', name });
const item = (v: VaultRef, resourceGroup: string, name: string): ProtectedVm => ({
  vault: v,
  vm: { subscriptionId: v.subscriptionId, resourceGroup, name },
  friendlyName: name,
  containerName: `iaasvmcontainerv2;${resourceGroup};${name}`,
  protectedItemName: `vm;iaasvmcontainerv2;${resourceGroup};${name}`,
});

const prod = vault('sub-1', 'rsv-prod');
const dr = vault('sub-2', 'rsv-dr');

describe('one VM lookup for checks and fixes', () => {
  test('two VMs of the same name: both the checks and a fix report the ambiguity, naming each', async () => {
    const azure = new VaultsPort(new Map([[prod, [item(prod, 'rg-app', 'vm-app01')]], [dr, [item(dr, 'rg-app-dr', 'vm-app01')]]])).port;
    const checks = await withDeadline(1_000, (d) => resolveCheckTarget(azure, { vm: 'vm-app01' }, d));
    expect(checks).toMatchObject({ kind: 'ambiguous', vmName: 'vm-app01' });
    expect(checks.kind === 'ambiguous' ? checks.matches.map((m) => `${m.vm.subscriptionId}/${m.vm.resourceGroup}`) : []).toEqual(['sub-1/rg-app', 'sub-2/rg-app-dr']);
    expect(await resolveFixTarget(azure, { vm: 'vm-app01' })).toEqual({ ok: false, reason: 'ambiguous', detail: 'sub-1/rg-app, sub-2/rg-app-dr' });
  });

  test('a subscription, resource group or vault in the hint narrows it to one, the same one for both', async () => {
    const azure = new VaultsPort(new Map([[prod, [item(prod, 'rg-app', 'vm-app01')]], [dr, [item(dr, 'rg-app-dr', 'vm-app01')]]])).port;
    for (const hint of [{ vm: 'VM-APP01', vault: 'rsv-dr' }, { vm: 'vm-app01', subscriptionId: 'sub-2' }, { vm: 'vm-app01', resourceGroup: 'rg-app-dr' }]) {
      const checks = await withDeadline(1_000, (d) => resolveCheckTarget(azure, hint, d));
      const fix = await resolveFixTarget(azure, hint);
      expect(checks).toEqual({ kind: 'found', target: { vm: { subscriptionId: 'sub-2', resourceGroup: 'rg-app-dr', name: 'vm-app01' }, vault: dr } });
      expect(fix).toEqual({ ok: true, target: { vm: { subscriptionId: 'sub-2', resourceGroup: 'rg-app-dr', name: 'vm-app01' }, vault: dr } });
    }
  });

  test('a full reference names the VM even when no vault protects it; a bare name that nothing protects is not found', async () => {
    const azure = new VaultsPort(new Map([[prod, [item(prod, 'rg-app', 'vm-app01')]]])).port;
    const exact = { vm: 'vm-new01', subscriptionId: 'sub-1', resourceGroup: 'rg-new' };
    expect(await withDeadline(1_000, (d) => resolveCheckTarget(azure, exact, d))).toEqual({ kind: 'found', target: { vm: { subscriptionId: 'sub-1', resourceGroup: 'rg-new', name: 'vm-new01' } } });
    expect(await resolveFixTarget(azure, exact)).toEqual({ ok: true, target: { vm: { subscriptionId: 'sub-1', resourceGroup: 'rg-new', name: 'vm-new01' } } });
    expect(await withDeadline(1_000, (d) => findVm(azure, { vm: 'vm-new01' }, d))).toEqual({ kind: 'not-found', vmName: 'vm-new01' });
    expect(await withDeadline(1_000, (d) => findVm(azure, { vault: 'rsv-prod' }, d))).toEqual({ kind: 'no-vm' });
  });

  test('a VM protected only for its SQL Server or SAP HANA databases is found in the vault that protects them, for the checks and a fix', async () => {
    const host = (v: VaultRef, resourceGroup: string, name: string, workload: DatabaseVm['workload']): DatabaseVm => ({ vault: v, vm: { subscriptionId: v.subscriptionId, resourceGroup, name }, workload });
    const azure = new VaultsPort(
      new Map([[prod, [item(prod, 'rg-app', 'vm-app01')]], [dr, []]]),
      0,
      new Map([[dr, [host(dr, 'rg-sql', 'vm-sql01', 'sql-server'), host(dr, 'rg-hana', 'vm-hana01', 'sap-hana'), host(dr, 'rg-app', 'vm-app01', 'sql-server')]]]),
    ).port;
    const sqlVm = { subscriptionId: 'sub-2', resourceGroup: 'rg-sql', name: 'vm-sql01' };
    expect(await withDeadline(1_000, (d) => resolveCheckTarget(azure, { vm: 'vm-sql01' }, d))).toEqual({ kind: 'found', target: { vm: sqlVm, vault: dr } });
    expect(await resolveFixTarget(azure, { vm: 'vm-sql01' })).toEqual({ ok: true, target: { vm: sqlVm, vault: dr } });
    // With the VM's full reference (an alert names it) the vault is still found, so its registration can be read.
    expect(await withDeadline(1_000, (d) => resolveCheckTarget(azure, { vm: 'vm-hana01', subscriptionId: 'sub-2', resourceGroup: 'rg-hana' }, d))).toEqual({
      kind: 'found',
      target: { vm: { subscriptionId: 'sub-2', resourceGroup: 'rg-hana', name: 'vm-hana01' }, vault: dr },
    });
    // A VM backed up as a VM is that item, whatever else protects its databases.
    expect(await withDeadline(1_000, (d) => findVm(azure, { vm: 'vm-app01' }, d))).toMatchObject({ kind: 'found', match: { vault: prod, item: { friendlyName: 'vm-app01' } } });
  });

  test('a vault that refuses is skipped when the VM is elsewhere, but never turns into "not found"', async () => {
    const forbidden = new CodedError('azure_forbidden', 'no Backup Reader on rsv-dr', { status: 403 });
    const found = new VaultsPort(new Map<VaultRef, readonly ProtectedVm[] | Error>([[prod, [item(prod, 'rg-app', 'vm-app01')]], [dr, forbidden]])).port;
    expect(await resolveFixTarget(found, { vm: 'vm-app01' })).toMatchObject({ ok: true, target: { vault: prod } });
    const missing = await withDeadline(1_000, (d) => findVm(found, { vm: 'vm-other' }, d));
    expect(missing).toMatchObject({ kind: 'azure-error', timedOut: false, error: { code: 'azure_forbidden' } });
    expect(await resolveFixTarget(found, { vm: 'vm-other' })).toMatchObject({ ok: false, reason: 'azure-error' });
  });

  test('vaults are read in parallel: four slow vaults fit a budget that reading them one by one would not', async () => {
    const vaults = ['a', 'b', 'c', 'd'].map((n) => vault('sub-1', `rsv-${n}`));
    const fake = new VaultsPort(new Map(vaults.map((v, i) => [v, i === 3 ? [item(v, 'rg-x', 'vm-x')] : []])), 300);
    const started = Date.now();
    const found = await withDeadline(900, (d) => findVm(fake.port, { vm: 'vm-x' }, d));
    expect(found).toMatchObject({ kind: 'found', match: { vault: { name: 'rsv-d' } } });
    expect(fake.maxInFlight).toBe(4);
    expect(Date.now() - started).toBeLessThan(800);
  });

  test('past the deadline the lookup answers "timed out" at once, for the checks and for a fix', async () => {
    const fake = new VaultsPort(new Map([[prod, [item(prod, 'rg-app', 'vm-app01')]]]), 30_000);
    const started = Date.now();
    expect(await withDeadline(200, (d) => resolveCheckTarget(fake.port, { vm: 'vm-app01', subscriptionId: 'sub-1', resourceGroup: 'rg-app' }, d))).toMatchObject({ kind: 'azure-error', timedOut: true });
    expect(await withDeadline(200, (d) => resolveFixTarget(fake.port, { vm: 'vm-app01' }, d))).toMatchObject({ ok: false, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(fake.inFlight).toBe(0);
  });
});
