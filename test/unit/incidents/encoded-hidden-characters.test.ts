import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normaliseAlert } from '../../../src/core/incidents/normalize-alert';

/**
 * A name read from an ARM id is %-decoded, so a control character or a text-direction mark written
 * as a %-escape would reach a card as the character itself, disguising the name: such an alert is
 * refused like one with the character written plainly, naming the field.
 */
const SUB = '00000000-0000-0000-0000-000000000001';
const at = new Date('2026-03-13T12:00:00Z');
// Microsoft's common alert schema sample for a Backup job failure (see the fixture's own note).
const common = JSON.parse(readFileSync(join(__dirname, '../../fixtures/alerts/common-vm.json'), 'utf8'));
const vmId = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`;
const vaultId = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/${name}`;

it.each([
  ['vm', { vault: 'vault-1', vm: vmId('vm%E2%80%AEexe.txt%07%0A*bold*'), errorCode: 'UserErrorGuestAgentStatusUnavailable' }],
  ['vault', { vault: vaultId('%E2%80%AEvault'), vm: 'vm1', errorCode: 'UserErrorGuestAgentStatusUnavailable' }],
  ['data.essentials.alertTargetIDs[0]', { ...common, data: { ...common.data, essentials: { ...common.data.essentials, configurationItems: [], alertTargetIDs: [vaultId('%E2%80%AEvault%0Ax')] } } }],
  ['data.alertContext.linkedResourceId', { ...common, data: { ...common.data, alertContext: { ...common.data.alertContext, linkedResourceId: vmId('vm%0A%E2%80%AE') } } }],
])('%s: a hidden character written as a %%-escape is refused, naming the field', (field, body) => {
  const result = normaliseAlert(body, at);
  expect(result).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('text-direction marks') });
  expect(result.kind === 'invalid' ? result.field : '').toBe(field);
});

it('an ordinary %-escape in an ARM id is still read (a space-free name with an encoded hyphen)', () => {
  const result = normaliseAlert({ vault: 'vault-1', vm: vmId('vm%2Dsql01'), errorCode: 'UserErrorGuestAgentStatusUnavailable' }, at);
  expect(result.kind === 'alert' ? result.alert.vm.name : result).toBe('vm-sql01');
});

// Microsoft's Backup Health Events metric alert sample, split by Datasource ID (see the fixture's own note).
const metric = JSON.parse(readFileSync(join(__dirname, '../../fixtures/alerts/metric-health.json'), 'utf8'));
const withDatasource = (value: string) => {
  const body = structuredClone(metric);
  body.data.alertContext.condition.allOf[0].dimensions[0].value = value;
  return body;
};

it.each([
  ['plainly', vmId('vm\u202Eexe.txt')],
  ['as a %-escape', vmId('vm%E2%80%AEexe.txt')],
])('a Backup Health metric alert whose Datasource ID hides a text-direction mark (%s) is refused, naming the dimension', (_how, id) => {
  const result = normaliseAlert(withDatasource(id), at);
  expect(result).toMatchObject({ kind: 'invalid', field: expect.stringContaining('dimensions'), reason: expect.stringContaining('text-direction marks') });
});
