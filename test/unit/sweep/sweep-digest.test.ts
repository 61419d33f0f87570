import { renderCard, cardByteSize, maxCardBytes } from '../../../src/channels/teams/card-renderer';
import { teamsDigestFit } from '../../../src/channels/teams/sweep-actions';
import { renderSweepDigestMessage, slackDigestFit } from '../../../src/channels/slack/blocks/sweep-blocks';
import { BlockKitLimits } from '../../../src/channels/slack/blocks/block-kit';
import { type AtRiskVm, type FleetSweepResult, changesSince } from '../../../src/core/sweep/fleet-sweep-result';
import { RiskCauseIds } from '../../../src/core/sweep/risk-causes';
import { buildSweepDigestView, type DigestOptions } from '../../../src/core/sweep/sweep-digest-view';
import { parseSweepCommand } from '../../../src/core/sweep/sweep-command';
import { scopedSweep } from '../../../src/core/sweep/scoped-sweep';

const vault = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-backup', name: 'rsv-prod-weu' };

function fleet(atRisk: number, total: number, id = 'sweep-0000001'): FleetSweepResult {
  const vms: AtRiskVm[] = Array.from({ length: atRisk }, (_, i) => ({
    vm: { subscriptionId: vault.subscriptionId, resourceGroup: `rg-app-${String(i % 40).padStart(2, '0')}-with-a-long-resource-group-name`, name: `vm-${String(i).padStart(5, '0')}-with-a-rather-long-name-for-a-vm` },
    vault,
    cause: RiskCauseIds[i % RiskCauseIds.length] ?? 'last-backup-failed',
    evidence: { en: `Evidence ${i}: ${'the agent reported Not Ready with a long message from Azure. '.repeat(5)}`.slice(0, 300), pl: `Dowód ${i}: ${'agent zgłosił Not Ready z długim komunikatem z Azure. '.repeat(5)}`.slice(0, 300) },
  }));
  return { id, trigger: 'command', startedAt: '2026-12-04T00:00:00.000Z', finishedAt: '2026-12-04T00:05:00.000Z', total, atRisk: vms, unchecked: [], unreadableVaults: [] };
}

const options = (maxVms: number, extra: Partial<DigestOptions> = {}): DigestOptions => ({
  language: 'en',
  maxVms,
  fixOffers: () => [
    { fixId: 'restart-windows-agent', title: 'Restart the Windows guest agent', enabled: true },
    { fixId: 'retry-backup', title: 'Retry the backup now', enabled: false },
  ],
  ...extra,
});

describe('the fleet digest', () => {
  it('says every VM is healthy when none is at risk, with no buttons', () => {
    const view = buildSweepDigestView(fleet(0, 12), options(30));
    expect(view.summary).toBe('All 12 VMs healthy');
    expect(view.groups).toEqual([]);
    expect(buildSweepDigestView(fleet(0, 12), options(30, { language: 'pl' })).summary).toBe('Wszystkie maszyny (12) są w dobrej kondycji');
  });

  it('does not call the fleet healthy when some VMs could not be checked: it counts them and says why for the first', () => {
    const unchecked = { vm: { subscriptionId: vault.subscriptionId, resourceGroup: 'rg-web', name: 'vm-web01' }, vault, evidence: { en: "The bot's identity needs Reader on VM vm-web01.", pl: 'Tożsamość bota potrzebuje roli Reader na maszynie vm-web01.' } };
    const result = { ...fleet(0, 12), unchecked: [unchecked] };
    const view = buildSweepDigestView(result, options(30));
    expect(view.summary).toBe('None of 11 checked VMs at risk; 1 could not be checked');
    expect(view.note).toContain("1 VMs could not be checked (vm-web01). vm-web01: The bot's identity needs Reader on VM vm-web01.");
    expect(buildSweepDigestView(result, options(30, { language: 'pl' })).summary).toBe('Brak zagrożonych wśród sprawdzonych maszyn (11); nie udało się sprawdzić: 1');
  });

  it('names the VMs whose backup is stopped apart, in the scope of the conversation they belong to', () => {
    const stopped = { vm: { subscriptionId: vault.subscriptionId, resourceGroup: 'rg-old', name: 'vm-retired01' }, vault, protectionState: 'ProtectionStopped' };
    const result = { ...fleet(0, 12), notScheduled: [stopped] };
    expect(buildSweepDigestView(result, options(30)).note).toContain('1 VMs whose backup is stopped were not swept (vm-retired01).');
    expect(scopedSweep(result, [{ scope: { kind: 'vault', vault: 'rsv-other' } }]).notScheduled).toEqual([]);
    expect(scopedSweep(result, [{ scope: { kind: 'vault', vault: vault.name } }]).notScheduled).toEqual([stopped]);
  });

  it('folds a large fleet: every cause shows some VMs and says how many more it has, and the rows shown add up', () => {
    const view = buildSweepDigestView(fleet(5000, 10000), options(30));
    expect(view.summary).toBe('5000 of 10000 VMs at risk');
    expect(view.groups).toHaveLength(RiskCauseIds.length);
    const shown = view.groups.reduce((n, g) => n + g.vms.length, 0);
    expect(shown).toBe(30);
    for (const group of view.groups) {
      const total = Number(/\((\d+)\)$/.exec(group.title)?.[1]);
      expect(group.vms.length).toBeGreaterThan(0);
      expect(group.more).toBe(`…and ${total - group.vms.length} more`);
    }
  });

  it('fits a 5,000-VM digest into one Teams card under 28 KB and one Slack message within Block Kit’s limits', () => {
    const result = fleet(5000, 10000);
    const card = renderCard('sweep-digest', buildSweepDigestView(result, options(teamsDigestFit.maxVms)));
    expect(cardByteSize(card)).toBeLessThan(maxCardBytes);
    const message = renderSweepDigestMessage(buildSweepDigestView(result, options(slackDigestFit.maxVms)), 'en');
    expect(message.blocks.length).toBeLessThanOrEqual(BlockKitLimits.blocksPerMessage);
    expect(JSON.stringify(message.blocks).length).toBeLessThan(13_000);
    // Every shown VM keeps its buttons.
    expect(message.blocks.filter((b) => b.type === 'actions')).toHaveLength(slackDigestFit.maxVms);
  });

  it('marks what is new since the last sweep and names what recovered', () => {
    const before = fleet(3, 10, 'sweep-before1');
    const after = { ...fleet(2, 10, 'sweep-after01'), atRisk: [...fleet(3, 10).atRisk.slice(1), { ...(fleet(4, 10).atRisk[3] as AtRiskVm) }] };
    const view = buildSweepDigestView(after, options(30, { changes: changesSince(before, after) }));
    expect(view.changes).toBe(`Since the last sweep: 1 newly at risk; ✅ recovered: ${before.atRisk[0]?.vm.name}.`);
    const badges = view.groups.flatMap((g) => g.vms).filter((v) => v.badge !== '').map((v) => v.name);
    expect(badges).toEqual([after.atRisk[2]?.vm.name]);
  });

  it('gives each row Troubleshoot and its cause’s fixes, carrying the sweep id and the row’s index only', () => {
    const view = buildSweepDigestView(fleet(2, 2), options(30));
    const row = view.groups[1]?.vms[0];
    expect(row?.actions.map((a) => [a.title, a.verb, a.data])).toEqual([
      ['Troubleshoot', 'sweep.troubleshoot', { v: 1, sweepId: 'sweep-0000001', vm: 1, lang: 'en' }],
      ['🔧 Restart the Windows guest agent', 'sweep.fix', { v: 1, sweepId: 'sweep-0000001', vm: 1, fixId: 'restart-windows-agent', lang: 'en' }],
      ['🔧 Retry the backup now (disabled)', 'sweep.fix', { v: 1, sweepId: 'sweep-0000001', vm: 1, fixId: 'retry-backup', lang: 'en' }],
    ]);
  });

  it('in a channel subscribed to one vault, each row’s buttons still name that VM’s row of the stored whole-fleet sweep', () => {
    const otherVault = { ...vault, name: 'rsv-dr-neu' };
    const whole = fleet(6, 6);
    const stored: FleetSweepResult = { ...whole, atRisk: whole.atRisk.map((v, i) => (i % 2 === 1 ? { ...v, vault: otherVault } : v)) };
    const scope = [{ scope: { kind: 'vault' as const, vault: 'rsv-dr-neu' } }];
    const view = buildSweepDigestView(scopedSweep(stored, scope), options(30));
    const rows = view.groups.flatMap((g) => g.vms);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const pressed = stored.atRisk[(row.actions[0]?.data as { vm: number }).vm];
      expect(pressed?.vm.name).toBe(row.name);
      expect(pressed?.vault.name).toBe('rsv-dr-neu');
    }
    // A part of a part (a subscription scope, then a vault in it) keeps the stored positions.
    const twice = scopedSweep(scopedSweep(stored, [{ scope: { kind: 'subscription' as const, subscriptionId: vault.subscriptionId } }]), scope);
    expect(twice.storedPositions).toEqual([1, 3, 5]);
  });
});

describe('the sweep command', () => {
  it.each([
    ['at risk', 'en'],
    ['At risk?', 'en'],
    ['health', 'en'],
    ['fleet health', 'en'],
    ['zagrożone', 'pl'],
    ['zagrozone', 'pl'],
    ['Kondycja', 'pl'],
    ['kondycja floty', 'pl'],
  ])('"%s" runs a sweep in %s', (text, language) => {
    expect(parseSweepCommand(text)).toBe(language);
  });

  it.each(['health of vm-sql01', 'why is vm-web01 at risk of failing', 'UserErrorGuestAgentStatusUnavailable', ''])('"%s" is not the command', (text) => {
    expect(parseSweepCommand(text)).toBeUndefined();
  });
});
