/** The web workspace's pure logic (web/lib): item ids, deadlines in words, the board, action forms. */
import { followUpActionLabels } from '../../domain/follow-up';
import { proposalNumberPattern as domainProposalNumber } from '../../domain/proposal-number';
import { actionNames } from '../../domain/proposal-actions';
import { groupingLabels } from '../../domain/statistics';
import { postingActionLabels } from '../../domain/supervision';
import {
  filingForms,
  followUpForms,
  postingForms,
  proposalForms,
  toBody,
  withForms,
} from '../../web/lib/actions.js';
import { boardSections } from '../../web/lib/board.js';
import { preferencesBody } from '../../web/lib/preferences.js';
import { figureText, shownFigures, statisticsTable } from '../../web/lib/statistics.js';
import { daysBetween, dueStatus, errorText, formatTime, responsibleText } from '../../web/lib/format.js';
import { itemIdFromPath, itemKinds, itemPath, proposalNumberPattern } from '../../web/lib/items.js';

describe('item ids', () => {
  test('a proposal number is a proposal and nothing else', () => {
    expect(itemKinds('2026-0001')).toEqual(['proposal']);
    expect(itemKinds('2026-123456')).toEqual(['proposal']);
  });

  test('the page and the domain agree on what a proposal number is', () => {
    for (const id of ['2026-0001', '2026-123456', '2026-001', '2026-0001-converted', '26-0001'])
      expect(proposalNumberPattern.test(id)).toBe(domainProposalNumber.test(id));
  });

  test('a dated id is asked for as a posting first, anything else as a follow-up item first', () => {
    expect(itemKinds('group-ecology-2026-11-22')).toEqual(['posting', 'followUp']);
    expect(itemKinds('group-ecology-demo')).toEqual(['followUp', 'posting']);
    expect(itemKinds('group-ecology-demo-L5')).toEqual(['followUp', 'posting']);
    expect(itemKinds('2026-0003-converted')).toEqual(['followUp', 'posting']);
    expect(itemKinds('instruction-2026-11-22-1a2b3c4d')).toEqual(['followUp', 'posting']);
  });

  test('paths round-trip, the notification link included', () => {
    expect(itemPath('2026-0001')).toBe('/items/2026-0001');
    expect(itemIdFromPath(itemPath('a b/c'))).toBe('a b/c');
    expect(itemIdFromPath('/items/2026-0001/')).toBe('2026-0001');
    expect(itemIdFromPath('/')).toBeUndefined();
    expect(itemIdFromPath('/items/')).toBeUndefined();
    expect(itemIdFromPath('/items/%E0%A4%A')).toBe('%E0%A4%A');
  });
});

describe('times and deadlines in words', () => {
  test('times are Beijing time, from epoch ms or ISO strings', () => {
    expect(formatTime('2026-11-22T09:05:00.000+08:00')).toBe('2026-11-22 09:05');
    expect(formatTime(Date.UTC(2026, 10, 22, 16, 30))).toBe('2026-11-23 00:30');
    expect(formatTime(undefined)).toBe('');
    expect(formatTime('soon')).toBe('soon');
  });

  test('days between two days, across a month end', () => {
    expect(daysBetween('2026-11-28', '2026-12-02')).toBe(4);
    expect(daysBetween('2026-12-02', '2026-11-28')).toBe(-4);
  });

  test('a deadline reads as time left, due today, or overdue', () => {
    expect(dueStatus('2026-12-10', false, '2026-11-30')).toEqual({ text: '还剩 10 天', tone: 'ok' });
    expect(dueStatus('2026-12-03', false, '2026-11-30')).toEqual({ text: '还剩 3 天', tone: 'soon' });
    expect(dueStatus('2026-11-30', false, '2026-11-30')).toEqual({ text: '今日到期', tone: 'today' });
    expect(dueStatus('2026-11-27', true, '2026-11-30')).toEqual({ text: '已逾期 3 天', tone: 'overdue' });
    // A drill clock of seconds is overdue on its own due day: the server's word counts.
    expect(dueStatus('2026-11-30', true, '2026-11-30')).toEqual({ text: '已逾期', tone: 'overdue' });
  });

  test('who is responsible, in names', () => {
    const names: Record<string, string> = { 'unit-housing': '市住房和城乡建设局' };
    const nameOf = (id: string) => names[id] ?? id;
    const roles = { committee: '提案委员会办公室' };
    expect(responsibleText({ unitId: 'unit-housing' }, nameOf, roles)).toBe('市住房和城乡建设局');
    expect(responsibleText({ userIds: ['member-zhang', 'member-li'] }, nameOf, roles)).toBe(
      'member-zhang、member-li',
    );
    expect(responsibleText({ role: 'committee' }, nameOf, roles)).toBe('提案委员会办公室');
    expect(responsibleText(undefined, nameOf, roles)).toBe('');
  });

  test("the API's error message, with every field it names", () => {
    expect(errorText({ message: '需要登录' })).toBe('需要登录');
    const details = {
      issues: [
        { field: 'body.text', message: '不能为空' },
        { field: 'body.resultClass', message: 'Required' },
      ],
    };
    expect(errorText({ message: '参数 body.text 无效：不能为空', details })).toBe(
      '参数 body.text 无效：不能为空；参数 body.resultClass 无效：Required',
    );
  });
});

describe('the board', () => {
  const keys = (me: { id: string; roles: string[]; unitId?: string; groupId?: string }) =>
    boardSections(me).map((s) => s.key);

  test('each role sees the lists it works from', () => {
    expect(keys({ id: 'committee', roles: ['committee'] })).toEqual([
      'proposals',
      'followUps',
      'postings',
      'statistics',
    ]);
    expect(keys({ id: 'housing', roles: ['unit'], unitId: 'unit-housing' })).toEqual([
      'proposals',
      'followUps',
      'statistics',
    ]);
    expect(keys({ id: 'member-zhang', roles: ['member'] })).toEqual(['proposals', 'followUps']);
    expect(keys({ id: 'supervisor-he', roles: ['supervisor'], groupId: 'group-ecology' })).toEqual([
      'followUps',
      'postings',
    ]);
    expect(keys({ id: 'ecology', roles: ['department'], unitId: 'dept-ecology' })).toEqual([
      'followUps',
      'postings',
    ]);
    expect(keys({ id: 'committee-secretary', roles: ['secretary'] })).toEqual(['proposals']);
  });

  test('titles say whose list it is; members get no filters', () => {
    expect(boardSections({ id: 'member-zhang', roles: ['member'] })[0]).toEqual({
      key: 'proposals',
      title: '我的提案',
      filters: false,
    });
    expect(boardSections({ id: 'housing', roles: ['unit'], unitId: 'unit-housing' })[0].title).toBe(
      '本单位承办的提案',
    );
  });
});

describe('actions', () => {
  test('every proposal action has a form, and only those', () => {
    expect(Object.keys(proposalForms).sort()).toEqual([...actionNames].sort());
  });

  test('every follow-up and posting action has a form, and only those', () => {
    expect(Object.keys(followUpForms).sort()).toEqual(Object.keys(followUpActionLabels).sort());
    expect(Object.keys(postingForms).sort()).toEqual(Object.keys(postingActionLabels).sort());
  });

  test('the detail’s actions get their forms; an action the page has no form for asks nothing', () => {
    const path = '/api/follow-ups/L1/respond';
    expect(withForms([{ name: 'respond', label: '答复', path }], followUpForms)).toEqual([
      { label: '答复', path, variants: followUpForms.respond },
    ]);
    expect(withForms([{ name: 'newAction', label: '新', path }], followUpForms)[0].variants).toEqual([
      { fields: [] },
    ]);
  });

  test('members and organizations file in their own name, committee staff for a proposer, others not', () => {
    const names = (roles: string[]) =>
      filingForms({ id: 'u', roles }).map((v) => [v.label, v.fields.map((f) => f.name)]);
    const fields = ['title', 'type', 'topic', 'content', 'coSignerIds'];
    expect(names(['member'])).toEqual([['提交提案', fields]]);
    expect(names(['organization'])).toEqual([['提交提案', fields]]);
    expect(names(['committee'])).toEqual([['代为提交提案', ['leadProposerId', ...fields]]]);
    expect(names(['unit'])).toEqual([]);
  });

  test('a filled-in form becomes the body the API takes', () => {
    const me = { unitId: 'unit-housing' };
    const [notFile] = proposalForms.review.filter((v) => v.label === '不予立案');
    expect(toBody(notFile, { reason: 'personalMatter', note: '  ' }, me)).toEqual({
      decision: 'notFile',
      reason: 'personalMatter',
    });
    expect(toBody(proposalForms.signFor[0], {}, me)).toEqual({ unitId: 'unit-housing' });
    expect(
      toBody(
        proposalForms.assign[0],
        { leadUnitId: 'unit-housing', coHandlerUnitIds: [], parallelUnitIds: [] },
        me,
      ),
    ).toEqual({ leadUnitId: 'unit-housing' });
    expect(
      toBody(followUpForms.respond[0], { content: '已整改', commitments: '一、加装\n\n二、复查 ' }, me),
    ).toEqual({
      content: '已整改',
      commitments: ['一、加装', '二、复查'],
    });
    expect(
      toBody(
        postingForms.logActivity[0],
        { kind: 'visit', participants: 'supervisor-he，supervisor-guo' },
        me,
      ),
    ).toEqual({ kind: 'visit', participants: ['supervisor-he', 'supervisor-guo'] });
    expect(toBody(proposalForms.cosign[1], {}, me)).toEqual({ accept: false });
  });
});

describe('notification settings', () => {
  const values = {
    channels: ['inbox', 'email'],
    digest: true,
    webhookUrl: ' ',
    webhookFormat: 'json',
    webhookSecret: '',
  };

  test('no robot address, no webhook', () => {
    expect(preferencesBody(values)).toEqual({ channels: ['inbox', 'email'], digest: true });
  });

  test('a secret goes with a DingTalk robot only; ****** keeps the saved one', () => {
    const url = 'https://oapi.dingtalk.com/robot/send?access_token=t';
    const robot = { ...values, webhookUrl: url, webhookSecret: '******' };
    expect(preferencesBody({ ...robot, webhookFormat: 'dingtalk' }).webhook).toEqual({
      url,
      format: 'dingtalk',
      secret: '******',
    });
    expect(preferencesBody({ ...robot, webhookFormat: 'wecom' }).webhook).toEqual({ url, format: 'wecom' });
  });
});

describe('statistics', () => {
  test('rates as percentages, counts as they are, no denominator as —', () => {
    expect(figureText('replyRate', 0.8333)).toBe('83.3%');
    expect(figureText('assigned', 12)).toBe('12');
    expect(figureText('satisfactionRate', null)).toBe('—');
  });

  test('one row per group and a total, headed by the API’s figure names', () => {
    const figures = (assigned: number) =>
      Object.fromEntries(shownFigures.map((k) => [k, k === 'assigned' ? assigned : null]));
    const labels = Object.fromEntries(shownFigures.map((k) => [k, `名${k}`]));
    const { headers, rows } = statisticsTable(
      {
        groupBy: 'unit',
        labels,
        groups: [{ label: '市教育局', figures: figures(2) }],
        total: figures(2),
      },
      groupingLabels,
    );
    expect(headers.slice(0, 2)).toEqual(['承办单位', '名assigned']);
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      ['市教育局', '2', '—'],
      ['合计', '2', '—'],
    ]);
  });
});
