/**
 * Read latency (p50/p95) of lists and statistics with BENCH_PROPOSALS proposals in the read model.
 * Prints figures; asserts nothing. Env: BENCH_PROPOSALS, BENCH_SAMPLES.
 */
import type { ClockSummary, ProposalSummary } from '../domain/proposal-summary';
import type { Store } from '../store';
import { proposalViews, yearRowIds } from '../store/proposals';
import type { RowChange } from '../store/views';
import { bench, latency, say, type BenchStack } from './stack';

const PROPOSALS = Number(process.env.BENCH_PROPOSALS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);

export async function readLatency({ deps, base, token }: BenchStack) {
  const { store } = deps;
  const committee = await token('committee', ['committee']);
  say(`loading ${PROPOSALS} proposals into the read model…`);
  const loadStarted = performance.now();
  await loadReadModel(store, PROPOSALS);
  say(`loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`);
  const queries: [string, string][] = [
    ['list, first page', '/api/proposals?sessionYear=2025&limit=20'],
    ['list, status + unit', '/api/proposals?sessionYear=2025&status=handling&unitId=unit-housing&limit=20'],
    ['list, deep page', '/api/proposals?sessionYear=2025&limit=20&offset=50000'],
    ['list, title text', '/api/proposals?sessionYear=2025&q=%E7%94%B5%E6%A2%AF&limit=20'],
    ['list, overdue', '/api/proposals?sessionYear=2025&overdue=true&limit=20'],
    ['statistics by unit', '/api/proposals/statistics?sessionYear=2025&groupBy=unit'],
  ];
  const get = async (url: string) => {
    const res = await fetch(base + url, { headers: { authorization: committee } });
    if (!res.ok) throw new Error(`${url} → ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  // Apart: the API's first read of the year fetches every chunk; the samples are of a running API.
  const cold = performance.now();
  await get('/api/proposals?sessionYear=2025&limit=1');
  say(`first request after loading (fetches every chunk): ${(performance.now() - cold).toFixed(0)} ms`);
  for (const [name, url] of queries) {
    const { p50, p95 } = await latency(SAMPLES, () => get(url));
    say(`${name.padEnd(20)} p50 ${p50.toFixed(0).padStart(6)} ms   p95 ${p95.toFixed(0).padStart(6)} ms`);
  }
}

const units = [
  'unit-housing',
  'unit-education',
  'unit-transport',
  'unit-health',
  'unit-ecology',
  'unit-culture',
];
const statuses = ['handling', 'awaitingFeedback', 'closed', 'closed', 'closed', 'notFiled'] as const;
const titles = [
  '关于加快老旧小区加装电梯的建议',
  '关于完善社区养老服务的提案',
  '关于治理河道污染的建议',
  '关于优化公交线路的提案',
];

/**
 * Synthetic proposals of session year 2025, shaped as the worker's projections write them: each
 * proposal's summary and its clock in the year's view, one put per chunk.
 */
async function loadReadModel(store: Store, count: number) {
  const BATCH = 250; // one chunk of the year's view
  for (let start = 0; start < count; start += BATCH) {
    const rows: RowChange[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const number = `2025-${String(i + 1).padStart(6, '0')}`;
      const unitId = units[i % units.length];
      const status = statuses[i % statuses.length];
      const replied = status !== 'handling' && status !== 'notFiled' ? 1 : 0;
      const summary: ProposalSummary = {
        number,
        sessionYear: 2025,
        title: titles[i % titles.length],
        type: 'interSession',
        status,
        leadProposerId: `member-${i % 500}`,
        proposerIds: [`member-${i % 500}`],
        organization: false,
        key: i % 97 === 0,
        unitIds: status === 'notFiled' ? [] : [unitId],
        submittedAt: Date.UTC(2025, 0, 1) + i * 60_000,
        units:
          status === 'notFiled'
            ? []
            : [
                {
                  unitId,
                  role: 'lead',
                  resultClass: replied ? ['A', 'B', 'C'][i % 3] : null,
                  assigned: 1,
                  replied,
                  repliedOnTime: replied && i % 5 !== 0 ? 1 : 0,
                  contactedBeforeReply: replied,
                  commitmentDone: 0,
                  daysToReply: replied ? 30 + (i % 60) : null,
                  feedbackReturned: replied && i % 7 !== 0 ? 1 : 0,
                  satisfied: replied && i % 7 !== 0 && i % 11 !== 0 ? 1 : 0,
                  unsatisfied: replied && i % 11 === 0 && i % 7 !== 0 ? 1 : 0,
                  noFeedback: replied && i % 7 === 0 ? 1 : 0,
                },
              ],
      };
      rows.push({ id: number, revision: 1, value: summary });
      if (status === 'handling') {
        const dueAt = Date.UTC(2025, 3, 1) + (i % 400) * 86_400_000;
        const clock: ClockSummary = {
          itemId: number,
          clockId: `reply:${unitId}`,
          unitId,
          running: true,
          overdue: i % 4 === 0,
          due: new Date(dueAt).toISOString().slice(0, 10),
          dueAt,
          escalation: i % 8 === 0 ? 'chaseNotice' : null,
          nextStepAt: null,
        };
        rows.push({ id: yearRowIds.clock(number, clock.clockId), revision: 1, value: clock });
      }
    }
    await proposalViews.put(store.views, 2025, rows);
    if ((start / BATCH) % 40 === 39) say(`  ${start + BATCH} loaded`);
  }
}

if (require.main === module) void bench('read', readLatency);
