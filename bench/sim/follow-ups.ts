/**
 * Follow-up items as their parties work them (domain.md §4): a class-B reply's commitment (signed for,
 * answered with its commitments, checked in on every 3 months until reported done), a converted
 * suggestion (signed for and answered), and a supervision group's recommendation letter (signed for,
 * answered, rated — sent back once when unsatisfied, or left unrated — then checked in on monthly).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { followUpWorkflowId, type FollowUpCommand, type FollowUpView } from '../../domain/follow-up';
import { proposalWorkflowId } from '../../domain/proposal';
import { postingWorkflowId } from '../../domain/supervision';
import type { ClockState } from '../../domain/ladder';
import { liaisonOf } from './directory';
import type { Rng } from './rng';
import { timeTools, tracked, update, type World } from './world';

export const followUpShares = {
  acknowledgeLate: 0.05,
  respondLate: 0.12,
  /** A commitment answered without commitments closes as answered (nothing to implement). */
  commitmentWithoutItems: 0.05,
  /** Check-ins before the commitment is reported done; `never`: not within the year. */
  commitmentCheckIns: { 0: 35, 1: 30, 2: 20, never: 15 },
  checkInLate: 0.12,
  letterCommitments: 0.5,
  letterRating: { adopted: 45, partlyAdopted: 30, notAdopted: 15, lapse: 10 },
  letterSendBack: 0.6,
  letterCheckIns: { 1: 30, 2: 30, 3: 20, never: 20 },
};

type FollowUpQuery = { item: FollowUpView; clocks: Record<string, ClockState> };

/** One follow-up item's party actions, each at its moment. */
class FollowUpDriver {
  readonly handle: WorkflowHandle;
  readonly t;
  item!: FollowUpView;
  clocks: Record<string, ClockState> = {};

  constructor(
    readonly world: World,
    readonly followUpId: string,
    readonly rng: Rng,
  ) {
    this.handle = world.client.workflow.getHandle(followUpWorkflowId(followUpId));
    this.t = timeTools(world, rng);
    world.started.followUps.push(followUpWorkflowId(followUpId));
  }

  /** Waits until the item's workflow has opened (it is started by its parent's action). */
  async open() {
    for (let i = 0; ; i++) {
      const found = await this.look().catch(() => undefined);
      if (found && Object.keys(this.clocks).length > 0) return;
      if (i > 300) throw new Error(`${this.followUpId} did not open`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async look() {
    const q = await tracked(this.world, `followUp ${this.handle.workflowId}`, () =>
      this.handle.query<FollowUpQuery>('followUp'),
    );
    this.item = q.item;
    this.clocks = q.clocks;
    return q;
  }

  /** Waits for `at` (false when it lies past the report date: the year ends first). */
  async until(at: number) {
    if (at > this.world.end) return false;
    await this.world.sim.at(at);
    return true;
  }

  async act(command: FollowUpCommand, label: string) {
    const outcome = await update<FollowUpView>(
      this.world,
      this.handle,
      command,
      `${label}.${command.action}`,
    );
    if (outcome.ok) {
      this.item = outcome.value;
      await this.look();
      if (this.item.status === 'closed') await this.releaseOrphanHold();
    }
    return outcome.ok;
  }

  /**
   * The item's workflow completes now; if its parent (the proposal, the posting) has closed already, the
   * test server keeps a hold on time skipping for good (see `ServerClock.unlock`): release it once the
   * child has completed.
   */
  private async releaseOrphanHold() {
    const { proposalId, postingId } = this.item.source;
    const parentId = proposalId
      ? proposalWorkflowId(proposalId)
      : postingId
        ? postingWorkflowId(postingId)
        : undefined;
    if (!parentId) return;
    const parent = await this.world.client.workflow.getHandle(parentId).describe();
    if (parent.status.name === 'RUNNING') return;
    for (let i = 0; (await this.handle.describe()).status.name === 'RUNNING'; i++) {
      if (i > 500) throw new Error(`${this.followUpId} did not complete`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.world.sim.clock.unlock();
    this.world.paths.add('testServer.orphanHoldReleased');
  }

  due(clockId: string) {
    return this.clocks[clockId]?.plan.deadline.due;
  }

  /** On time: a few working days after the clock started (not after its due date); late: after it. */
  when(clockId: string, onTime: [number, number], late: boolean, lateBy: [number, number] = [1, 5]) {
    const clock = this.clocks[clockId]!;
    if (late) return this.t.aroundDue(clock.plan.deadline.due, this.rng.int(...lateBy));
    return Math.min(
      this.t.workingDaysAfter(Math.max(clock.startedAt, this.world.sim.now), this.rng.int(...onTime)),
      this.t.aroundDue(clock.plan.deadline.due, 0),
    );
  }

  async acknowledge(by: string, label: string) {
    const late = this.rng.chance(followUpShares.acknowledgeLate);
    if (!(await this.until(this.when('acknowledge', [0, 2], late)))) return false;
    const ok = await this.act({ action: 'acknowledge', by }, label);
    if (ok) this.world.paths.add(`${label}.acknowledged.${late ? 'late' : 'onTime'}`);
    return ok;
  }

  async respond(by: string, label: string, commitments: string[], onTime: [number, number]) {
    const round = this.item.round;
    const late = this.rng.chance(followUpShares.respondLate);
    if (!(await this.until(this.when(`response-${round}`, onTime, late)))) return false;
    const ok = await this.act(
      { action: 'respond', by, content: '已研究部署，答复如下……', commitments },
      label,
    );
    if (ok) this.world.paths.add(`${label}.responded.${late ? 'late' : 'onTime'}`);
    return ok;
  }

  /** Check-ins on each period's clock, then the report that it is done (`checkIns` = 'never': not this year). */
  async implement(by: string, label: string, checkIns: number | 'never') {
    for (let seq = 1; this.item.status === 'implementing'; seq++) {
      const clockId = `checkIn-${seq}`;
      const late = this.rng.chance(followUpShares.checkInLate);
      if (!(await this.until(this.when(clockId, [15, 50], late)))) return;
      const done = checkIns !== 'never' && seq > checkIns;
      const ok = await this.act(
        done
          ? { action: 'reportDone', by, note: '承诺事项已全部落实' }
          : { action: 'checkIn', by, progress: `第 ${seq} 次报告：按计划推进中` },
        label,
      );
      if (!ok) return;
      this.world.paths.add(`${label}.${done ? 'reportedDone' : 'checkedIn'}.${late ? 'late' : 'onTime'}`);
    }
  }
}

/** A class-B reply's commitment (`<proposal>-commitment-<unit>`), worked by the unit's liaison. */
export async function commitmentActor(world: World, followUpId: string, unit: string, rng: Rng) {
  const d = new FollowUpDriver(world, followUpId, rng);
  await d.open();
  world.paths.add('commitment.opened');
  const by = liaisonOf(unit);
  if (!(await d.acknowledge(by, 'commitment'))) return;
  const items = rng.chance(followUpShares.commitmentWithoutItems)
    ? []
    : ['完成项目立项', '落实资金安排', '年底前建成投用'].slice(0, rng.int(1, 3));
  if (!(await d.respond(by, 'commitment', items, [5, 20]))) return;
  if (items.length === 0) return world.paths.add('commitment.answeredWithoutItems');
  const plan = rng.weighted(followUpShares.commitmentCheckIns);
  await d.implement(by, 'commitment', plan === 'never' ? 'never' : Number(plan));
}

/** A proposal converted into a suggestion (`<proposal>-converted`), answered by the unit. */
export async function convertedActor(world: World, followUpId: string, unit: string, rng: Rng) {
  const d = new FollowUpDriver(world, followUpId, rng);
  await d.open();
  const by = liaisonOf(unit);
  if (!(await d.acknowledge(by, 'converted'))) return;
  await d.respond(by, 'converted', [], [5, 15]);
}

/** A recommendation letter, answered by the department and rated by the group's supervisor. */
export async function letterActor(
  world: World,
  followUpId: string,
  department: string,
  supervisor: string,
  rng: Rng,
) {
  const d = new FollowUpDriver(world, followUpId, rng);
  await d.open();
  if (!(await d.acknowledge(department, 'letter'))) return;
  for (;;) {
    const commitments = rng.chance(followUpShares.letterCommitments)
      ? ['三个月内完成整改', '建立长效机制']
      : [];
    if (!(await d.respond(department, 'letter', commitments, [8, 18]))) return;
    const rating = rng.weighted(followUpShares.letterRating);
    const evaluation = d.clocks[`evaluation-${d.item.round}`]!;
    if (rating === 'lapse') {
      world.paths.add('letter.evaluationLapsed');
      // The window closes at the end of its last day; the item moves on by itself.
      if (!(await d.until(d.t.aroundDue(evaluation.plan.deadline.due, 1, '09:30')))) return;
      await d.look();
      break;
    }
    if (!(await d.until(d.when(`evaluation-${d.item.round}`, [1, 6], false)))) return;
    const unsatisfied = rating === 'notAdopted';
    const sendBack = unsatisfied && d.item.sendBacksLeft > 0 && rng.chance(followUpShares.letterSendBack);
    const ok = await d.act(
      {
        action: sendBack ? 'sendBack' : 'evaluate',
        by: supervisor,
        adoption: rating,
        satisfaction: unsatisfied ? 'unsatisfied' : rating === 'adopted' ? 'satisfied' : 'basicallySatisfied',
      },
      'letter',
    );
    if (!ok) return;
    world.paths.add(`letter.${sendBack ? 'sentBack' : `rated.${rating}`}`);
    if (!sendBack) break;
  }
  if (d.item.status !== 'implementing') return;
  const plan = rng.weighted(followUpShares.letterCheckIns);
  await d.implement(department, 'letter', plan === 'never' ? 'never' : Number(plan));
}
