/**
 * The golden year (test/fixtures/golden-year.ts): 42 proposals covering every path, driven through
 * the real proposal workflow on the time-skipping server, their final states and clocks written to
 * a database of their own by the worker's own projections, then counted by the statistics
 * endpoint's function. The §7 figures must be the ones worked out by hand beside the fixture — per
 * unit, in total, and per proposal (件) — and the from-scratch fold must agree.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../activities';
import { markCommitmentDone } from '../../activities/follow-ups';
import { parse } from 'csv-parse/sync';
import { proposalStatistics, statisticsCsv } from '../../api/routes/proposals/statistics';
import { compareFigures, foldFigures } from '../../bench/sim/fold';
import type { FollowUpView } from '../../domain/follow-up';
import { defaultPolicy } from '../../domain/policy';
import type { ProposalAction } from '../../domain/proposal-actions';
import type { Caller } from '../../domain/roles';
import { groupings } from '../../domain/statistics';
import { connectStore, type Store } from '../../store';
import type { ProposalView } from '../../workflows/proposal';
import {
  expectedByProposal,
  expectedByUnit,
  expectedTotal,
  phases,
  stories,
  type NumberOf,
  type Phase,
} from '../fixtures/golden-year';
import { ProposalHarness } from '../helpers/proposal-harness';
import { supervisionRecorder } from '../helpers/supervision-activities';

// Replies of class B and conversions open follow-up items: their activities are recorded too.
const h = new ProposalHarness(supervisionRecorder);
const committee: Caller = { id: 'committee', roles: ['committee'] };
let store: Store;
const handles = new Map<string, WorkflowHandle[]>();
const views: ProposalView[] = [];

const numberOf: NumberOf = (story, index = 0) =>
  handles.get(story)![index].workflowId.replace('proposal-', '');

/** Every story's steps of one phase, proposal by proposal; a refused step fails the run, named. */
async function runPhase(phase: Phase) {
  if (phase !== 'P1') await h.travelTo(phases[phase]); // the proposals were filed at P1
  for (const story of stories)
    for (const [i, handle] of (handles.get(story.name) ?? []).entries())
      for (const [by, name, args] of story.steps[phase] ?? []) {
        const resolved = typeof args === 'function' ? args(numberOf) : args;
        await h.act(handle, name, resolved as ProposalAction['args'] as never, by).catch((err: Error) => {
          throw new Error(`${story.name}#${i + 1} ${phase} ${name} by ${by}: ${err.message}`);
        });
      }
}

beforeAll(async () => {
  await h.setUp();
  store = await connectStore(`${process.env.HUIYIN_TEST_MONGODB!}/huiyin_golden_${randomUUID().slice(0, 8)}`);
  await h.travelTo(phases.P1);
  for (const story of stories) {
    const started: WorkflowHandle[] = [];
    for (let i = 0; i < story.count; i++) started.push(await h.start(story.draft, story.policy));
    handles.set(story.name, started);
  }
  for (const phase of ['P1', 'P2', 'P2b', 'P3', 'P3b'] as const) await runPhase(phase);
  await h.travelTo(phases.report);

  // What the worker's projections would have written last for each proposal and clock.
  const acts = createActivities({ store });
  for (const story of stories)
    for (const handle of handles.get(story.name)!) {
      const view = await h.view(handle);
      views.push(view);
      const { state } = view;
      await acts.recordProposal({ state, revision: 1_000 });
      for (const clock of Object.values(view.clocks))
        await acts.recordClock({
          clock: { ...clock, itemId: state.proposalId, itemKind: 'proposal' },
          entry: {
            key: `${state.proposalId}:${clock.id}#${clock.generation}:golden`,
            itemId: state.proposalId,
            at: clock.startedAt,
            kind: 'clock',
            label: clock.label,
          },
        });
      for (const unitId of story.done ?? [])
        await markCommitmentDone({ store }, {
          kind: 'commitment',
          source: { proposalId: state.proposalId },
          responder: { unitId },
          outcome: { code: 'done' },
        } as FollowUpView);
    }
}, 600_000);

afterAll(async () => {
  await store?.conn.dropDatabase();
  await store?.close();
  await h.tearDown();
});

test('the year ran as written: every proposal reached the state its story says', () => {
  const byStatus = (status: string) => views.filter((v) => v.state.status === status).length;
  expect(views).toHaveLength(42);
  expect({
    closed: byStatus('closed'),
    handling: byStatus('handling'),
    notFiled: byStatus('notFiled'),
    converted: byStatus('converted'),
    merged: byStatus('merged'),
  }).toEqual({ closed: 32, handling: 5, notFiled: 2, converted: 1, merged: 2 });
});

test('per unit and in total (件次), the statistics give the hand-worked figures', async () => {
  const stats = await proposalStatistics(store, committee, { sessionYear: 2026, groupBy: 'unit' });
  for (const [unitId, expected] of Object.entries(expectedByUnit))
    expect({ unitId, figures: stats.groups.find((g) => g.key === unitId)?.figures }).toMatchObject({
      unitId,
      figures: expected,
    });
  expect(stats.total).toMatchObject(expectedTotal);
});

test('per proposal (件), the statistics give the hand-worked figures', async () => {
  const stats = await proposalStatistics(store, committee, { sessionYear: 2026, groupBy: 'proposerType' });
  expect(stats.totalByProposal).toMatchObject(expectedByProposal);
  expect(stats.groups.find((g) => g.key === 'member')?.byProposal).toMatchObject(expectedByProposal);
});

test('the statistics CSV gives the same figures, labelled per assignment and per proposal', async () => {
  const csv = statisticsCsv(
    await proposalStatistics(store, committee, { sessionYear: 2026, groupBy: 'unit' }),
  );
  const rows = parse(csv.replace(/^\ufeff/, '')) as string[][];
  const [header] = rows;
  const at = (counted: string, label: string) =>
    rows.find((r) => r[0] === '合计' && r[1] === counted)![header.indexOf(label)];
  expect(at('按承办单位统计（件次）', '按期办复率')).toBe('76.32%'); // 29 / 38
  expect(at('按承办单位统计（件次）', '见面率')).toBe('74.29%'); // 26 / 35
  expect(at('按提案统计（件）', '按期办复率')).toBe('74.29%'); // 26 / 35
  expect(at('按提案统计（件）', '落实率')).toBe('75.00%'); // 24 / 32
  expect(at('按提案统计（件）', '交办件数')).toBe('37');
  expect(rows.find((r) => r[0] === 'unit-education')![header.indexOf('满意率')]).toBe('75.00%');
});

test('the from-scratch fold over the final states agrees with the endpoint, every grouping', async () => {
  const input = {
    sessionYear: 2026,
    proposals: views,
    commitmentsDone: new Set(
      stories.flatMap((s) =>
        (s.done ?? []).flatMap((unitId) =>
          handles.get(s.name)!.map((handle) => `${handle.workflowId.replace('proposal-', '')}|${unitId}`),
        ),
      ),
    ),
    policy: defaultPolicy,
  };
  for (const groupBy of groupings) {
    const product = await proposalStatistics(store, committee, { sessionYear: 2026, groupBy });
    expect({ groupBy, differences: compareFigures(product, foldFigures(input, groupBy)) }).toEqual({
      groupBy,
      differences: [],
    });
  }
});
