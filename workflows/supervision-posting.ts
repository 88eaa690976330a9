/**
 * One durable process per supervision posting (派驻监督, domain.md §3): a group posted to a
 * department for a term. Each calendar quarter runs a window clock awaiting the quarter's letter,
 * whose ladder reminds the group's secretary before the quarter ends; letters start follow-up items
 * as children that outlive the posting; at term end the term report is produced and stored.
 */
import {
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import type { Activities } from '../activities';
import { followUpWorkflowId, type FollowUpInput } from '../domain/follow-up';
import {
  initialPostingState,
  lettersInQuarter,
  nextQuarter,
  postingActivityLabels,
  postingRefusal,
  postingView,
  quarterOf,
  type PostingCommand,
  type PostingEndReason,
  type PostingInput,
  type PostingState,
  type PostingView,
  type Quarter,
} from '../domain/supervision';
import { dateOf } from '../domain/time';
import { AppliedUpdates, setActHandler, type AppliedUpdate } from './applied-updates';
import { Clocks, type ClockTable } from './clocks';
import { followUpItem } from './follow-up';
import { historyFull, quiesce, refuse } from './lifecycle';

const { computeDeadline, recordPosting, recordPostingActivity, produceTermReport } =
  proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumInterval: '5 minutes' },
  });

export interface PostingActResult {
  posting: PostingView;
  /** The id of what the command created: the letter's followUpId or the activity's id. */
  created?: string;
}

export const postingActUpdate = defineUpdate<PostingActResult, [PostingCommand]>('act');
export const postingQuery = defineQuery<{ posting: PostingView; clocks: ClockTable }>('posting');

export interface PostingCarry {
  state?: PostingState;
  clocks?: ClockTable;
  /** Actions applied lately, with the id of what each created: a retried one is answered, not applied again. */
  appliedUpdates?: AppliedUpdate<string | undefined>[];
  /** Tests set it low to roll over early. */
  historyLimit?: number;
}

export async function supervisionPosting(
  input: PostingInput,
  carry: PostingCarry = {},
): Promise<PostingView> {
  return new PostingRun(input, carry).main();
}

const quarterClockId = (quarter: Quarter) => `letter-${quarter.code}`;

class PostingRun {
  private readonly state: PostingState;
  private readonly clocks: Clocks;
  private readonly mutex = new Mutex();
  private readonly applied: AppliedUpdates<PostingActResult, string | undefined>;

  constructor(
    private readonly input: PostingInput,
    private readonly carry: PostingCarry,
  ) {
    this.state = carry.state ?? initialPostingState(Date.now());
    this.applied = new AppliedUpdates(
      { keep: ({ created }) => created, reply: (created) => ({ posting: this.view(), created }) },
      carry.appliedUpdates,
    );
    this.clocks = new Clocks(
      { itemId: input.postingId, itemKind: 'posting', policy: input.policy },
      carry.clocks,
    );
  }

  async main(): Promise<PostingView> {
    void this.clocks.run();
    setHandler(postingQuery, () => ({ posting: this.view(), clocks: this.clocks.table }));
    // Commands wait behind the mutex, which the opening holds: none runs before the term is computed.
    setActHandler(postingActUpdate, this.applied, {
      check: (command) => this.check(command),
      act: (command) => this.act(command),
      exclusive: (change) => this.mutex.runExclusive(change),
    });

    if (!this.carry.state) await this.mutex.runExclusive(() => this.open());

    for (;;) {
      const quarterEnd = this.clocks.table[quarterClockId(this.state.quarter)].plan.deadline.dueAt;
      const termEnd = this.state.termEnd!.dueAt;
      const wait = Math.min(quarterEnd, termEnd) - Date.now();
      if (wait > 0) await condition(() => this.ended() || historyFull(this.carry.historyLimit), wait);
      if (this.ended()) break;
      if (Date.now() >= termEnd) await this.mutex.runExclusive(() => this.end('termEnded'));
      else if (Date.now() >= quarterEnd) await this.mutex.runExclusive(() => this.nextQuarter());
      else return this.rollOver();
    }
    await quiesce(this.clocks); // no notification of a closing clock is left in flight
    return this.view();
  }

  private view = () => postingView(this.input, this.state);
  private ended = () => this.state.status === 'ended';

  private check(command: PostingCommand) {
    const refused = postingRefusal(this.state, command, dateOf(Date.now()));
    if (refused) refuse(refused.code, refused.message);
  }

  private async rollOver(): Promise<never> {
    await quiesce(this.clocks);
    return continueAsNew<typeof supervisionPosting>(this.input, {
      ...this.carry,
      state: this.state,
      clocks: this.clocks.table,
      appliedUpdates: this.applied.carry(),
    });
  }

  private async open() {
    this.state.termEnd = await computeDeadline({
      start: this.state.startedAt,
      rule: this.input.policy.supervision.term,
    });
    await this.startQuarter(this.state.quarter);
    await this.record('postingStarted', `派驻监督开始，派驻期至 ${this.state.termEnd.due}`);
  }

  private async act(command: PostingCommand): Promise<PostingActResult> {
    // Re-checked under the mutex: the term may have ended while the command waited.
    this.check(command);
    const created = await this.handlers[command.action](command as never);
    return { posting: this.view(), created };
  }

  private readonly handlers: {
    [A in PostingCommand['action']]: (
      c: Extract<PostingCommand, { action: A }>,
    ) => Promise<string | undefined>;
  } = {
    logActivity: async ({ by, kind, date, summary, participants, shared }) => {
      const id = `${this.input.postingId}-A${this.state.activityCount + 1}`;
      const postingId = this.input.postingId;
      await recordPostingActivity({
        id,
        postingId,
        kind,
        date,
        summary,
        participants,
        ...(shared === undefined ? {} : { shared }),
        recordedBy: by,
        recordedAt: Date.now(),
      });
      this.state.activityCount++;
      await this.record('activityLogged', `${postingActivityLabels[kind]}（${date}）：${summary}`, by, {
        id,
        kind,
        date,
      });
      return id;
    },

    sendLetter: async ({ by, title, content, policy, policyVersion }) => {
      const followUpId = `${this.input.postingId}-L${this.state.letters.length + 1}`;
      const letter: FollowUpInput = {
        followUpId,
        kind: 'recommendationLetter',
        title,
        content,
        sender: { groupId: this.input.groupId },
        responder: { unitId: this.input.departmentId },
        source: { postingId: this.input.postingId },
        policy,
        policyVersion,
      };
      // Abandoned, not terminated, when the posting ends: open letters outlive it (domain.md §3).
      await startChild(followUpItem, {
        workflowId: followUpWorkflowId(followUpId),
        args: [letter],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      const now = Date.now();
      this.state.letters.push({
        followUpId,
        title,
        quarter: quarterOf(dateOf(now)).code,
        sentAt: now,
        sentBy: by,
      });
      await this.record('letterSent', `发出民主监督建议书：${title}`, by, { followUpId });
      await this.settleQuarter();
      return followUpId;
    },

    endTerm: async ({ by, note }) => {
      await this.end('endedEarly', by, note);
      return undefined;
    },
  };

  /** The quarter's window is met once it holds the policy's number of letters. */
  private async settleQuarter() {
    const { quarter } = this.state;
    if (lettersInQuarter(this.state, quarter.code) >= this.input.policy.supervision.lettersPerQuarter)
      await this.clocks.stop(quarterClockId(quarter), 'met');
  }

  private async startQuarter(quarter: Quarter) {
    await this.clocks.start(quarterClockId(quarter), 'quarterlyLetter', {
      limit: { unit: 'fixedDate', date: quarter.end },
      window: true,
      responsible: { groupId: this.input.groupId },
    });
    await this.settleQuarter();
  }

  /** The window closes on the quarter's last day (expired, unless a letter met it); the next one opens. */
  private async nextQuarter() {
    const previous = quarterClockId(this.state.quarter);
    await condition(() => !this.clocks.isRunning(previous));
    this.state.quarter = nextQuarter(this.state.quarter);
    await this.startQuarter(this.state.quarter);
    await this.record('quarterStarted', `${this.state.quarter.code} 季度开始`);
  }

  /** Term end (or an early end): the quarter's window no longer matters; the report is produced, then shown. */
  private async end(reason: PostingEndReason, by?: string, note?: string) {
    if (this.ended()) return;
    this.state.status = 'ended';
    this.state.ended = { at: Date.now(), reason, by, note };
    await this.clocks.stop(quarterClockId(this.state.quarter), 'cancelled');
    const report = await produceTermReport({
      input: {
        postingId: this.input.postingId,
        groupId: this.input.groupId,
        departmentId: this.input.departmentId,
      },
      state: {
        startedAt: this.state.startedAt,
        letters: this.state.letters,
        ended: this.state.ended,
        termEnd: this.state.termEnd!.due,
      },
      lettersPerQuarter: this.input.policy.supervision.lettersPerQuarter,
    });
    const { letters, repliedOnTime, open } = report.figures;
    const how = reason === 'termEnded' ? '派驻期满' : `派驻提前结束${note ? `：${note}` : ''}`;
    await this.record(
      'termEnded',
      `${how}，履职报告已生成（建议书 ${letters} 件，按期答复 ${repliedOnTime} 件，未办结 ${open} 件）`,
      by,
    );
  }

  private async record(kind: string, label: string, actor?: string, data?: Record<string, unknown>) {
    this.state.revision++;
    await recordPosting({
      entry: {
        key: `${this.input.postingId}:r${this.state.revision}:${kind}`,
        itemId: this.input.postingId,
        at: Date.now(),
        kind,
        label,
        actor,
        data,
      },
      posting: this.view(),
    });
  }
}
