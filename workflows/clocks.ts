/**
 * The deadline ladder (domain.md §5): the one mechanism every clock of every
 * lifecycle uses. A clock waits for an awaited action; its plan (deadline and
 * ladder steps, computed by an activity so replay never recomputes it) fires
 * reminders before the due time and escalations after it, each step exactly once,
 * until the workflow stops the clock.
 *
 * All state is plain data (`ClockTable`) so a workflow carries it through
 * continue-as-new and exposes it to queries; `Clocks` is the behaviour around it.
 */
import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  ClockPlan,
  ClockSnapshot,
  ClockState,
  ClockStatus,
  PlannedStep,
  Responsible,
} from '../domain/ladder';
import type { ClockCode, Policy } from '../domain/policy';
import { clockRuleOf } from '../domain/reply-review';
import type { TimeLimit } from '../domain/time';
import { deliverWhenDue } from './dispatch';

const { planClock, notifyStep, recordClock } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '5 minutes' },
});

export type { ClockState, ClockStatus };

export type ClockTable = Record<string, ClockState>;

/** What the item is, for timeline entries and notifications. */
export interface ClockContext {
  itemId: string;
  /** proposal, followUp, posting, drill … (read-model filter). */
  itemKind: string;
  policy: Policy;
  /** Escalations of a key proposal go to its leader first (domain.md §2). */
  leaderId?: string;
  /** Called after any clock changes (e.g. to keep an Overdue search attribute current). */
  onChange?: () => void;
}

export interface StartOptions {
  responsible?: Responsible;
  /** Default: now. */
  start?: number;
  /** Default: the policy's limit for the clock's code. */
  limit?: TimeLimit;
  /** A window closes at its due time (status `expired`) instead of going overdue and escalating. */
  window?: boolean;
}

type Due = { clock: ClockState; step: PlannedStep | 'due' };

export class Clocks {
  /** Changes whenever the table changes, so the ladder loop re-plans its next wake-up. */
  private version = 0;
  private inFlight = 0;
  private halted = false;

  constructor(
    private readonly ctx: ClockContext,
    readonly table: ClockTable = {},
  ) {}

  /** Starts (or restarts) clock `id`; resolves once its deadline is computed and recorded. */
  async start(id: string, code: ClockCode, opts: StartOptions = {}): Promise<ClockState> {
    const rule = clockRuleOf(this.ctx.policy, code);
    const start = opts.start ?? Date.now();
    const plan = await this.plan(code, start, opts.limit ?? rule.limit);
    const previous = this.table[id];
    const clock: ClockState = {
      id,
      code,
      label: rule.label,
      responsible: opts.responsible ?? {},
      plan,
      generation: (previous?.generation ?? 0) + 1,
      revision: (previous?.revision ?? 0) + 1,
      fired: [],
      overdue: false,
      window: opts.window ?? false,
      status: 'running',
      startedAt: start,
    };
    this.table[id] = clock;
    this.changed();
    await this.record(clock, 'clockStarted', `${clock.label}计时开始，期限 ${plan.deadline.due}`, {
      deadline: plan.deadline,
    });
    return clock;
  }

  /** Moves a running clock's deadline (an extension, or a cap); the ladder starts over for the new date. */
  async reschedule(id: string, limit: TimeLimit): Promise<ClockState> {
    const clock = this.running(id);
    clock.plan = await this.plan(clock.code, clock.plan.deadline.start, limit);
    clock.generation++;
    clock.fired = [];
    clock.overdue = false;
    this.touch(clock);
    await this.record(clock, 'clockRescheduled', `${clock.label}期限改为 ${clock.plan.deadline.due}`, {
      deadline: clock.plan.deadline,
    });
    return clock;
  }

  /** The awaited action happened (`met`) or no longer matters (`cancelled`): no further step fires. */
  async stop(id: string, status: 'met' | 'cancelled'): Promise<void> {
    const clock = this.table[id];
    if (!clock || clock.status !== 'running') return;
    clock.status = status;
    clock.closedAt = Date.now();
    this.touch(clock);
    const late = clock.overdue ? '（逾期）' : '';
    await this.record(
      clock,
      `clock${status === 'met' ? 'Met' : 'Cancelled'}`,
      `${clock.label}${status === 'met' ? '已完成' : '已取消'}${late}`,
      {
        overdue: clock.overdue,
      },
    );
  }

  isRunning = (id: string) => this.table[id]?.status === 'running';

  /** True once the due time of a running clock has passed. */
  isOverdue = (id: string) => this.table[id]?.overdue ?? false;

  status = (id: string): ClockStatus | undefined => this.table[id]?.status;

  /** Running clocks, earliest deadline first. */
  open(): ClockState[] {
    return Object.values(this.table)
      .filter((c) => c.status === 'running')
      .sort((a, b) => a.plan.deadline.dueAt - b.plan.deadline.dueAt);
  }

  /** No notification in flight: safe to continue-as-new. */
  idle = () => this.inFlight === 0;

  /** Ends the ladder loop and cancels its timer, before the workflow continues-as-new; unfired steps stay due. */
  halt() {
    this.halted = true;
    this.version++;
  }

  /**
   * The ladder loop. Run it once per workflow run, beside the main logic, and never await it:
   * it sleeps until the next step of any running clock, fires it, and re-plans whenever a clock changes.
   */
  async run(): Promise<void> {
    while (!this.halted) {
      const seen = this.version;
      const next = this.nextDue();
      const changed = () => this.version !== seen;
      if (!next) {
        await condition(changed);
        continue;
      }
      const wait = at(next) - Date.now();
      if (wait > 0 && (await condition(changed, wait))) continue;
      if (this.halted) return; // woke in the same activation that halted us: leave the step to the next run
      await this.fire(next);
    }
  }

  private nextDue(): Due | undefined {
    let best: Due | undefined;
    for (const clock of this.open()) {
      const pending: Due[] = clock.plan.steps
        .filter((s) => !clock.fired.includes(s.step))
        .map((step) => ({ clock, step }));
      if (!clock.overdue) pending.push({ clock, step: 'due' });
      for (const due of pending) if (!best || at(due) < at(best)) best = due;
    }
    return best;
  }

  private async fire({ clock, step }: Due) {
    this.inFlight++;
    try {
      // Mark before awaiting so the loop never fires the same step twice, even while the activity runs.
      if (step === 'due' && clock.window) {
        clock.status = 'expired';
        clock.closedAt = Date.now();
        this.touch(clock);
        await this.record(clock, 'clockExpired', `${clock.label}期限届满`, { due: clock.plan.deadline.due });
      } else if (step === 'due') {
        clock.overdue = true;
        this.touch(clock);
        await this.record(clock, 'clockOverdue', `${clock.label}已到期未办`, {
          due: clock.plan.deadline.due,
        });
      } else {
        clock.fired.push(step.step);
        this.touch(clock);
        const plan = await notifyStep({
          key: this.key(clock, step.step),
          step,
          at: Date.now(),
          leaderId: this.ctx.leaderId,
          clock: this.snapshot(clock),
        });
        await deliverWhenDue(plan); // what the step's activity could not send yet goes out when due
      }
    } finally {
      this.inFlight--;
    }
  }

  /** Records a change to `clock`: wakes the ladder loop and orders read-model snapshots. */
  private touch(clock: ClockState) {
    clock.revision++;
    this.changed();
  }

  private changed() {
    this.version++;
    this.ctx.onChange?.();
  }

  private snapshot(clock: ClockState): ClockSnapshot {
    return { ...clock, itemId: this.ctx.itemId, itemKind: this.ctx.itemKind };
  }

  private running(id: string): ClockState {
    const clock = this.table[id];
    if (!clock || clock.status !== 'running') throw new Error(`clock ${id} is not running`);
    return clock;
  }

  private plan(code: ClockCode, start: number, limit: TimeLimit): Promise<ClockPlan> {
    const { policy } = this.ctx;
    return planClock({
      start,
      rule: limit,
      ladder: policy.ladders[clockRuleOf(policy, code).ladder],
      officeHours: policy.officeHours,
    });
  }

  /** Idempotency key of a clock event: item, clock, generation and event. */
  private key(clock: ClockState, event: string) {
    return `${this.ctx.itemId}:${clock.id}#${clock.generation}:${event}`;
  }

  private record(clock: ClockState, kind: string, label: string, data: Record<string, unknown>) {
    return recordClock({
      entry: {
        key: this.key(clock, kind),
        itemId: this.ctx.itemId,
        at: Date.now(),
        kind,
        label,
        data: { clockId: clock.id, code: clock.code, ...data },
      },
      clock: this.snapshot(clock),
    });
  }
}

const at = ({ clock, step }: Due) => (step === 'due' ? clock.plan.deadline.dueAt : step.at);
