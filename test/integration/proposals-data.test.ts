/**
 * Proposal data in bulk: CSV import (row errors by row number, idempotent by number, brought to the
 * status it gives) and export (Chinese headers, BOM); the §7 statistics on a small known dataset;
 * the demo board seeded through the same code paths, idempotently.
 */
import { parse } from 'csv-parse/sync';
import { seedDemoProposals } from '../../api/routes/proposals/demo';
import type { AppDeps } from '../../api/deps';
import { fieldsOf, proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { proposalViews, yearRowIds } from '../../store/proposals';
import { until } from '../helpers/supervision-api';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let api: ProposalApi;
beforeAll(async () => {
  stack = await startStack();
  api = await proposalApi(stack);
});
afterAll(() => stack?.stop());

const csv = (rows: string[][]) =>
  rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\r\n');
const header = [
  '编号',
  '类型',
  '标题',
  '内容',
  '分类',
  '第一提案人',
  '联名人',
  '状态',
  '主办单位',
  '会办单位',
  '分办单位',
];
const importCsv = (text: string, who = 'committee') =>
  api.post('/api/proposals/import', text, who).set('Content-Type', 'text/csv; charset=utf-8');
const statusOf = async (id: string) => (await stack.store.proposals.findById(id).lean())?.status;

describe('CSV import', () => {
  const rows = [
    header,
    [
      '2024-0001',
      '大会提案',
      '关于甲的建议',
      '内容甲',
      '教育',
      'member-zhang',
      'member-li',
      '审查中',
      '',
      '',
      '',
    ],
    ['2024-0002', '平时提案', '关于乙的建议', '内容乙', '', 'member-li', '', '待交办', '', '', ''],
    [
      '2024-0003',
      'plenary',
      '关于丙的建议',
      '内容丙',
      '',
      'org-minmeng',
      'member-wang、member-zhang',
      '办理中',
      'unit-housing',
      'unit-education',
      '',
    ],
    ['2024-0004', '年度提案', '关于丁的建议', '内容', '', 'member-zhang', '', '', '', '', ''],
    ['2024-0005', '大会提案', '关于戊的建议', '内容', '', 'ghost', '', '', '', '', ''],
    ['2024-0002', '大会提案', '重复编号', '内容', '', 'member-zhang', '', '', '', '', ''],
    ['24-1', '大会提案', '编号不对', '内容', '', 'member-zhang', '', '', '', '', ''],
    ['2024-0006', '大会提案', '已办结的', '内容', '', 'member-zhang', '', '已办结', '', '', ''],
    ['2024-0007', '大会提案', '办理中无单位', '内容', '', 'member-zhang', '', '办理中', '', '', ''],
  ];
  const expectedErrors = [
    { row: 5, field: '类型', code: 'invalidRow' },
    { row: 6, field: '第一提案人', code: 'invalid_request' },
    { row: 7, field: '编号', code: 'duplicateNumber' },
    { row: 8, field: '编号', code: 'invalidRow' },
    { row: 9, field: '状态', code: 'invalidRow' },
    { row: 10, field: '主办单位', code: 'invalidRow' },
  ];

  test('imports the good rows to their status and reports every bad row by its row number', async () => {
    const res = await importCsv(`\ufeff${csv(rows)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 3, advanced: 0, unchanged: 0 });
    expect(
      res.body.errors.map(({ row, field, code }: Record<string, unknown>) => ({ row, field, code })),
    ).toEqual(expectedErrors);
    expect(res.body.errors[0].message).toContain('类型');
    expect(await statusOf('2024-0001')).toBe('underReview');
    expect(await statusOf('2024-0002')).toBe('awaitingAssignment');
    const handled = (await api.get('/api/proposals/2024-0003', 'committee')).body.proposal;
    expect(handled).toMatchObject({
      status: 'handling',
      organization: true,
      confirmedCoSignerIds: ['member-wang', 'member-zhang'],
    });
    expect(handled.assignments.map((a: { unitId: string; role: string }) => [a.unitId, a.role])).toEqual([
      ['unit-housing', 'lead'],
      ['unit-education', 'coHandler'],
    ]);
  });

  test('importing again changes nothing; a later status moves an existing proposal on', async () => {
    const again = await importCsv(csv(rows));
    expect(again.body).toMatchObject({ created: 0, advanced: 0, unchanged: 3 });
    expect(again.body.errors).toHaveLength(expectedErrors.length);
    expect(await stack.store.proposals.countDocuments({ sessionYear: 2024 })).toBe(3);
    const later = await importCsv(
      csv([
        header,
        [
          '2024-0002',
          '平时提案',
          '关于乙的建议',
          '内容乙',
          '',
          'member-li',
          '',
          '办理中',
          '',
          '',
          'unit-housing、unit-education',
        ],
      ]),
    );
    expect(later.body).toMatchObject({ created: 0, advanced: 1, unchanged: 0, errors: [] });
    expect(await statusOf('2024-0002')).toBe('handling');
  });

  test('numbers filed through the API come after the imported ones; an import never takes them over', async () => {
    // Another session year is the committee's to choose: filed for a member.
    const filed = await api.file({ sessionYear: 2024, leadProposerId: 'member-zhang' }, 'committee');
    expect(filed.body.proposal.proposalId).toBe('2024-0004');
    // The read model follows the workflow's first task: the export below lists it once it is there.
    await until(() => statusOf('2024-0004'));
    const clash = await importCsv(
      csv([header, ['2024-0004', '大会提案', '别的提案', '内容', '', 'member-li', '', '', '', '', '']]),
    );
    expect(clash.body.errors).toEqual([
      expect.objectContaining({ row: 2, field: '编号', code: 'numberTaken' }),
    ]);
  });

  test('a file without a required column, or not CSV at all, is refused whole', async () => {
    const noNumber = await importCsv(
      csv([header.slice(1), ['大会提案', '标题', '内容', '', 'member-zhang']]),
    );
    expect(noNumber.status).toBe(400);
    expect(fieldsOf(noNumber)).toEqual(['body.编号']);
    const json = await api.post('/api/proposals/import', { rows: [] }, 'committee');
    expect(json.status).toBe(400);
    expect(fieldsOf(json)).toEqual(['body']);
    const broken = await importCsv('编号,标题\n"2024-0009,未闭合的引号');
    expect(fieldsOf(broken)).toEqual(['body']);
  });
});

describe('CSV export', () => {
  test('Chinese headers, a BOM for Excel, one row per proposal; it imports back unchanged', async () => {
    const res = await api.get('/api/proposals/export.csv?sessionYear=2024', 'committee').buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('proposals-2024.csv');
    const text: string = res.text;
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const [head, ...records] = parse(text, { bom: true }) as string[][];
    expect(head.slice(0, 4)).toEqual(['编号', '年度', '类型', '标题']);
    expect(records.map((r) => r[0])).toEqual(['2024-0001', '2024-0002', '2024-0003', '2024-0004']);
    const third = Object.fromEntries(head.map((h, i) => [h, records[2][i]]));
    expect(third).toMatchObject({
      类型: '大会提案',
      状态: '办理中',
      主办单位: 'unit-housing',
      集体提案: '是',
    });

    const back = await importCsv(text);
    expect(back.body).toMatchObject({ created: 0, advanced: 0, unchanged: 3 });
    // 2024-0004 was filed through the API: the import leaves it to its own workflow.
    expect(back.body.errors).toEqual([expect.objectContaining({ number: '2024-0004', code: 'numberTaken' })]);
  });

  test('a member exports only their own proposals', async () => {
    const res = await api.get('/api/proposals/export.csv?sessionYear=2024', 'member-li').buffer(true);
    const numbers = (parse(res.text, { bom: true }) as string[][]).slice(1).map((r) => r[0]);
    expect(numbers).toEqual(['2024-0001', '2024-0002']); // co-signer of 0001, lead of 0002
  });
});

describe('statistics (domain.md §7) on a known dataset', () => {
  beforeAll(async () => {
    const flags = {
      assigned: 1,
      replied: 0,
      repliedOnTime: 0,
      contactedBeforeReply: 0,
      commitmentDone: 0,
      feedbackReturned: 0,
      satisfied: 0,
      unsatisfied: 0,
      noFeedback: 0,
    };
    const unitRow = (
      id: string,
      unitId: string,
      role: string,
      proposerType: string,
      { topic, sessionYear, ...extra }: { topic?: string; sessionYear?: number; [flag: string]: unknown },
    ) => ({
      id,
      sessionYear: sessionYear ?? 2020,
      proposerType,
      topic,
      unit: { unitId, role, ...flags, ...extra },
    });
    const unitRows = [
      unitRow('2020-0001', 'unit-housing', 'lead', 'member', {
        topic: '教育',
        replied: 1,
        repliedOnTime: 1,
        contactedBeforeReply: 1,
        resultClass: 'A',
        daysToReply: 30,
        feedbackReturned: 2,
        satisfied: 2,
      }),
      unitRow('2020-0002', 'unit-housing', 'lead', 'member', {
        replied: 1,
        resultClass: 'B',
        daysToReply: 100,
        feedbackReturned: 1,
        unsatisfied: 1,
        noFeedback: 1,
      }),
      unitRow('2020-0003', 'unit-housing', 'lead', 'organization', {}),
      unitRow('2020-0004', 'unit-education', 'parallel', 'member', {
        replied: 1,
        repliedOnTime: 1,
        contactedBeforeReply: 1,
        resultClass: 'A',
        daysToReply: 20,
        feedbackReturned: 1,
        satisfied: 1,
      }),
      unitRow('2020-0001', 'unit-education', 'coHandler', 'member', {}),
      unitRow('2021-0001', 'unit-housing', 'lead', 'member', { sessionYear: 2021, replied: 1 }),
    ];
    // As the worker's projection writes them: one summary per proposal in its year's view.
    for (const id of new Set(unitRows.map((r) => r.id))) {
      const rows = unitRows.filter((r) => r.id === id);
      const [{ sessionYear, proposerType, topic }] = rows;
      await proposalViews.put(stack.store.views, sessionYear, [
        {
          id,
          revision: 1,
          value: {
            number: id,
            title: `提案 ${id}`,
            sessionYear,
            organization: proposerType === 'organization',
            ...(topic ? { topic } : {}),
            units: rows.map((r) => r.unit),
          },
        },
      ]);
    }
    const clock = (
      itemId: string,
      clockId: string,
      unitId: string | undefined,
      status: string,
      overdue: boolean,
      escalation: string | null,
    ) => ({
      id: yearRowIds.clock(itemId, clockId),
      revision: 1,
      value: {
        itemId,
        clockId,
        ...(unitId ? { unitId } : {}),
        running: status === 'running',
        overdue,
        escalation,
      },
    });
    const clocks = [
      clock('2020-0003', 'reply:unit-housing', 'unit-housing', 'running', true, 'chaseNotice'),
      clock('2020-0002', 'contact:unit-housing', 'unit-housing', 'met', true, 'supervisionEscalation'),
      clock('2020-0004', 'reply:unit-education', 'unit-education', 'running', false, 'reminder'),
      clock('2020-0005', 'review', undefined, 'running', true, null),
      clock('2021-0001', 'reply:unit-housing', 'unit-housing', 'running', true, 'publicNotice'),
    ];
    for (const year of [2020, 2021])
      await proposalViews.put(
        stack.store.views,
        year,
        clocks.filter((c) => c.id.startsWith(`${year}-`)),
      );
  });

  test('per unit: rates, averages, overdue now, chase notices and escalations', async () => {
    const res = await api.get('/api/proposals/statistics?sessionYear=2020', 'committee').expect(200);
    expect(res.body).toMatchObject({
      sessionYear: 2020,
      groupBy: 'unit',
      adoptedClass: { code: 'A', label: '解决或采纳' },
    });
    expect(res.body.labels.replyRate).toBe('办复率');
    const [education, housing] = res.body.groups;
    expect(housing).toMatchObject({
      key: 'unit-housing',
      label: '市住房和城乡建设局',
      figures: {
        assigned: 3,
        replied: 2,
        replyRate: 0.6667,
        onTimeReplyRate: 0.3333,
        meetingRate: 0.5,
        satisfactionRate: 0.6667,
        unsatisfied: 1,
        noFeedback: 1,
        adopted: 1,
        adoptionRate: 0.5,
        commitmentDone: 0,
        implementationRate: 0.5,
        averageDaysToReply: 65,
        overdueNow: 1,
        chaseNotices: 2,
        escalations: 1,
      },
    });
    expect(education).toMatchObject({
      key: 'unit-education',
      figures: {
        assigned: 1,
        replied: 1,
        replyRate: 1,
        adoptionRate: 1,
        averageDaysToReply: 20,
        overdueNow: 0,
        chaseNotices: 0,
      },
    });
    expect(res.body.total).toMatchObject({
      assigned: 4,
      replied: 3,
      replyRate: 0.75,
      overdueNow: 2,
      chaseNotices: 2,
      escalations: 1,
    });
  });

  test('by proposer type and topic; clock figures only in the total there', async () => {
    const byType = await api
      .get('/api/proposals/statistics?sessionYear=2020&groupBy=proposerType', 'leader')
      .expect(200);
    expect(
      byType.body.groups.map(
        (g: {
          key: string;
          label: string;
          figures: { assigned: number; replied: number; overdueNow: null };
        }) => [g.key, g.label, g.figures.assigned, g.figures.replied, g.figures.overdueNow],
      ),
    ).toEqual([
      ['member', '委员提案', 3, 3, null],
      ['organization', '集体提案', 1, 0, null],
    ]);
    const byTopic = await api
      .get('/api/proposals/statistics?sessionYear=2020&groupBy=topic', 'committee')
      .expect(200);
    expect(
      byTopic.body.groups.map((g: { label: string; figures: { assigned: number } }) => [
        g.label,
        g.figures.assigned,
      ]),
    ).toEqual([
      ['教育', 1],
      ['未分类', 3],
    ]);
  });

  test('a unit sees its own figures only', async () => {
    const res = await api.get('/api/proposals/statistics?sessionYear=2020', 'housing').expect(200);
    expect(res.body.groups.map((g: { key: string }) => g.key)).toEqual(['unit-housing']);
    expect(res.body.total).toMatchObject({ assigned: 3, overdueNow: 1 });
  });
});

describe('demo board', () => {
  test('seeds proposals in varied states through the API’s code paths, once', async () => {
    const deps = {
      store: stack.store,
      temporal: stack.temporal,
      temporalConfig: { TEMPORAL_TASK_QUEUE: stack.taskQueue },
    } as AppDeps;
    const started = await seedDemoProposals(deps, 2019);
    expect(started).toHaveLength(9);
    const docs = await stack.store.proposals
      .find({ sessionYear: 2019 }, { status: 1, key: 1 })
      .sort({ _id: 1 })
      .lean();
    expect(docs.map((d) => d.status)).toEqual([
      'cosigning',
      'underReview',
      'awaitingAssignment',
      'handling',
      'awaitingFeedback',
      'closed',
      'handling',
      'notFiled',
      'withdrawn',
    ]);
    expect(docs[3].key).toBe(true);
    expect(await seedDemoProposals(deps, 2019)).toEqual([]);
    expect(await stack.store.proposals.countDocuments({ sessionYear: 2019 })).toBe(9);
  });
});
