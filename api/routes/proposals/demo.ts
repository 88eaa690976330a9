/**
 * Demo proposals for `npm start`: this year's board in varied states, built the way people would build
 * it — a numbered start and then each action through the same checks as the endpoints. Fixed numbers
 * make it idempotent: a proposal whose workflow exists is left alone.
 */
import type { ActionArgs, ActionName } from '../../../domain/proposal-actions';
import { currentSessionYear, formatProposalNumber } from '../../../domain/proposal-number';
import type { ProposalDraft } from '../../../domain/proposal';
import type { Caller } from '../../../domain/roles';
import { demoDirectory } from '../../../store/demo';
import type { AppDeps } from '../../deps';
import { HttpError } from '../../errors';
import { sendAction } from './act';
import { draftOf, startNumbered } from './create';

type Step = { [A in ActionName]: [who: string, name: A, args: ActionArgs<A>] }[ActionName];

interface DemoProposal {
  seq: number;
  draft: Omit<ProposalDraft, 'organization' | 'coSignerIds' | 'content'> & { coSignerIds?: string[] };
  steps: Step[];
}

const housing = 'unit-housing';
const education = 'unit-education';
const filed: Step = ['committee', 'review', { decision: 'file' }];
const assign = (leadUnitId: string, coHandlerUnitIds: string[] = []): Step => [
  'committee',
  'assign',
  { leadUnitId, coHandlerUnitIds, parallelUnitIds: [] },
];
/** A unit signs for it and records its first contact with the proposer. */
const takeUp = (liaison: string, unitId: string): Step[] => [
  [liaison, 'signFor', { unitId }],
  [liaison, 'recordContact', { unitId, method: 'inPerson', note: '与提案者面商办理思路' }],
];
const reply = (leader: string, unitId: string): Step => [
  leader,
  'reply',
  { unitId, resultClass: 'A', text: '经研究，已将建议纳入年度工作安排并组织实施。' },
];

const demoProposals: DemoProposal[] = [
  {
    seq: 1,
    draft: {
      title: '关于加快老旧小区加装电梯的建议',
      type: 'plenary',
      topic: '城乡建设',
      leadProposerId: 'member-zhang',
      coSignerIds: ['member-li', 'member-wang'],
    },
    steps: [],
  },
  {
    seq: 2,
    draft: {
      title: '关于推进课后服务提质增效的建议',
      type: 'plenary',
      topic: '教育',
      leadProposerId: 'member-li',
    },
    steps: [],
  },
  {
    seq: 3,
    draft: {
      title: '关于完善社区养老服务设施的建议',
      type: 'plenary',
      topic: '社会保障',
      leadProposerId: 'member-wang',
    },
    steps: [filed],
  },
  {
    seq: 4,
    draft: {
      title: '关于加大保障性租赁住房供给的建议',
      type: 'plenary',
      topic: '城乡建设',
      leadProposerId: 'org-minmeng',
    },
    steps: [
      filed,
      assign(housing, [education]),
      ...takeUp('housing', housing),
      ['leader', 'markKey', { leaderId: 'leader' }],
      [
        'leader',
        'logSupervision',
        { activity: 'research', date: '2026-03-20', note: '赴三个保障房项目实地调研' },
      ],
    ],
  },
  {
    seq: 5,
    draft: {
      title: '关于规范住宅小区物业服务的建议',
      type: 'interSession',
      topic: '城乡建设',
      leadProposerId: 'member-li',
    },
    steps: [filed, assign(housing), ...takeUp('housing', housing), reply('housing-leader', housing)],
  },
  {
    seq: 6,
    draft: {
      title: '关于中小学校园周边交通安全治理的建议',
      type: 'interSession',
      topic: '教育',
      leadProposerId: 'member-wang',
      coSignerIds: ['member-zhang'],
    },
    steps: [
      ['member-zhang', 'cosign', { accept: true }],
      filed,
      assign(education),
      ...takeUp('education', education),
      reply('education-leader', education),
      ['member-wang', 'feedback', { rating: 'satisfied' }],
      ['member-zhang', 'feedback', { rating: 'basicallySatisfied' }],
    ],
  },
  {
    seq: 7,
    draft: {
      title: '关于加强城市内涝治理的建议',
      type: 'interSession',
      topic: '城乡建设',
      leadProposerId: 'member-wang',
    },
    steps: [
      filed,
      assign(education),
      ['education', 'requestReturn', { unitId: education, reason: '内涝治理属住建部门职责' }],
    ],
  },
  {
    seq: 8,
    draft: { title: '关于解决本人子女入学问题的请求', type: 'interSession', leadProposerId: 'member-zhang' },
    steps: [['committee', 'review', { decision: 'notFile', reason: 'personalMatter' }]],
  },
  {
    seq: 9,
    draft: {
      title: '关于设立城市书房的建议',
      type: 'interSession',
      topic: '文化',
      leadProposerId: 'member-li',
    },
    steps: [['member-li', 'withdraw', { reason: '拟与其他委员联名重新提交' }]],
  },
];

const demoCaller = (id: string): Caller => {
  const user = demoDirectory.users.find((u) => u.id === id)!;
  return { id, roles: user.roles, ...(user.unitId ? { unitId: user.unitId } : {}) };
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries while the worker is still starting (npm start runs both at once); a refusal is not retried. */
async function patiently<T>(work: () => Promise<T>, attempts = 30): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (err instanceof HttpError || attempt >= attempts) throw err;
      await pause(2_000);
    }
  }
}

/** Seeds the demo proposals of this session year; returns the numbers it started. */
export async function seedDemoProposals(
  deps: AppDeps,
  sessionYear = currentSessionYear(),
): Promise<string[]> {
  const started: string[] = [];
  for (const { seq, draft, steps } of demoProposals) {
    const number = formatProposalNumber(sessionYear, seq);
    const full = await draftOf(deps, { content: `${draft.title}。（演示数据）`, coSignerIds: [], ...draft });
    if ((await startNumbered(deps, number, full, `demo:${number}`)) !== 'started') continue;
    started.push(number);
    for (const [who, name, args] of steps)
      await patiently(() => sendAction(deps, demoCaller(who), number, name, args as never));
  }
  return started;
}
