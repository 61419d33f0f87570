import { buildCheckReportView } from '../../../src/core/checks/check-report-view';
import type { CheckReport } from '../../../src/core/checks/run-checks';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';

const knowledge = loadKnowledgeBase();
const report: CheckReport = {
  results: [],
  causes: [
    { causeId: 'no-internet-access', verdict: 'ruled-out', results: [{ checkId: 'outbound-storage-access', status: 'pass', evidence: { en: 'Rule allows.', pl: 'Reguła zezwala.' } }] },
    {
      causeId: 'windows-agent-unresponsive',
      verdict: 'likely',
      results: [{ checkId: 'windows-agent-ready', status: 'fail', evidence: { en: 'The Windows guest agent is not ready.', pl: 'Agent gościa Windows nie jest gotowy.' } }],
    },
    {
      causeId: 'snapshot-status-unavailable',
      verdict: 'unknown',
      results: [{ checkId: 'guest-dhcp', status: 'unknown', evidence: { en: 'Cannot see DHCP.', pl: 'Nie widać DHCP.' }, manual: { en: 'Run ipconfig /all.', pl: 'Uruchom ipconfig /all.' } }],
    },
  ],
  firstLikelyCauseIndex: 1,
  durationInMs: 412,
};

describe('buildCheckReportView', () => {
  it('keeps every cause in the documented order with its verdict, evidence and the likely-cause button', () => {
    const view = buildCheckReportView(report, knowledge, 'en', 'vm-web01');
    expect(view.heading).toBe('Check results: vm-web01');
    expect(view.summary).toBe('1 likely, 1 ruled out, 1 unknown.');
    expect(view.causes.map((c) => [c.position, c.verdictLabel, c.verdictIcon])).toEqual([
      [1, 'Ruled out', '✅'],
      [2, 'Likely', '⚠️'],
      [3, 'Unknown', '❔'],
    ]);
    expect(view.causes[1]?.title).toBe(knowledge.cause('windows-agent-unresponsive')?.title.en);
    expect(view.causes[1]?.checks[0]).toMatchObject({ title: 'Windows guest agent reports Ready', statusLabel: 'Fail', icon: '❌', color: 'attention', evidence: 'The Windows guest agent is not ready.' });
    expect(view.causes[2]?.checks[0]?.manual).toBe('Run ipconfig /all.');
    expect(view.goToLikelyCause).toEqual({ index: 1, label: 'Go to likely cause (2)' });
    expect(view.durationText).toBe('Checked in 0.4 s.');
  });

  it('speaks Polish', () => {
    const view = buildCheckReportView(report, knowledge, 'pl', 'vm-web01');
    expect(view.heading).toBe('Wyniki sprawdzeń: vm-web01');
    expect(view.causes[1]?.verdictLabel).toBe('Prawdopodobna');
    expect(view.causes[0]?.verdictLabel).toBe('Wykluczona');
    expect(view.causes[1]?.checks[0]?.evidence).toBe('Agent gościa Windows nie jest gotowy.');
    expect(view.goToLikelyCause?.label).toBe('Przejdź do prawdopodobnej przyczyny (2)');
    expect(view.durationText).toBe('Sprawdzono w 0,4 s.');
  });

  it('has no button when no cause is likely', () => {
    const { firstLikelyCauseIndex: _omit, ...none } = report;
    expect(buildCheckReportView({ ...none, causes: report.causes.filter((c) => c.verdict !== 'likely') }, knowledge, 'en').goToLikelyCause).toBeUndefined();
  });
});
