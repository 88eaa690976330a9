/**
 * One durable process per follow-up item (件件有回音, domain.md §4): a recommendation letter, a
 * converted suggestion, a class-B commitment, a leader's instruction, a consultation result. Every
 * kind runs this one lifecycle; its policy entry says which clocks, whether the sender evaluates,
 * how many send-backs, whether commitments get check-ins.
 *
 * Human actions arrive as one Update, `act`, validated by domain/follow-up.ts and run one at a time.
 * The read model is written after the next clock starts and before the previous one stops, so at
 * every instant an open item either has its response or a running clock (the guarantee).
 */
import {
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import type { Activities } from '../activities';
import {
  afterEvaluation,
  afterResponse,
  currentRound,
  followUpClockIds as ids,
  followUpRefusal,
  followUpView,
  initialFollowUpState,
  latestResponse,
  type FollowUpCommand,
  type FollowUpInput,
  type FollowUpKindPolicy,
  type FollowUpOutcomeCode,
  type FollowUpState,
  type FollowUpStatus,
  type FollowUpView,
} from '../domain/follow-up';
import type { Responsible } from '../domain/ladder';
import type { ClockCode } from '../domain/policy';
import { AppliedUpdates, setActHandler, type AppliedUpdate } from './applied-updates';
import { Clocks, type ClockTable } from './clocks';
import { historyFull, quiesce, refuse } from './lifecycle';

export { followUpWorkflowId } from '../domain/follow-up';

const { recordFollowUp } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '5 minutes' },
});

export const followUpActUpdate = defineUpdate<FollowUpView, [FollowUpCommand]>('act');
export const followUpQuery = defineQuery<{ item: FollowUpView; clocks: ClockTable }>('followUp');

/** What a run hands the next one through continue-as-new. */
export interface FollowUpCarry {
  state?: FollowUpState;
  clocks?: ClockTable;
  /** Ids of the actions applied lately: a retried one is answered, not applied again. */
  appliedUpdates?: AppliedUpdate<undefined>[];
  /** Tests set it low to roll over early. */
  historyLimit?: number;
}

export async function followUpItem(input: FollowUpInput, carry: FollowUpCarry = {}): Promise<FollowUpView> {
  return new FollowUpRun(input, carry).main();
}

/** A clock to start on a transition: which, on which code, awaiting whom. */
type ClockStart = [id: string, code: ClockCode, responsible: Responsible, window?: boolean];

class FollowUpRun {
  private readonly state: FollowUpState;
  private readonly clocks: Clocks;
  private readonly mutex = new Mutex();
  private readonly kind: FollowUpKindPolicy;
  private readonly responder: Responsible;
  private readonly sender: Responsible;
  private readonly applied: AppliedUpdates<FollowUpView>;

  constructor(
    private readonly input: FollowUpInput,
    private readonly carry: FollowUpCarry,
  ) {
    this.kind = input.policy.followUpKinds[input.kind];
    this.state = carry.state ?? initialFollowUpState(Date.now());
    this.clocks = new Clocks(
      { itemId: input.followUpId, itemKind: 'followUp', policy: input.policy },
      carry.clocks,
    );
    this.responder = { unitId: input.responder.unitId };
    this.sender = input.sender;
    this.applied = new AppliedUpdates(
      { keep: () => undefined, reply: () => this.view() },
      carry.appliedUpdates,
    );
  }

  async main(): Promise<FollowUpView> {
    void this.clocks.run();
    setHandler(followUpQuery, () => ({ item: this.view(), clocks: this.clocks.table }));
    // Actions wait behind the mutex, which the opening holds: none runs before the clocks exist.
    setActHandler(followUpActUpdate, this.applied, {
      check: (command) => this.check(command),
      act: (command) => this.act(command),
      exclusive: (change) => this.mutex.runExclusive(change),
    });

    if (!this.carry.state) await this.mutex.runExclusive(() => this.open());

    for (;;) {
      await condition(
        () =>
          this.state.status === 'closed' || this.evaluationLapsed() || historyFull(this.carry.historyLimit),
      );
      if (this.state.status === 'closed') break;
      if (this.evaluationLapsed()) await this.mutex.runExclusive(() => this.lapse());
      else return this.rollOver();
    }
    await quiesce(this.clocks); // no notification of a closing clock is left in flight
    return this.view();
  }

  private view = () => followUpView(this.input, this.state);

  private check(command: FollowUpCommand) {
    const refused = followUpRefusal(this.state, this.input, command);
    if (refused) refuse(refused.code, refused.message);
  }

  private async rollOver(): Promise<never> {
    await quiesce(this.clocks);
    return continueAsNew<typeof followUpItem>(this.input, {
      ...this.carry,
      state: this.state,
      clocks: this.clocks.table,
      appliedUpdates: this.applied.carry(),
    });
  }

  /** Sign-for and response are both counted from delivery: a late sign-for does not move the reply's deadline. */
  private async open() {
    await this.move(
      'awaitingAcknowledgement',
      [
        [ids.acknowledge, this.kind.acknowledge, this.responder],
        [ids.response(1), this.kind.response, this.responder],
      ],
      [],
      { kind: 'followUpOpened', label: `${this.kind.label}已送达：${this.input.title}` },
    );
  }

  private async act(command: FollowUpCommand): Promise<FollowUpView> {
    // Re-checked under the mutex: an action validated beside another may no longer fit.
    this.check(command);
    await this.handlers[command.action](command as never);
    return this.view();
  }

  private readonly handlers: {
    [A in FollowUpCommand['action']]: (c: Extract<FollowUpCommand, { action: A }>) => Promise<void>;
  } = {
    acknowledge: async ({ by }) => {
      this.state.acknowledgement = { at: Date.now(), by, onTime: !this.clocks.isOverdue(ids.acknowledge) };
      await this.move('awaitingResponse', [], [ids.acknowledge], {
        kind: 'acknowledged',
        label: '已签收',
        by,
      });
    },

    respond: async ({ by, content, commitments }) => {
      const round = currentRound(this.state);
      const response = {
        round,
        content,
        commitments,
        at: Date.now(),
        by,
        onTime: !this.clocks.isOverdue(ids.response(round)),
      };
      this.state.responses.push(response);
      const next = afterResponse(this.kind, response);
      const label = round === 1 ? '已答复' : `已重新答复（第 ${round} 次）`;
      await this.move(next, this.nextClocks(next), [ids.response(round)], {
        kind: 'responded',
        label,
        by,
        data: { round, commitments: commitments.length, onTime: response.onTime },
        outcome: { code: 'answered' },
      });
    },

    evaluate: async ({ by, adoption, satisfaction, comment }) => {
      const round = currentRound(this.state);
      this.state.evaluations.push({
        round,
        verdict: 'accepted',
        adoption,
        satisfaction,
        comment,
        at: Date.now(),
        by,
      });
      const next = afterEvaluation(this.kind, latestResponse(this.state)!);
      await this.move(next, this.nextClocks(next), [ids.evaluation(round)], {
        kind: 'evaluated',
        label: '来件方已评价答复',
        by,
        data: { adoption, satisfaction },
        outcome: { code: 'answered' },
      });
    },

    sendBack: async ({ by, adoption, satisfaction, comment }) => {
      const round = currentRound(this.state);
      this.state.evaluations.push({
        round,
        verdict: 'sentBack',
        adoption,
        satisfaction,
        comment,
        at: Date.now(),
        by,
      });
      await this.move(
        'awaitingResponse',
        [[ids.response(round + 1), this.kind.response, this.responder]],
        [ids.evaluation(round)],
        { kind: 'sentBack', label: '答复不满意，退回重新答复', by, data: { adoption, satisfaction } },
      );
    },

    checkIn: async ({ by, progress }) => {
      const seq = this.state.checkIns.length + 1;
      this.state.checkIns.push({
        seq,
        progress,
        at: Date.now(),
        by,
        onTime: !this.clocks.isOverdue(ids.checkIn(seq)),
      });
      await this.move(
        'implementing',
        [[ids.checkIn(seq + 1), this.kind.checkIn!, this.responder]],
        [ids.checkIn(seq)],
        {
          kind: 'checkedIn',
          label: `报告落实进展（第 ${seq} 次）`,
          by,
        },
      );
    },

    reportDone: async ({ by, note }) => {
      await this.move('closed', [], [ids.checkIn(this.state.checkIns.length + 1)], {
        kind: 'reportedDone',
        label: '承诺事项已落实',
        by,
        data: { note },
        outcome: { code: 'done', note },
      });
    },

    withdraw: async ({ by, note }) => {
      await this.move('closed', [], [], {
        kind: 'withdrawn',
        label: `事项已撤销：${note}`,
        by,
        outcome: { code: 'withdrawn', note },
      });
    },
  };

  /** The sender let the evaluation window close without rating: the response stands as given. */
  private evaluationLapsed(): boolean {
    const id = ids.evaluation(currentRound(this.state));
    return this.state.status === 'awaitingEvaluation' && this.clocks.status(id) === 'expired';
  }

  private async lapse() {
    if (!this.evaluationLapsed()) return;
    const round = currentRound(this.state);
    this.state.evaluations.push({ round, verdict: 'lapsed', at: Date.now() });
    const next = afterEvaluation(this.kind, latestResponse(this.state)!);
    await this.move(next, this.nextClocks(next), [], {
      kind: 'evaluationLapsed',
      label: '来件方未在期限内评价，视为未评价',
      outcome: { code: 'answered' },
    });
  }

  /** The clocks a status waits on when it is entered after a response. */
  private nextClocks(status: FollowUpStatus): ClockStart[] {
    const round = currentRound(this.state);
    if (status === 'awaitingEvaluation')
      return [[ids.evaluation(round), this.kind.evaluation!, this.sender, true]];
    if (status === 'implementing') return [[ids.checkIn(1), this.kind.checkIn!, this.responder]];
    return [];
  }

  /**
   * A transition, in the order that keeps the guarantee true at every instant: start the clocks of the
   * new status, record the item, then stop the clocks whose awaited action happened. Closing stops
   * whatever else still runs.
   */
  private async move(
    status: FollowUpStatus,
    start: ClockStart[],
    met: string[],
    event: {
      kind: string;
      label: string;
      by?: string;
      data?: Record<string, unknown>;
      /** How the item closes, if this transition closes it. */
      outcome?: { code: FollowUpOutcomeCode; note?: string };
    },
  ) {
    this.state.status = status;
    if (status === 'closed') this.state.outcome = { ...event.outcome!, at: Date.now(), by: event.by };
    for (const [id, code, responsible, window] of start)
      await this.clocks.start(id, code, { responsible, window });
    await this.record(event.kind, event.label, event.by, event.data);
    for (const id of met) await this.clocks.stop(id, 'met');
    if (status === 'closed')
      for (const clock of this.clocks.open()) await this.clocks.stop(clock.id, 'cancelled');
  }

  private async record(kind: string, label: string, actor?: string, data?: Record<string, unknown>) {
    this.state.revision++;
    await recordFollowUp({
      entry: {
        key: `${this.input.followUpId}:r${this.state.revision}:${kind}`,
        itemId: this.input.followUpId,
        at: Date.now(),
        kind,
        label,
        actor,
        data,
      },
      item: this.view(),
    });
  }
}
