import {
  afterResponse,
  followUpActionsFor,
  followUpRefusal,
  followUpView,
  initialFollowUpState,
  isSender,
  mayAct,
  maySee,
  type FollowUpCommand,
  type FollowUpInput,
  type FollowUpResponse,
  type FollowUpState,
} from '../../domain/follow-up';
import { defaultPolicy } from '../../domain/policy';
import type { Caller } from '../../domain/roles';

const letter: FollowUpInput = {
  followUpId: 'L1',
  kind: 'recommendationLetter',
  title: '建议书',
  content: '……',
  sender: { groupId: 'group-ecology' },
  responder: { unitId: 'dept-ecology' },
  policy: defaultPolicy,
  policyVersion: 1,
};

const response = (commitments: string[] = []): FollowUpResponse => ({
  round: 1,
  content: '答复',
  commitments,
  at: 2,
  by: 'ecology',
  onTime: true,
});

const state = (patch: Partial<FollowUpState> = {}): FollowUpState => ({
  ...initialFollowUpState(1),
  ...patch,
});
const codeOf = (s: FollowUpState, command: FollowUpCommand, input = letter) =>
  followUpRefusal(s, input, command)?.code;
const rate = (satisfaction = 'unsatisfied', adoption = 'notAdopted') =>
  ({ action: 'sendBack', by: 'he', adoption, satisfaction }) as const;

describe('the next step after a response', () => {
  const kinds = defaultPolicy.followUpKinds;
  it('asks the sender to rate it when the kind has an evaluation', () => {
    expect(afterResponse(kinds.recommendationLetter, response())).toBe('awaitingEvaluation');
    expect(afterResponse(kinds.consultationResult, response(['x']))).toBe('awaitingEvaluation');
  });
  it('implements commitments when the kind checks in, else closes', () => {
    expect(afterResponse(kinds.commitment, response(['x']))).toBe('implementing');
    expect(afterResponse(kinds.commitment, response())).toBe('closed');
    expect(afterResponse(kinds.instruction, response(['x']))).toBe('closed');
  });
});

describe('refusals', () => {
  it('refuses everything on a closed item, naming how it closed', () => {
    const closed = state({ status: 'closed', outcome: { code: 'withdrawn', at: 3 } });
    expect(followUpRefusal(closed, letter, { action: 'acknowledge', by: 'x' })).toEqual({
      code: 'follow_up_closed',
      message: '该事项已办结（已撤销），不能签收',
    });
  });

  it('wants a sign-for before a response, and only one', () => {
    expect(codeOf(state(), { action: 'respond', by: 'x', content: 'c', commitments: [] })).toBe(
      'not_acknowledged',
    );
    const signed = state({ status: 'awaitingResponse', acknowledgement: { at: 2, by: 'x', onTime: true } });
    expect(codeOf(signed, { action: 'acknowledge', by: 'x' })).toBe('already_acknowledged');
    expect(codeOf(signed, { action: 'respond', by: 'x', content: 'c', commitments: [] })).toBeUndefined();
  });

  it('checks ratings against the item’s own scales', () => {
    const rated = state({ status: 'awaitingEvaluation', responses: [response()] });
    const evaluate = {
      action: 'evaluate',
      by: 'he',
      adoption: 'adopted',
      satisfaction: 'satisfied',
    } as const;
    expect(codeOf(rated, evaluate)).toBeUndefined();
    expect(codeOf(rated, { ...evaluate, adoption: 'maybe' })).toBe('unknown_adoption');
    expect(codeOf(rated, { ...evaluate, satisfaction: 'meh' })).toBe('unknown_satisfaction');
    expect(codeOf(state(), evaluate)).toBe('not_awaiting_evaluation');
  });

  it('sends back only an unsatisfactory response, as often as the kind allows', () => {
    const rated = state({ status: 'awaitingEvaluation', responses: [response()] });
    expect(codeOf(rated, rate())).toBeUndefined();
    expect(codeOf(rated, rate('basicallySatisfied'))).toBe('send_back_needs_unsatisfied');
    const once = { ...rated, evaluations: [{ round: 1, verdict: 'sentBack' as const, at: 3 }] };
    expect(followUpRefusal(once, letter, rate())).toEqual({
      code: 'send_backs_used_up',
      message: '退回重新答复至多 1 次，已用完',
    });
    const consultation = { ...letter, kind: 'consultationResult' as const };
    expect(followUpRefusal(rated, consultation, rate())?.message).toBe('此类事项不能退回重新答复');
  });

  it('takes progress reports only while implementing', () => {
    const checkIn = { action: 'checkIn', by: 'x', progress: 'p' } as const;
    expect(followUpRefusal(state({ status: 'awaitingEvaluation' }), letter, checkIn)).toEqual({
      code: 'not_implementing',
      message: '该事项当前待评价，落实中时才能报告落实进展',
    });
    expect(codeOf(state({ status: 'implementing' }), checkIn)).toBeUndefined();
  });
});

describe('the read model view', () => {
  it('says whether the first response was on time and the latest rating counts as adopted', () => {
    const view = followUpView(
      letter,
      state({
        status: 'implementing',
        responses: [
          { ...response(), onTime: false },
          { ...response(['整改']), round: 2, onTime: true },
        ],
        evaluations: [
          { round: 1, verdict: 'sentBack', adoption: 'notAdopted', satisfaction: 'unsatisfied', at: 3 },
          {
            round: 2,
            verdict: 'accepted',
            adoption: 'partlyAdopted',
            satisfaction: 'basicallySatisfied',
            at: 4,
          },
        ],
      }),
    );
    expect(view).toMatchObject({
      round: 2,
      sendBacksLeft: 0,
      answered: true,
      respondedOnTime: false,
      adoption: 'partlyAdopted',
      adopted: true,
      openCommitments: ['整改'],
      statusLabel: '落实中',
    });
    expect(view.scales?.adoption.map((e) => e.code)).toEqual(['adopted', 'partlyAdopted', 'notAdopted']);
  });

  it('leaves the rating open when the window lapsed', () => {
    const view = followUpView(
      letter,
      state({
        status: 'closed',
        responses: [response()],
        evaluations: [{ round: 1, verdict: 'lapsed', at: 3 }],
      }),
    );
    expect(view).toMatchObject({ answered: true, adopted: null, adoption: null });
  });
});

describe('who sees and acts', () => {
  const caller = (patch: Partial<Caller>): Caller => ({ id: 'u', roles: ['member'], ...patch });
  const department = caller({ roles: ['department'], unitId: 'dept-ecology' });
  const supervisor = caller({ roles: ['supervisor'], groupId: 'group-ecology' });
  const secretary = caller({ roles: ['secretary'], groupId: 'group-ecology' });

  it('lets the responding unit sign for and answer, the sending group rate, the committee withdraw', () => {
    expect(mayAct(department, letter, 'respond')).toBe(true);
    expect(mayAct(caller({ roles: ['unit'], unitId: 'unit-housing' }), letter, 'respond')).toBe(false);
    expect(mayAct(supervisor, letter, 'evaluate')).toBe(true);
    expect(mayAct(supervisor, letter, 'acknowledge')).toBe(false);
    expect(mayAct(secretary, letter, 'evaluate')).toBe(false);
    expect(mayAct(caller({ roles: ['committee'] }), letter, 'withdraw')).toBe(true);
    expect(mayAct(department, letter, 'withdraw')).toBe(false);
  });

  it('lists what the caller may do now: the status’s actions that are theirs', () => {
    const committee = caller({ roles: ['committee'] });
    const at = (status: FollowUpState['status'], sendBacksLeft = 1) => ({ ...letter, status, sendBacksLeft });
    expect(followUpActionsFor(department, at('awaitingAcknowledgement'))).toEqual(['acknowledge']);
    expect(followUpActionsFor(supervisor, at('awaitingAcknowledgement'))).toEqual([]);
    expect(followUpActionsFor(committee, at('awaitingAcknowledgement'))).toEqual(['withdraw']);
    expect(followUpActionsFor(supervisor, at('awaitingEvaluation'))).toEqual(['evaluate', 'sendBack']);
    expect(followUpActionsFor(supervisor, at('awaitingEvaluation', 0))).toEqual(['evaluate']);
    expect(followUpActionsFor(department, at('implementing'))).toEqual(['checkIn', 'reportDone']);
    expect(followUpActionsFor(committee, at('closed'))).toEqual([]);
    // A supervisor of another group is no sender.
    expect(
      followUpActionsFor(caller({ roles: ['supervisor'], groupId: 'g2' }), at('awaitingEvaluation')),
    ).toEqual([]);
  });

  it('lets named people rate what was sent on their behalf', () => {
    const mine = { ...letter, sender: { userIds: ['member-zhang'] } };
    expect(isSender(caller({ id: 'member-zhang' }), mine)).toBe(true);
    expect(isSender(caller({ id: 'member-li' }), mine)).toBe(false);
  });

  it('shows an item to both parties and body-wide roles only', () => {
    expect(maySee(department, letter)).toBe(true);
    expect(maySee(secretary, letter)).toBe(true);
    expect(maySee(caller({ roles: ['leader'] }), letter)).toBe(true);
    expect(maySee(caller({ roles: ['supervisor'], groupId: 'group-other' }), letter)).toBe(false);
    expect(maySee(caller({ roles: ['unit'], unitId: 'unit-housing' }), letter)).toBe(false);
  });
});
