/** The event-notice rule (domain.md §10): which entries are told, to whom, with what text and key. */
import {
  eventMessage,
  eventNotices,
  eventOf,
  type EventContext,
  type EventEntry,
  type EventItem,
} from '../../domain/event-notices';
import type { FollowUpView } from '../../domain/follow-up';
import { defaultPolicy } from '../../domain/policy';
import type { Assignment, ProposalState } from '../../domain/proposal';

const names: Record<string, string> = {
  'unit-housing': '市住房和城乡建设局',
  'unit-education': '市教育局',
  'dept-ecology': '市生态环境局',
};
const ctx: EventContext = { policy: defaultPolicy, unitName: (id) => names[id] ?? id };

const assignment = (unitId: string, role: Assignment['role'], status: Assignment['status'] = 'signed') =>
  ({ unitId, role, status, assignedAt: 0 }) as Assignment;

/** A proposal by 张 with 李 co-signing and 王's proposal merged in. */
const state = (extra: Partial<ProposalState> = {}): EventItem => ({
  kind: 'proposal',
  state: {
    proposalId: '2026-0012',
    sessionYear: 2026,
    number: '2026-0012',
    title: '关于便民停车的建议',
    content: '……',
    type: 'interSession',
    leadProposerId: 'member-zhang',
    coSignerIds: ['member-li', 'member-zhao'],
    confirmedCoSignerIds: ['member-li'],
    declinedCoSignerIds: ['member-zhao'],
    mergedProposers: [{ proposalId: '2026-0020', proposerIds: ['member-wang'] }],
    status: 'handling',
    assignments: [],
    feedback: [],
    round: 0,
    submittedAt: 0,
    policyVersion: 1,
    ...extra,
  } as ProposalState,
});

const entry = (kind: string, data?: Record<string, unknown>, label = kind): EventEntry => ({
  key: `2026-0012:r7:${kind}`,
  itemId: '2026-0012',
  at: Date.parse('2026-05-06T10:00:00+08:00'),
  kind,
  label,
  data,
});

const proposers = { userIds: ['member-zhang', 'member-li', 'member-wang'] };
const unitAudiences = ['responsible', 'secretary'];

/** Recipients, key and the body of each notice, as compact strings. */
const told = (item: EventItem, e: EventEntry) =>
  eventNotices(item, e, ctx).map((n) => ({ key: n.key, to: n.to, audiences: n.audiences, lines: n.lines }));

describe('proposal events', () => {
  it('立案 goes to every proposer (lead, confirmed co-signers, merged proposals), keyed by the entry', () => {
    const [notice] = eventNotices(state(), entry('filed'), ctx);
    expect(notice).toMatchObject({
      key: 'event:2026-0012:r7:filed',
      event: 'filed',
      itemId: '2026-0012',
      at: Date.parse('2026-05-06T10:00:00+08:00'),
      to: proposers,
      audiences: ['responsible'],
      subject: '【回音】立案通知：提案 2026-0012《关于便民停车的建议》',
    });
    expect(notice.lines[0]).toBe('提案 2026-0012《关于便民停车的建议》已立案，将交承办单位办理。');
  });

  it('不予立案 names the reason by its policy label, and the note', () => {
    const e = entry('notFiled', { reason: 'underLitigation', note: '已进入诉讼程序' }, '不予立案：涉及诉讼');
    expect(told(state(), e)).toEqual([
      {
        key: 'event:2026-0012:r7:notFiled',
        to: proposers,
        audiences: ['responsible'],
        lines: ['提案 2026-0012《关于便民停车的建议》不予立案。', '理由：涉及诉讼', '说明：已进入诉讼程序'],
      },
    ]);
  });

  it('转为意见建议 and 并案 go to the proposers, naming the unit or the target', () => {
    const converted = state({ conversion: { unitId: 'unit-education', consent: true } });
    expect(told(converted, entry('converted', { followUpId: '2026-0012-converted' }))[0]).toMatchObject({
      to: proposers,
      lines: [
        '提案 2026-0012《关于便民停车的建议》已转为意见建议，交市教育局办理。',
        '办理情况可在事项页查看。',
      ],
    });
    expect(told(state(), entry('merged', { intoProposalId: '2026-0003' }))[0]).toMatchObject({
      to: proposers,
      lines: [
        '提案 2026-0012《关于便民停车的建议》已并入提案 2026-0003 办理。',
        '两件提案一并办理，您仍将收到书面答复。',
      ],
    });
  });

  it('交办 goes to the unit: its liaisons and its secretaries', () => {
    expect(told(state(), entry('assigned', { unitId: 'unit-housing', role: 'lead' }))).toEqual([
      {
        key: 'event:2026-0012:r7:assigned#unit-housing',
        to: { unitId: 'unit-housing' },
        audiences: unitAudiences,
        lines: [
          '提案 2026-0012《关于便民停车的建议》已交市住房和城乡建设局办理（主办）。',
          '请及时签收；如认为不属本单位职责，可在期限内申请退回。',
        ],
      },
    ]);
  });

  it('an approved 退回 goes to both units, each its own notice; a refused one to the unit that asked', () => {
    const approved = told(
      state(),
      entry('returnApproved', { unitId: 'unit-housing', toUnitId: 'unit-education' }),
    );
    expect(approved.map((n) => [n.key, n.to])).toEqual([
      ['event:2026-0012:r7:returnApproved#unit-housing', { unitId: 'unit-housing' }],
      ['event:2026-0012:r7:returnApproved#unit-education', { unitId: 'unit-education' }],
    ]);
    expect(approved[0].lines).toEqual([
      '市住房和城乡建设局关于提案 2026-0012《关于便民停车的建议》的退回申请已获同意，改由市教育局办理。',
    ]);
    expect(approved[1].lines[0]).toBe(
      '提案 2026-0012《关于便民停车的建议》经市住房和城乡建设局申请退回，改由市教育局办理。',
    );
    const refused = told(
      state(),
      entry('returnRejected', { unitId: 'unit-housing' }, '退回申请未获同意：属本单位职责'),
    );
    expect(refused).toEqual([
      {
        key: 'event:2026-0012:r7:returnRejected#unit-housing',
        to: { unitId: 'unit-housing' },
        audiences: unitAudiences,
        lines: [
          '市住房和城乡建设局关于提案 2026-0012《关于便民停车的建议》的退回申请未获同意，请继续办理。',
          '委员会意见：退回申请未获同意：属本单位职责',
        ],
      },
    ]);
  });

  it('答复已送达，请评价 goes to each proposer, on a reviewed reply released and on a direct reply', () => {
    for (const kind of ['replyReleased', 'replied']) {
      const [notice] = eventNotices(state(), entry(kind, { unitId: 'unit-housing', resultClass: 'B' }), ctx);
      expect(notice).toMatchObject({
        event: 'replyReleased',
        to: proposers,
        key: `event:2026-0012:r7:${kind}`,
      });
      expect(notice.subject).toBe('【回音】答复已送达，请评价：提案 2026-0012《关于便民停车的建议》');
      expect(notice.lines).toEqual([
        '市住房和城乡建设局对提案 2026-0012《关于便民停车的建议》的书面答复已送达（列入计划拟解决）。',
        '请查看答复并在期限内评价（满意、基本满意、不满意）。',
      ]);
    }
  });

  it('a draft awaiting sign-off tells the unit leader; a returned reply tells the unit, with the reason', () => {
    const [draft] = eventNotices(
      state(),
      entry('replyDrafted', { unitId: 'unit-housing', resultClass: 'A' }),
      ctx,
    );
    expect(draft).toMatchObject({
      event: 'replyAwaitsSignOff',
      to: { unitId: 'unit-housing' },
      audiences: ['unitLeader'],
      key: 'event:2026-0012:r7:replyDrafted#unit-housing',
    });
    expect(draft.lines[0]).toBe(
      '市住房和城乡建设局关于提案 2026-0012《关于便民停车的建议》的答复稿已起草（解决或采纳），待您审签。',
    );
    const returned = eventNotices(
      state(),
      entry('replyReturned', { unitId: 'unit-housing', step: 'check', reason: '措施不具体' }),
      ctx,
    );
    expect(returned).toMatchObject([
      { event: 'replyReturned', to: { unitId: 'unit-housing' }, audiences: unitAudiences },
    ]);
    expect(returned[0].lines).toEqual([
      '市住房和城乡建设局关于提案 2026-0012《关于便民停车的建议》的答复经委员会审核退回修改。',
      '理由：措施不具体',
      '请修改后重新报负责人审签。',
    ]);
    // Signed off and awaiting the committee: nothing for the proposers yet.
    expect(eventNotices(state(), entry('replySignedOff', { unitId: 'unit-housing' }), ctx)).toEqual([]);
  });

  it('重新办理 goes to every unit that owes a reply (not a co-handler, not a unit re-assigned away)', () => {
    const handled = state({
      assignments: [
        assignment('unit-housing', 'parallel'),
        assignment('unit-education', 'parallel'),
        assignment('unit-old', 'parallel', 'returned'),
        assignment('unit-helper', 'coHandler'),
      ],
    });
    const notices = told(handled, entry('rehandlingOrdered', { reason: '答复未解决实际问题' }));
    expect(notices.map((n) => n.to)).toEqual([{ unitId: 'unit-housing' }, { unitId: 'unit-education' }]);
    expect(notices[0].lines).toEqual([
      '提案 2026-0012《关于便民停车的建议》的答复提案者不满意，委员会决定重新办理。',
      '说明：答复未解决实际问题',
      '请在期限内重新答复。',
    ]);
    // Once re-handling is ordered per unit, the entry names it.
    expect(told(handled, entry('rehandlingOrdered', { unitId: 'unit-education' })).map((n) => n.to)).toEqual([
      { unitId: 'unit-education' },
    ]);
  });

  it('评价结果 goes to the rated unit when the entry names it, else to every replying unit', () => {
    const handled = state({
      assignments: [assignment('unit-housing', 'lead'), assignment('unit-education', 'coHandler')],
    });
    const all = told(handled, entry('feedback', { rating: 'basicallySatisfied' }));
    expect(all).toEqual([
      {
        key: 'event:2026-0012:r7:feedback#unit-housing',
        to: { unitId: 'unit-housing' },
        audiences: unitAudiences,
        lines: ['提案者对市住房和城乡建设局就提案 2026-0012《关于便民停车的建议》所作答复的评价：基本满意。'],
      },
    ]);
    const one = told(handled, entry('feedback', { rating: 'unsatisfied', unitId: 'unit-education' }));
    expect(one.map((n) => [n.key, n.lines[0]])).toEqual([
      [
        'event:2026-0012:r7:feedback#unit-education',
        '提案者对市教育局就提案 2026-0012《关于便民停车的建议》所作答复的评价：不满意。',
      ],
    ]);
  });

  it('tells nothing of the other entries', () => {
    for (const kind of ['submitted', 'cosigned', 'signedFor', 'contacted', 'status:handling', 'closed'])
      expect(eventNotices(state(), entry(kind), ctx)).toEqual([]);
    expect(eventOf(state(), { kind: 'absorbed' })).toBeUndefined();
  });
});

describe('follow-up events', () => {
  const item = (kind: FollowUpView['kind'], kindLabel: string): EventItem => ({
    kind: 'followUp',
    item: {
      followUpId: 'group-ecology-2026-03-01-L1',
      kind,
      kindLabel,
      title: '关于河道保洁的建议',
      responder: { unitId: 'dept-ecology' },
      sender: { groupId: 'group-ecology' },
      policyVersion: 1,
      scales: {
        adoption: defaultPolicy.adoptionScale,
        satisfaction: defaultPolicy.satisfactionScale,
      },
    } as unknown as FollowUpView,
  });
  const letter = item('recommendationLetter', '民主监督建议书');
  const followUpEntry = (kind: string, data?: Record<string, unknown>): EventEntry => ({
    ...entry(kind, data),
    key: `group-ecology-2026-03-01-L1:r1:${kind}`,
    itemId: 'group-ecology-2026-03-01-L1',
  });

  it('建议书送达 goes to the department (its people and secretaries)', () => {
    const [notice] = eventNotices(letter, followUpEntry('followUpOpened'), ctx);
    expect(notice).toMatchObject({
      key: 'event:group-ecology-2026-03-01-L1:r1:followUpOpened',
      event: 'letterDelivered',
      to: { unitId: 'dept-ecology' },
      audiences: unitAudiences,
      subject: '【回音】建议书送达通知：民主监督建议书《关于河道保洁的建议》',
      lines: [
        '民主监督建议书《关于河道保洁的建议》已送达市生态环境局（事项 group-ecology-2026-03-01-L1）。',
        '请及时签收，并在期限内书面答复。',
      ],
    });
  });

  it('other follow-up kinds are not announced on delivery', () => {
    expect(eventNotices(item('commitment', '办理承诺落实'), followUpEntry('followUpOpened'), ctx)).toEqual(
      [],
    );
    expect(eventNotices(letter, followUpEntry('responded'), ctx)).toEqual([]);
  });

  it('评价结果 of a response goes to the responding unit; a send-back asks for a new response', () => {
    const rated = { adoption: 'partlyAdopted', satisfaction: 'basicallySatisfied' };
    const [evaluated] = told(letter, followUpEntry('evaluated', rated));
    expect(evaluated).toEqual({
      key: 'event:group-ecology-2026-03-01-L1:r1:evaluated',
      to: { unitId: 'dept-ecology' },
      audiences: unitAudiences,
      lines: [
        '来件方对市生态环境局就民主监督建议书《关于河道保洁的建议》所作答复的评价：采纳情况：部分采纳，满意度：基本满意。',
      ],
    });
    const [sentBack] = told(
      letter,
      followUpEntry('sentBack', { adoption: 'notAdopted', satisfaction: 'unsatisfied' }),
    );
    expect(sentBack.lines).toEqual([
      '来件方对市生态环境局就民主监督建议书《关于河道保洁的建议》所作答复的评价：采纳情况：未采纳，满意度：不满意。',
      '答复被退回，请在期限内重新答复。',
    ]);
  });
});

describe('eventMessage', () => {
  const [notice] = eventNotices(state(), entry('assigned', { unitId: 'unit-housing', role: 'lead' }), ctx);

  it('says what happened, links the item page and marks the secretary copy', () => {
    const message = eventMessage(notice, 'responsible', 'https://huiyin.example.gov.cn/');
    expect(message.link).toBe('https://huiyin.example.gov.cn/items/2026-0012');
    expect(message.subject).toBe('【回音】交办通知：提案 2026-0012《关于便民停车的建议》');
    expect(message.text.split('\n')).toEqual([
      '交办通知',
      '提案 2026-0012《关于便民停车的建议》已交市住房和城乡建设局办理（主办）。',
      '请及时签收；如认为不属本单位职责，可在期限内申请退回。',
      '查看：https://huiyin.example.gov.cn/items/2026-0012',
      '',
      '此消息由回音（Huiyin）提案办理系统自动发送。',
    ]);
    expect(eventMessage(notice, 'secretary', 'https://x').text.split('\n')[0]).toBe('交办通知（抄送：秘书）');
  });
});
