import { ARM_ANSWER_SHAPES, startHarness, vmRef, type Harness } from './simulator-harness';

/** Reads whose answer Azure shapes either way, through the real SDK clients, in each shape. */
describe.each(ARM_ANSWER_SHAPES)('reads in either answer shape (%s)', (_shape, settings) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ settings });
  });
  afterAll(async () => {
    await h.sim.close();
  });

  it('finds the outbound deny to Storage among the effective rules, whether they come at once or after a 202', async () => {
    const rules = await h.gateway.listEffectiveSecurityRules(vmRef('rg-web', 'vm-web01'));
    expect(rules).toEqual(expect.arrayContaining([expect.objectContaining({ direction: 'Outbound', access: 'Deny', destinationAddressPrefixes: expect.arrayContaining(['Storage']) as unknown })]));
    const followed = h.sim.requests.some((r) => r.path.includes('/providers/Microsoft.Network/locations/') && r.path.includes('/operationResults/'));
    expect(followed).toBe(settings.effectiveRulesShape === 'accepted');
  });

  it('reads the VM region as Azure spells it', async () => {
    const status = await h.gateway.getVmStatus(vmRef('rg-sql', 'vm-sql01'));
    expect(status.location).toBe(settings.vmLocationStyle === 'display-name' ? 'West Europe' : 'westeurope');
  });
});
