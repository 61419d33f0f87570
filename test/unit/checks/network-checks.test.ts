import { evaluateOutboundStorageAccess, evaluateWireServerAccess } from '../../../src/core/checks/network-checks';
import { cidrContains, coversPort, parseIpv4 } from '../../../src/core/checks/security-rules';
import { defaultOutboundRules, rule, windowsVm } from './evidence-fixtures';

describe('outbound-storage-access', () => {
  const vm = windowsVm();

  it('passes on the default rules, naming AllowInternetOutBound', () => {
    const result = evaluateOutboundStorageAccess(vm, defaultOutboundRules);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toContain('AllowInternetOutBound (priority 65001) allows outbound TCP 443');
  });

  it('fails when a Deny to Internet on 443 comes before any allow, naming the rule and priority', () => {
    const rules = [...defaultOutboundRules, rule({ name: 'DenyInternetOutbound', priority: 200, access: 'Deny', protocol: 'Tcp', destinationPortRanges: ['443'], destinationAddressPrefixes: ['Internet'] })];
    const result = evaluateOutboundStorageAccess(vm, rules);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toBe('NSG rule DenyInternetOutbound (priority 200) denies outbound TCP 443 to Internet before any allow, so the VM cannot reach Azure Storage.');
    expect(result.evidence.pl).toContain('DenyInternetOutbound (priorytet 200)');
  });

  it('passes when an Allow to Storage has a lower priority number than the Deny to Internet', () => {
    const rules = [
      rule({ name: 'DenyInternet', priority: 300, access: 'Deny', destinationAddressPrefixes: ['Internet'] }),
      rule({ name: 'AllowStorage', priority: 100, access: 'Allow', protocol: 'Tcp', destinationPortRanges: ['443'], destinationAddressPrefixes: ['Storage'] }),
      ...defaultOutboundRules,
    ];
    const result = evaluateOutboundStorageAccess(vm, rules);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toContain('AllowStorage (priority 100)');
  });

  it('fails when the Deny is ahead of the Allow to Storage (priority, not list order, decides)', () => {
    const rules = [
      rule({ name: 'AllowStorage', priority: 400, access: 'Allow', destinationAddressPrefixes: ['Storage'] }),
      rule({ name: 'DenyAllOut', priority: 4000, access: 'Deny', protocol: '*', destinationPortRanges: ['*'], destinationAddressPrefixes: ['*'] }),
      rule({ name: 'DenyHttpsOut', priority: 150, access: 'Deny', protocol: 'Tcp', destinationPortRanges: ['80', '443'], destinationAddressPrefixes: ['0.0.0.0/0'] }),
    ];
    const result = evaluateOutboundStorageAccess(vm, rules);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('DenyHttpsOut (priority 150)');
  });

  it.each([
    ['a port range around 443', 'fail', { destinationPortRanges: ['400-500'] }],
    ['every port', 'fail', { destinationPortRanges: ['0-65535'] }],
    ['a wildcard port', 'fail', { destinationPortRanges: ['*'] }],
    ['a list holding 443', 'fail', { destinationPortRanges: ['22', '443', '3389'] }],
    ['only port 80', 'pass', { destinationPortRanges: ['80'] }],
    ['a range below 443', 'pass', { destinationPortRanges: ['1-442'] }],
    ['UDP only', 'pass', { protocol: 'Udp' }],
    ['the regional Storage tag of the VM region', 'fail', { destinationAddressPrefixes: ['Storage.WestEurope'] }],
    ['the Storage tag of another region', 'pass', { destinationAddressPrefixes: ['Storage.NorthEurope'] }],
    ['the AzureCloud tag', 'fail', { destinationAddressPrefixes: ['AzureCloud'] }],
    ['a private range', 'pass', { destinationAddressPrefixes: ['10.0.0.0/8'] }],
    ['an inbound deny', 'pass', { direction: 'Inbound' as const }],
  ])('a Deny on %s gives %s', (_what, expected, partial) => {
    const rules = [...defaultOutboundRules, rule({ name: 'Custom', priority: 300, access: 'Deny', destinationAddressPrefixes: ['Internet'], ...partial })];
    expect(evaluateOutboundStorageAccess(vm, rules).status).toBe(expected);
  });

  it('passes when no NSG applies at all', () => {
    const result = evaluateOutboundStorageAccess(vm, []);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toContain('No network security group');
  });

  it('is unknown for a deallocated VM: Azure has no effective rules then', () => {
    const result = evaluateOutboundStorageAccess(windowsVm({ powerState: 'PowerState/deallocated' }), []);
    expect(result.status).toBe('unknown');
    expect(result.evidence.en).toContain('is deallocated');
    expect(result.evidence.pl).toContain('cofniętym przydziałem');
  });
});

describe('wireserver-access', () => {
  const vm = windowsVm();

  it('passes on the default rules (DenyAllOutBound does not govern the host address) and says only NSGs were read', () => {
    const result = evaluateWireServerAccess(vm, defaultOutboundRules);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toBe('No NSG rule blocks 168.63.129.16 on ports 80, 443 or 32526 (a firewall inside the guest can still block it).');
  });

  it('fails on an explicit Deny of 168.63.129.16, listing the ports it blocks', () => {
    const rules = [...defaultOutboundRules, rule({ name: 'BlockWireServer', priority: 100, access: 'Deny', destinationPortRanges: ['80', '32526'], destinationAddressPrefixes: ['168.63.129.16'] })];
    const result = evaluateWireServerAccess(vm, rules);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('BlockWireServer (priority 100) denies outbound 80, 32526 to 168.63.129.16');
  });

  it('fails on a Deny of a prefix that contains the address', () => {
    const rules = [rule({ name: 'DenyAzureHost', priority: 500, access: 'Deny', destinationAddressPrefixes: ['168.63.0.0/16'] }), ...defaultOutboundRules];
    const result = evaluateWireServerAccess(vm, rules);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('80, 443, 32526 to 168.63.0.0/16');
  });

  it('fails through a service tag whose expansion contains the address', () => {
    const rules = [rule({ name: 'DenyLb', priority: 500, access: 'Deny', destinationAddressPrefixes: ['AzureLoadBalancer'], expandedDestinationAddressPrefix: ['168.63.129.16/32'] }), ...defaultOutboundRules];
    expect(evaluateWireServerAccess(vm, rules).evidence.en).toContain('AzureLoadBalancer (168.63.129.16/32)');
  });

  it('passes when an Allow of the address comes first', () => {
    const rules = [
      rule({ name: 'AllowHost', priority: 100, access: 'Allow', destinationAddressPrefixes: ['168.63.129.16/32'] }),
      rule({ name: 'DenyHost', priority: 200, access: 'Deny', destinationAddressPrefixes: ['168.63.129.16/32'] }),
    ];
    expect(evaluateWireServerAccess(vm, rules).status).toBe('pass');
  });

  it('passes when a Deny to the Internet tag is in place (the host address is not the internet)', () => {
    const rules = [rule({ name: 'DenyInternet', priority: 100, access: 'Deny', destinationAddressPrefixes: ['Internet'] }), ...defaultOutboundRules];
    expect(evaluateWireServerAccess(vm, rules).status).toBe('pass');
  });
});

describe('rule matching helpers', () => {
  it('reads port ranges', () => {
    expect(coversPort(['443-443'], 443)).toBe(true);
    expect(coversPort(['80,443'], 443)).toBe(true);
    expect(coversPort([], 443)).toBe(true);
    expect(coversPort(['4430'], 443)).toBe(false);
  });

  it('tests CIDR containment', () => {
    const host = parseIpv4('168.63.129.16') ?? -1;
    expect(cidrContains('168.63.129.16/32', host)).toBe(true);
    expect(cidrContains('168.63.128.0/23', host)).toBe(true);
    expect(cidrContains('168.63.130.0/24', host)).toBe(false);
    expect(cidrContains('not-an-ip', host)).toBe(false);
    expect(parseIpv4('300.1.1.1')).toBeUndefined();
  });
});
