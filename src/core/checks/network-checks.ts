import type { EffectiveSecurityRule, VmStatus } from '../azure-port';
import { fail, pass, text, unknown, type CheckResult } from './check-types';
import { addressDestination, decidingRule, describeRule, describeRulePl, storageDestination } from './security-rules';
import { isRunning, notRunningEvidence } from './vm-state';

export const wireServerAddress = '168.63.129.16';
/** The host ports the agent and extensions use (HTTP, HTTPS and the host agent port). */
export const wireServerPorts = [80, 443, 32526] as const;

const rulesNeedRunningVm = text('Azure cannot show its effective security rules (they exist only while it runs)', 'Azure nie pokaże jej efektywnych reguł zabezpieczeń (istnieją tylko, gdy działa)');

/** outbound-storage-access: backup snapshots and extension packages travel over HTTPS to Azure Storage. */
export function evaluateOutboundStorageAccess(vm: VmStatus, rules: readonly EffectiveSecurityRule[]): CheckResult {
  const id = 'outbound-storage-access';
  if (!isRunning(vm)) return unknown(id, notRunningEvidence(vm, rulesNeedRunningVm));
  if (rules.length === 0) {
    return pass(id, text('No network security group applies to the VM\'s network interfaces, so no NSG rule blocks outbound 443 to Azure Storage.', 'Do interfejsów sieciowych maszyny nie jest przypisana żadna grupa zabezpieczeń sieci (NSG), więc żadna reguła NSG nie blokuje ruchu wychodzącego 443 do Azure Storage.'));
  }
  const decision = decidingRule(rules, { port: 443, destination: storageDestination(vm.location) });
  if (decision === undefined) {
    return pass(id, text('No effective outbound NSG rule covers TCP 443 to Azure Storage, so nothing blocks it.', 'Żadna efektywna reguła wychodząca NSG nie obejmuje TCP 443 do Azure Storage, więc nic go nie blokuje.'));
  }
  const { rule, matchedDestination } = decision;
  if (rule.access === 'Deny') {
    return fail(
      id,
      text(
        `NSG rule ${describeRule(rule)} denies outbound TCP 443 to ${matchedDestination} before any allow, so the VM cannot reach Azure Storage.`,
        `Reguła NSG ${describeRulePl(rule)} blokuje wychodzący TCP 443 do ${matchedDestination}, zanim zadziała jakakolwiek reguła zezwalająca, więc maszyna nie dociera do Azure Storage.`,
      ),
    );
  }
  return pass(
    id,
    text(
      `NSG rule ${describeRule(rule)} allows outbound TCP 443 to ${matchedDestination} before any deny.`,
      `Reguła NSG ${describeRulePl(rule)} zezwala na wychodzący TCP 443 do ${matchedDestination}, zanim zadziała jakakolwiek reguła blokująca.`,
    ),
  );
}

/**
 * wireserver-access: the agent talks to the host at 168.63.129.16. NSGs rarely govern it
 * (a firewall inside the guest usually is the culprit), so a pass only says no NSG rule blocks it.
 */
export function evaluateWireServerAccess(vm: VmStatus, rules: readonly EffectiveSecurityRule[]): CheckResult {
  const id = 'wireserver-access';
  if (!isRunning(vm)) return unknown(id, notRunningEvidence(vm, rulesNeedRunningVm));
  const destination = addressDestination(wireServerAddress);
  const blocked = new Map<string, { rule: EffectiveSecurityRule; matched: string; ports: number[] }>();
  for (const port of wireServerPorts) {
    const decision = decidingRule(rules, { port, destination });
    if (decision === undefined || decision.rule.access !== 'Deny') continue;
    const key = `${decision.rule.name}/${decision.rule.priority}`;
    const entry = blocked.get(key) ?? { rule: decision.rule, matched: decision.matchedDestination, ports: [] };
    entry.ports.push(port);
    blocked.set(key, entry);
  }
  if (blocked.size > 0) {
    const list = [...blocked.values()];
    const en = list.map((b) => `NSG rule ${describeRule(b.rule)} denies outbound ${b.ports.join(', ')} to ${b.matched}`).join('; ');
    const pl = list.map((b) => `reguła NSG ${describeRulePl(b.rule)} blokuje wychodzący ruch na porty ${b.ports.join(', ')} do ${b.matched}`).join('; ');
    return fail(
      id,
      text(
        `${en} before any allow, so the agent cannot reach the Azure host ${wireServerAddress}.`,
        `${capitalise(pl)}, zanim zadziała reguła zezwalająca, więc agent nie dociera do hosta Azure ${wireServerAddress}.`,
      ),
    );
  }
  return pass(
    id,
    text(
      `No NSG rule blocks ${wireServerAddress} on ports 80, 443 or 32526 (a firewall inside the guest can still block it).`,
      `Żadna reguła NSG nie blokuje ${wireServerAddress} na portach 80, 443 ani 32526 (zapora w systemie gościa nadal może go blokować).`,
    ),
  );
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
