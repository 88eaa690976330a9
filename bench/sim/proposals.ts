/**
 * A proposal's year as its people live it (domain.md §2): the lead proposer files, co-signers answer,
 * the committee reviews (file, not file, convert, merge), assigns a lead unit with co-handlers or
 * parallel units; units sign for it, may ask for re-assignment, contact the proposer, send opinions,
 * ask for extensions and reply (A/B/C) on time or late; proposers rate; the committee orders
 * re-handling; a leader holds the face-to-face consultation. Each proposal is one actor with an agenda
 * of steps in simulated time; every decision is drawn from the proposal's own seeded stream.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { ClockState } from '../../domain/ladder';
import type { ActionArgs, ActionName, ProposalAction } from '../../domain/proposal-actions';
import { clockIds } from '../../domain/proposal-actions';
import {
  activeAssignments,
  currentReply,
  feedbackGroups,
  groupOf,
  groupRound,
  groupStage,
  proposalWorkflowId,
  proposers,
  roundOf,
  stageOf,
  type ContactMethod,
  type FeedbackGroup,
  type ProposalInput,
  type ProposalState,
  type ProposalType,
} from '../../domain/proposal';
import { addMonths, dateOf } from '../../domain/time';
import type { ProposalView } from '../../workflows/proposal';
import { HuiyinKind, HuiyinStatus, Overdue, SessionYear } from '../../workflows/search-attributes';
import {
  committeeStaff,
  handlingUnits,
  leaders,
  liaisonOf,
  members,
  organizations,
  topics,
  unitId,
  unitLeaderOf,
} from './directory';
import { commitmentActor, convertedActor } from './follow-ups';
import type { Rng } from './rng';
import { timeTools, tracked, update, type World } from './world';

/** Shares of each path (weights): a city CPPCC's year, roughly. */
export const shares = {
  plenary: 0.7,
  organization: 0.12,
  coSigned: 0.4,
  coSignerAnswer: { confirm: 80, decline: 10, silent: 10 },
  withdraw: 0.02,
  review: { file: 80, notFile: 8, convert: 7, merge: 5 },
  reviewLate: 0.05,
  consent: { accept: 70, decline: 15, silent: 15 },
  key: 0.04,
  assignment: { lead: 60, leadWithCoHandlers: 25, parallel: 15 },
  assignLate: 0.05,
  signForLate: 0.1,
  returnRequest: 0.06,
  returnApproved: 0.6,
  contactLate: 0.08,
  contactMethod: { phone: 40, inPerson: 30, meeting: 20, written: 10 } as Record<ContactMethod, number>,
  opinion: { onTime: 85, late: 10, waived: 5 },
  extension: 0.08,
  extensionApproved: 0.75,
  replyLate: 0.15,
  /** Of the late replies, those 20–60 working days late. */
  replyVeryLate: 0.25,
  resultClass: { A: 45, B: 40, C: 15 },
  rehandleClass: { A: 35, B: 40, C: 25 },
  reclassify: 0.03,
  rating: { satisfied: 58, basicallySatisfied: 25, unsatisfied: 8, silent: 9 },
  ratingAfterRehandling: { satisfied: 30, basicallySatisfied: 30, unsatisfied: 30, silent: 10 },
  detailedRating: 0.2,
  rehandle: 0.7,
};

export interface ProposalPlan {
  number: string;
  submitAt: number;
  type: ProposalType;
  topic: string;
  organization: boolean;
  leadProposerId: string;
  coSigners: { id: string; answer: keyof typeof shares.coSignerAnswer }[];
  withdraw: boolean;
  review: keyof typeof shares.review;
  /** For a merge: an earlier proposal of the same topic that is filed (checked open at the time). */
  mergeInto?: string;
  /** Choices made for this proposal rather than drawn, so that every path occurs at least once. */
  force: Force;
  rng: Rng;
}

/** What a designated proposal does (its first replying unit, its lead proposer), whatever the draw. */
export interface Force {
  consent?: 'accept' | 'decline' | 'silent';
  key?: boolean;
  assignment?: keyof typeof shares.assignment;
  returnRequest?: 'approved' | 'rejected';
  extension?: 'approved' | 'rejected';
  replyLate?: boolean;
  reclassify?: boolean;
  /** The lead proposer is unsatisfied; then re-handling and satisfied, re-handling and a consultation, or closing. */
  feedback?: 'rehandle' | 'consult' | 'close';
}

/** One proposal for each path that is rare at ~5 % or less, so that a small year still walks every path. */
const coverage: Force[] = [
  { returnRequest: 'approved' },
  { returnRequest: 'rejected' },
  { extension: 'approved' },
  { extension: 'rejected' },
  { replyLate: true },
  { assignment: 'parallel' },
  { assignment: 'leadWithCoHandlers' },
  { feedback: 'consult' },
  { feedback: 'close' },
  { feedback: 'rehandle' },
  { reclassify: true },
  { key: true },
];

/** The year's proposals, numbered in the order they are submitted. */
export function planProposals(world: World, rng: Rng, count: number): ProposalPlan[] {
  const { cal, year } = world;
  const workingDays = (from: string, to: string) => {
    const days: string[] = [];
    for (let d = cal.nextWorkingDay(from); d <= to; d = cal.addWorkingDays(d, 1)) days.push(d);
    return days;
  };
  const plenaryDays = workingDays(`${year}-01-11`, `${year}-01-22`);
  const interSessionDays = workingDays(`${year}-02-01`, `${year}-10-30`);
  const drafts = Array.from({ length: count }, () => {
    const type: ProposalType = rng.chance(shares.plenary) ? 'plenary' : 'interSession';
    const day = rng.pick(type === 'plenary' ? plenaryDays : interSessionDays);
    const organization = rng.chance(shares.organization);
    const coSigners = !organization && rng.chance(shares.coSigned) ? rng.int(1, 3) : 0;
    const lead = organization ? rng.pick(organizations) : rng.pick(members);
    return {
      submitAt: timeTools(world, rng).at(day),
      type,
      topic: rng.pick(topics),
      organization,
      leadProposerId: lead,
      coSigners: rng
        .sample(
          members.filter((m) => m !== lead),
          coSigners,
        )
        .map((id) => ({ id, answer: rng.weighted(shares.coSignerAnswer) })),
      withdraw: rng.chance(shares.withdraw),
      review: rng.weighted(shares.review),
      force: {} as Force,
      rng: rng.fork(),
    };
  });
  drafts.sort((a, b) => a.submitAt - b.submitAt);
  const plans: ProposalPlan[] = drafts.map((d, i) => ({
    ...d,
    number: `${year}-${String(i + 1).padStart(4, '0')}`,
  }));
  // Designated proposals, spread over the year, walk the rare paths; the rest keep their draws.
  const filed = plans.filter((p) => p.review === 'file' && !p.withdraw);
  const step = Math.max(1, Math.floor(filed.length / (coverage.length + 6)));
  const designated = filed.filter((_, i) => i % step === 0);
  coverage.forEach((force, i) => designated[i] && (designated[i].force = force));
  const spare = designated.slice(coverage.length);
  const ensure = (has: (p: ProposalPlan) => boolean, make: (p: ProposalPlan) => void) => {
    if (!plans.some(has) && spare.length > 0) make(spare.shift()!);
  };
  ensure(
    (p) => p.withdraw,
    (p) => (p.withdraw = true),
  );
  ensure(
    (p) => p.review === 'notFile',
    (p) => (p.review = 'notFile'),
  );
  for (const consent of ['accept', 'decline'] as const)
    ensure(
      (p) => p.force.consent === consent,
      (p) => {
        p.review = 'convert';
        p.force = { consent };
      },
    );
  ensure(
    (p) => p.review === 'merge',
    (p) => (p.review = 'merge'),
  );
  for (const plan of plans) {
    if (plan.review !== 'merge') continue;
    const earlier = plans.filter(
      (p) => p.submitAt < plan.submitAt && p.topic === plan.topic && p.review === 'file' && !p.withdraw,
    );
    const anyEarlier = plans.filter((p) => p.submitAt < plan.submitAt && p.review === 'file' && !p.withdraw);
    if (earlier.length > 0) plan.mergeInto = rng.pick(earlier.slice(-20)).number;
    else if (anyEarlier.length > 0) plan.mergeInto = rng.pick(anyEarlier.slice(-20)).number;
    else plan.review = 'file';
  }
  return plans;
}

type Step = { at: number; seq: number; run: () => Promise<void> };

/** One proposal's actor: an agenda of steps in time order, each an action or a look at the state. */
export class ProposalActor {
  private readonly agenda: Step[] = [];
  private seq = 0;
  private handle!: WorkflowHandle;
  private view!: ProposalView;
  private readonly t;
  /** What has been planned already, so a look at the state does not plan it twice. */
  private readonly planned = new Set<string>();
  /** The first unit assigned (lead, or first parallel unit): the one `plan.force` applies to. */
  private primaryUnit?: string;

  constructor(
    private readonly world: World,
    private readonly plan: ProposalPlan,
  ) {
    this.t = timeTools(world, plan.rng);
  }

  private get rng() {
    return this.plan.rng;
  }

  private later(at: number, run: () => Promise<void>) {
    if (at > this.world.end) return;
    this.agenda.push({ at, seq: this.seq++, run });
  }

  /** Plans `run` once under `key`. */
  private once(key: string, at: number, run: () => Promise<void>) {
    if (this.planned.has(key)) return;
    this.planned.add(key);
    this.later(at, run);
  }

  async run() {
    this.later(this.plan.submitAt, () => this.submit());
    while (this.agenda.length > 0) {
      this.agenda.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const step = this.agenda.shift()!;
      await this.world.sim.at(step.at);
      await step.run();
    }
  }

  private count(path: string) {
    this.world.paths.add(path);
  }

  private async act<A extends ActionName>(name: A, args: ActionArgs<A>, by: string) {
    const outcome = await update<ProposalView>(
      this.world,
      this.handle,
      { name, args, by } as ProposalAction,
      `proposal.${name}`,
    );
    if (outcome.ok) this.view = outcome.value;
    return outcome;
  }

  private async look() {
    this.view = await tracked(this.world, `view ${this.handle.workflowId}`, () =>
      this.handle.query<ProposalView>('view'),
    );
    return this.view;
  }

  private get state(): ProposalState {
    return this.view.state;
  }

  private clock(id: string): ClockState | undefined {
    return this.view.clocks[id];
  }

  private committee = () => this.rng.pick(committeeStaff);

  // ---- filing, co-signing, review --------------------------------------------------------------

  private async submit() {
    const { world, plan } = this;
    const input: ProposalInput = {
      proposalId: plan.number,
      sessionYear: world.year,
      number: plan.number,
      policy: world.policy,
      policyVersion: world.policyVersion,
      submittedAt: world.sim.now,
      draft: {
        title: `关于${plan.topic}工作的建议（${plan.number}）`,
        content: '建议有关部门加强统筹，明确责任分工和时间表，切实解决群众关心的问题。',
        type: plan.type,
        topic: plan.topic,
        leadProposerId: plan.leadProposerId,
        coSignerIds: plan.coSigners.map((c) => c.id),
        ...(plan.organization ? { organization: true } : {}),
      },
    };
    this.handle = await world.client.workflow.start('proposal', {
      workflowId: proposalWorkflowId(plan.number),
      taskQueue: world.taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: HuiyinKind, value: 'proposal' },
        { key: HuiyinStatus, value: plan.coSigners.length > 0 ? 'cosigning' : 'underReview' },
        { key: SessionYear, value: world.year },
        { key: Overdue, value: false },
      ],
    });
    world.started.proposals.push(proposalWorkflowId(plan.number));
    this.count(`filed.${plan.type}`);
    if (plan.organization) this.count('filed.organization');
    // The workflow sets up its first clock before it answers: wait for it, as the API does.
    while (Object.keys((await this.look()).clocks).length === 0) await new Promise((r) => setTimeout(r, 100));
    if (plan.coSigners.length === 0) return this.afterReviewStarts();
    const window = this.clock(clockIds.cosigning)!.plan.deadline.due;
    for (const c of plan.coSigners) {
      this.count(`cosigner.${c.answer}`);
      if (c.answer === 'silent') continue;
      this.later(this.t.workingDaysAfter(world.sim.now, this.rng.int(0, 4)), async () => {
        await this.act('cosign', { accept: c.answer === 'confirm' }, c.id);
        if (this.state.status === 'underReview') this.afterReviewStarts();
      });
    }
    // When somebody stays silent the window closes at the end of its last day.
    this.later(this.t.aroundDue(window, 1, '09:30'), async () => {
      if ((await this.look()).state.status === 'underReview') this.afterReviewStarts();
    });
  }

  /** The review clock runs: the lead may withdraw, else the committee decides within 10 wd (some late). */
  private afterReviewStarts() {
    const review = this.clock(clockIds.review);
    if (!review || review.status !== 'running') return;
    const key = `review#${review.generation}`;
    if (this.plan.withdraw && review.generation === 1) {
      return this.once(key, this.t.workingDaysAfter(review.startedAt, this.rng.int(1, 3)), async () => {
        if ((await this.act('withdraw', { reason: '情况已发生变化，申请撤回' }, this.plan.leadProposerId)).ok)
          this.count('review.withdrawn');
      });
    }
    const at = this.rng.chance(shares.reviewLate)
      ? this.t.aroundDue(review.plan.deadline.due, this.rng.int(1, 4))
      : Math.min(
          this.t.workingDaysAfter(review.startedAt, this.rng.int(2, 8)),
          this.t.aroundDue(review.plan.deadline.due, 0),
        );
    this.once(key, at, () => this.review(review.generation));
  }

  private async review(generation: number) {
    const by = this.committee();
    // A second review (after a declined conversion) files or declines to file.
    const decision = generation > 1 ? (this.rng.chance(0.8) ? 'file' : 'notFile') : this.plan.review;
    if (decision === 'notFile') {
      const reason = this.rng.pick(this.world.policy.notFiledReasons).code;
      if ((await this.act('review', { decision: 'notFile', reason }, by)).ok) this.count('review.notFiled');
      return;
    }
    if (decision === 'convert') {
      const unit = unitId(this.rng.pick(handlingUnits).key);
      const done = await this.act(
        'review',
        { decision: 'convert', unitId: unit, note: '属于具体工作事项，转为意见建议办理' },
        by,
      );
      if (!done.ok) return;
      this.count('review.conversionProposed');
      const answer = this.plan.force.consent ?? this.rng.weighted(shares.consent);
      const consent = this.clock(clockIds.consent)!;
      if (answer === 'silent') {
        this.count('consent.silent');
        this.later(this.t.aroundDue(consent.plan.deadline.due, 1, '09:30'), async () => {
          await this.look();
          this.afterReviewStarts();
        });
        return;
      }
      this.later(this.t.workingDaysAfter(this.world.sim.now, this.rng.int(1, 4)), async () => {
        const accepted = await this.act('consent', { accept: answer === 'accept' }, this.plan.leadProposerId);
        if (!accepted.ok) return;
        this.count(`consent.${answer}`);
        if (answer === 'accept') {
          this.count('review.converted');
          const followUpId = this.state.conversion!.followUpId!;
          this.world.sim.spawn(followUpId, () =>
            convertedActor(this.world, followUpId, unit, this.rng.fork()),
          );
        } else this.afterReviewStarts();
      });
      return;
    }
    if (decision === 'merge' && this.plan.mergeInto) {
      const target = this.world.client.workflow.getHandle(proposalWorkflowId(this.plan.mergeInto));
      const open = await target
        .query<ProposalView>('view')
        .then((v) => !['withdrawn', 'notFiled', 'converted', 'merged', 'closed'].includes(v.state.status))
        .catch(() => false);
      if (open) {
        const merged = await this.act(
          'review',
          { decision: 'merge', intoProposalId: this.plan.mergeInto },
          by,
        );
        if (merged.ok) return this.count('review.merged');
      }
    }
    if ((await this.act('review', { decision: 'file' }, by)).ok) {
      this.count('review.filed');
      this.afterFiling();
    }
  }

  // ---- assignment ------------------------------------------------------------------------------

  private afterFiling() {
    const clock = this.clock(clockIds.assignment)!;
    if (this.rng.chance(shares.key) || this.plan.force.key) {
      this.later(this.t.workingDaysAfter(this.world.sim.now, this.rng.int(0, 2)), async () => {
        const leaderId = this.rng.pick(leaders);
        if (!(await this.act('markKey', { leaderId }, leaderId)).ok) return;
        this.count('key.marked');
        this.planSupervision();
      });
    }
    const at = this.rng.chance(shares.assignLate)
      ? this.t.aroundDue(clock.plan.deadline.due, this.rng.int(1, 3))
      : Math.min(
          this.t.workingDaysAfter(clock.startedAt, this.rng.int(1, 4)),
          this.t.aroundDue(clock.plan.deadline.due, 0),
        );
    this.later(at, () => this.assign());
  }

  private async assign() {
    const shape = this.plan.force.assignment ?? this.rng.weighted(shares.assignment);
    const byTopic = handlingUnits.filter((u) => u.topics.includes(this.plan.topic));
    const first = unitId(this.rng.pick(byTopic.length ? byTopic : handlingUnits).key);
    this.primaryUnit = first;
    const others = this.rng.sample(
      handlingUnits.map((u) => unitId(u.key)).filter((u) => u !== first),
      3,
    );
    const args =
      shape === 'parallel'
        ? { coHandlerUnitIds: [], parallelUnitIds: [first, ...others.slice(0, this.rng.int(1, 2))] }
        : {
            leadUnitId: first,
            coHandlerUnitIds: shape === 'leadWithCoHandlers' ? others.slice(0, this.rng.int(1, 2)) : [],
            parallelUnitIds: [],
          };
    if (!(await this.act('assign', args, this.committee())).ok) return;
    this.count(`assignment.${shape}`);
    for (const a of this.state.assignments) this.unitStarts(a.unitId, false);
  }

  /** A key proposal's leader leads supervision: research, forums, a supervision meeting. */
  private planSupervision() {
    const leaderId = this.state.key!.leaderId;
    for (const [i, activity] of (['research', 'forum', 'meeting'] as const).entries()) {
      if (i > 0 && this.rng.chance(0.4)) continue;
      this.later(this.t.workingDaysAfter(this.world.sim.now, 10 + 15 * i + this.rng.int(0, 5)), async () => {
        const date = dateOf(this.world.sim.now);
        if ((await this.act('logSupervision', { activity, date, note: '领导领衔督办' }, leaderId)).ok)
          this.count(`key.supervision.${activity}`);
      });
    }
  }

  // ---- one unit's handling -----------------------------------------------------------------------

  /** Plans a newly assigned unit's handling (`reassigned`: it took over after an approved return). */
  private unitStarts(unit: string, reassigned: boolean) {
    if (this.planned.has(`unit:${unit}`)) return;
    this.planned.add(`unit:${unit}`);
    const rng = this.rng.fork();
    const a = activeAssignments(this.state).find((x) => x.unitId === unit)!;
    const start = a.assignedAt;
    const liaison = liaisonOf(unit);
    const signFor = this.clock(clockIds.signFor(unit))!;
    const force: Force = !reassigned && unit === this.primaryUnit ? this.plan.force : {};
    const returnRequest =
      (rng.chance(shares.returnRequest) && !reassigned) || force.returnRequest !== undefined;
    if (returnRequest) {
      this.later(this.t.workingDaysAfter(start, rng.int(1, 3)), () =>
        this.requestReturn(unit, rng, force.returnRequest),
      );
    } else {
      const late = rng.chance(shares.signForLate);
      this.count(`signFor.${late ? 'late' : 'onTime'}`);
      const at = late
        ? this.t.aroundDue(signFor.plan.deadline.due, rng.int(1, 4))
        : this.t.workingDaysAfter(start, rng.int(0, 1));
      this.later(at, async () => void (await this.act('signFor', { unitId: unit }, liaison)));
    }
    const contact = this.clock(clockIds.contact(unit))!;
    const contactLate = rng.chance(shares.contactLate);
    const contactAt = contactLate
      ? this.t.aroundDue(contact.plan.deadline.due, rng.int(1, 5))
      : this.t.workingDaysAfter(start, rng.int(3, 13));
    this.later(contactAt, async () => {
      if (!activeAssignments(this.state).some((x) => x.unitId === unit)) return; // re-assigned away
      const method = rng.weighted(shares.contactMethod);
      if (
        (await this.act('recordContact', { unitId: unit, method, note: '与提案者沟通办理思路' }, liaison)).ok
      )
        this.count(`contact.${contactLate ? 'late' : 'onTime'}.${method}`);
    });
    if (a.role === 'coHandler') return this.planOpinion(unit, rng);
    const reply = this.clock(clockIds.reply(unit))!;
    let notBefore = contactAt;
    if (rng.chance(shares.extension) || force.extension) {
      const at = this.t.aroundDue(reply.plan.deadline.due, -rng.int(8, 15));
      this.later(at, () => this.requestExtension(unit, rng, force.extension));
      notBefore = Math.max(notBefore, this.t.workingDaysAfter(at, 4)); // the reply waits for the ruling
    }
    if (force.reclassify) this.planned.add(`reclassify:${unit}`);
    this.planReply(unit, rng, reply.plan.deadline.due, notBefore, force.replyLate);
  }

  private async requestReturn(unit: string, rng: Rng, forced?: 'approved' | 'rejected') {
    const asked = await this.act(
      'requestReturn',
      { unitId: unit, reason: '该事项不属于本单位职责范围' },
      liaisonOf(unit),
    );
    if (!asked.ok) return;
    const drawn = rng.chance(shares.returnApproved);
    const approve = forced ? forced === 'approved' : drawn;
    this.later(this.t.workingDaysAfter(this.world.sim.now, rng.int(1, 4)), async () => {
      const taken = new Set(activeAssignments(this.state).map((a) => a.unitId));
      const toUnitId = handlingUnits.map((u) => unitId(u.key)).find((u) => !taken.has(u));
      const ruled = await this.act(
        'ruleReturn',
        approve && toUnitId
          ? { unitId: unit, approve: true, toUnitId }
          : { unitId: unit, approve: false, reason: '经研究，仍由原单位办理' },
        this.committee(),
      );
      if (!ruled.ok) return;
      if (approve && toUnitId) {
        this.count('return.approved');
        this.unitStarts(toUnitId, true);
      } else {
        this.count('return.rejected');
        this.later(
          this.t.workingDaysAfter(this.world.sim.now, rng.int(0, 1)),
          async () => void (await this.act('signFor', { unitId: unit }, liaisonOf(unit))),
        );
      }
    });
  }

  private planOpinion(unit: string, rng: Rng) {
    const clock = this.clock(clockIds.coHandlerOpinion(unit))!;
    const how = rng.weighted(shares.opinion);
    this.count(`opinion.${how}`);
    if (how === 'waived') return; // the committee waives it when the lead unit is ready to reply
    const at =
      how === 'late'
        ? this.t.aroundDue(clock.plan.deadline.due, rng.int(1, 5))
        : Math.min(
            this.t.workingDaysAfter(clock.startedAt, rng.int(8, 18)),
            this.t.aroundDue(clock.plan.deadline.due, 0),
          );
    this.later(at, async () => {
      if (!activeAssignments(this.state).some((x) => x.unitId === unit)) return;
      await this.act(
        'sendOpinion',
        { unitId: unit, text: '会办意见：同意主办单位意见，配合做好相关工作' },
        liaisonOf(unit),
      );
    });
  }

  private async requestExtension(unit: string, rng: Rng, forced?: 'approved' | 'rejected') {
    const a = activeAssignments(this.state).find((x) => x.unitId === unit);
    const reply = this.clock(clockIds.reply(unit));
    if (!a || currentReply(a) || !reply || reply.status !== 'running') return;
    let until = addMonths(reply.plan.deadline.due, rng.int(1, 2));
    if (a.capDue && until > a.capDue) until = a.capDue;
    const asked = await this.act(
      'requestExtension',
      { unitId: unit, until, reason: '涉及多部门协调，需延期答复' },
      liaisonOf(unit),
    );
    if (!asked.ok) return;
    const drawn = rng.chance(shares.extensionApproved);
    const approve = forced ? forced === 'approved' : drawn;
    this.later(this.t.workingDaysAfter(this.world.sim.now, rng.int(1, 3)), async () => {
      const ruled = await this.act(
        'ruleExtension',
        { unitId: unit, approve, ...(approve ? {} : { reason: '理由不充分' }) },
        this.committee(),
      );
      if (!ruled.ok) return;
      this.count(`extension.${approve ? 'approved' : 'rejected'}`);
      if (approve) this.planReply(unit, rng, until, 0);
    });
  }

  /**
   * Replies on time (a working day in the last ~6 weeks before `due`) or late (after it); a plan made for
   * a due date that an approved extension has moved since gives way to the plan for the new one.
   */
  private planReply(unit: string, rng: Rng, due: string, notBefore: number, forceLate = false) {
    const late = rng.chance(shares.replyLate) || forceLate;
    // A late unit is mostly days late; some drag on for months (still overdue on the report date).
    const lateBy = late ? (rng.chance(shares.replyVeryLate) ? rng.int(20, 60) : rng.int(1, 15)) : 0;
    let at = late ? this.t.aroundDue(due, lateBy) : this.t.aroundDue(due, -rng.int(1, 30));
    if (at <= notBefore) at = this.t.workingDaysAfter(notBefore, 1);
    const key = `reply:${unit}:${due}`;
    this.once(key, at, async () => {
      if (this.clock(clockIds.reply(unit))?.plan.deadline.due !== due) return;
      await this.reply(unit, rng, late, 0);
    });
  }

  private async reply(unit: string, rng: Rng, late: boolean, attempt: number): Promise<void> {
    const a = activeAssignments(this.state).find((x) => x.unitId === unit);
    if (!a || !['handling', 'rehandling'].includes(stageOf(this.state, a))) return; // re-assigned, or replied
    const round = roundOf(this.state, a);
    const resultClass = rng.weighted(round === 0 ? shares.resultClass : shares.rehandleClass);
    const args = {
      unitId: unit,
      resultClass,
      text: round === 0 ? '经认真研究，现答复如下……' : '重新办理后答复如下……',
      ...(resultClass === 'B'
        ? { commitments: '列入年度工作计划，年底前完成', targetDate: `${this.world.year}-12-31` }
        : {}),
    };
    const done = await this.act('reply', args, unitLeaderOf(unit));
    if (!done.ok) {
      // Not ready: sign for / contact first, wait for a co-handler's opinion (or have it waived).
      if (attempt >= 8) return;
      if (done.code === 'notSigned') await this.act('signFor', { unitId: unit }, liaisonOf(unit));
      if (done.code === 'contactRequired')
        await this.act('recordContact', { unitId: unit, method: 'phone' }, liaisonOf(unit));
      if (done.code === 'opinionMissing') {
        const waived = activeAssignments(this.state).filter(
          (c) => c.role === 'coHandler' && !c.opinion && !c.opinionWaived,
        );
        for (const c of waived)
          if (!this.planned.has(`waive:${c.unitId}`) && attempt >= 2) {
            this.planned.add(`waive:${c.unitId}`);
            if ((await this.act('waiveOpinion', { unitId: c.unitId }, this.committee())).ok)
              this.count('opinion.waivedByCommittee');
          }
      }
      this.later(this.t.workingDaysAfter(this.world.sim.now, 1), () =>
        this.reply(unit, rng, late, attempt + 1),
      );
      return;
    }
    if (this.state.assignments.find((x) => x.unitId === unit)?.draft?.status === 'signedOff') {
      // Checked by the committee before release (key proposals, domain.md §2.5): two working days later,
      // with no draw from the seed so the rest of the year unfolds as it did before replies were reviewed.
      this.later(this.t.workingDaysAfter(this.world.sim.now, 2), async () => {
        if (!(await this.act('checkReply', { unitId: unit, approve: true }, this.committee())).ok) return;
        this.count('reply.checked');
        this.afterRelease(unit, rng, round, resultClass);
      });
      return;
    }
    this.afterRelease(unit, rng, round, resultClass);
  }

  /** A unit's reply reached the proposers: its figures, its commitment's actor, perhaps a reclassification. */
  private afterRelease(unit: string, rng: Rng, round: number, resultClass: string) {
    const replied = this.view.state.assignments.find((x) => x.unitId === unit && x.status === 'replied');
    const onTime = replied && currentReply(replied)?.onTime;
    this.count(`reply.round${round}.${onTime ? 'onTime' : 'late'}`);
    this.count(`reply.class.${resultClass}`);
    const after = this.state.assignments.find((x) => x.unitId === unit && x.status === 'replied');
    if (after?.followUpId && !this.planned.has(`commitment:${unit}`)) {
      this.planned.add(`commitment:${unit}`);
      const followUpId = after.followUpId;
      this.world.sim.spawn(followUpId, () => commitmentActor(this.world, followUpId, unit, rng.fork()));
    }
    if (rng.chance(shares.reclassify) || (round === 0 && this.planned.has(`reclassify:${unit}`)))
      this.planReclassify(unit, rng, resultClass);
    this.onStatus();
  }

  /** The committee changes a reply's class while proposers rate it (domain.md §2.5). */
  private planReclassify(unit: string, rng: Rng, from: string) {
    const to = rng.pick(['A', 'B', 'C'].filter((c) => c !== from));
    this.later(this.t.workingDaysAfter(this.world.sim.now, rng.int(1, 3)), async () => {
      const group = groupOf(this.state, unit);
      if (!group || groupStage(this.state, group) !== 'awaitingFeedback') return;
      const done = await this.act(
        'reclassify',
        { unitId: unit, resultClass: to, reason: '根据答复内容调整类别' },
        this.committee(),
      );
      if (!done.ok) return;
      this.count(`reclassify.${from}to${to}`);
      const a = this.state.assignments.find((x) => x.unitId === unit && x.status === 'replied');
      if (a?.followUpId && !this.planned.has(`commitment:${unit}`)) {
        this.planned.add(`commitment:${unit}`);
        const followUpId = a.followUpId;
        this.world.sim.spawn(followUpId, () => commitmentActor(this.world, followUpId, unit, rng.fork()));
      }
    });
  }

  // ---- feedback, ruling, re-handling, consultation ------------------------------------------------

  /** Plans what each unit's reply now waits for (called after every action and look). */
  private onStatus() {
    for (const group of feedbackGroups(this.state)) this.onGroup(group);
    if (this.state.status === 'closed' && !this.planned.has('closed')) {
      this.planned.add('closed');
      this.count(`closed.round${this.state.round}`);
    }
  }

  /** A group's stage: its ratings, the committee's ruling, its re-handling, its consultation. */
  private onGroup(group: FeedbackGroup) {
    const stage = groupStage(this.state, group);
    const round = groupRound(this.state, group);
    const unitId = group.unitId;
    const tag = unitId ?? 'all';
    if (stage === 'awaitingFeedback') {
      for (const proposerId of proposers(this.state)) {
        const clock = this.clock(clockIds.feedback(proposerId, unitId));
        if (!clock || clock.status !== 'running') continue;
        const key = `feedback:${tag}:${round}:${proposerId}`;
        if (this.planned.has(key)) continue;
        const drawn = this.rng.weighted(round === 0 ? shares.rating : shares.ratingAfterRehandling);
        const forced = proposerId === this.plan.leadProposerId ? this.plan.force.feedback : undefined;
        const rating = !forced ? drawn : round === 0 || forced === 'consult' ? 'unsatisfied' : 'satisfied';
        if (rating === 'silent') {
          this.planned.add(key);
          this.count(`feedback.round${round}.none`);
          continue;
        }
        this.once(
          key,
          Math.min(
            this.t.workingDaysAfter(clock.startedAt, this.rng.int(1, 12)),
            this.t.aroundDue(clock.plan.deadline.due, 0),
          ),
          () => this.feedback(proposerId, rating, round, unitId),
        );
      }
      // The windows of silent proposers close at the end of their last day.
      const dues = proposers(this.state)
        .map((p) => this.clock(clockIds.feedback(p, unitId))?.plan.deadline.due)
        .filter((d): d is string => d !== undefined)
        .sort();
      if (dues.length)
        this.once(
          `feedbackClosed:${tag}:${round}:${dues.at(-1)}`,
          this.t.aroundDue(dues.at(-1)!, 1, '09:30'),
          () => this.lookAgain(),
        );
    } else if (stage === 'awaitingRuling') {
      const clock = this.clock(clockIds.feedbackRuling(unitId))!;
      this.once(`ruling:${tag}`, this.t.workingDaysAfter(clock.startedAt, this.rng.int(1, 4)), () =>
        this.rule(unitId),
      );
    } else if (stage === 'rehandling') {
      for (const a of group.units) {
        const clock = this.clock(clockIds.reply(a.unitId))!;
        const rng = this.rng.fork();
        const late = rng.chance(shares.replyLate / 2);
        const at = late
          ? this.t.aroundDue(clock.plan.deadline.due, rng.int(1, 5))
          : this.t.workingDaysAfter(clock.startedAt, rng.int(5, 18));
        this.once(`rehandle:${a.unitId}`, at, () => this.reply(a.unitId, rng, late, 0));
      }
    } else if (stage === 'consultation') {
      const clock = this.clock(clockIds.consultation(unitId))!;
      const leaderId = this.state.key?.leaderId ?? this.rng.pick(leaders);
      const at = this.t.workingDaysAfter(clock.startedAt, this.rng.int(5, 15));
      this.once(`consultation:${tag}`, at, async () => {
        const done = await this.act(
          'recordConsultation',
          { unitId, record: '领导与提案者当面协商，达成共识' },
          leaderId,
        );
        if (!done.ok) return;
        this.count('consultation.held');
        this.onStatus();
      });
    }
  }

  private async lookAgain() {
    await this.look();
    this.onStatus();
  }

  private async feedback(proposerId: string, rating: string, round: number, unitId?: string) {
    const group = groupOf(this.state, unitId);
    if (
      !group ||
      groupStage(this.state, group) !== 'awaitingFeedback' ||
      groupRound(this.state, group) !== round
    )
      return;
    const detailed = this.rng.chance(shares.detailedRating);
    const done = await this.act(
      'feedback',
      {
        unitId,
        rating,
        ...(detailed ? { processRating: 'satisfied', outcomeRating: rating } : {}),
        ...(rating === 'unsatisfied' ? { comment: '答复未解决实际问题' } : {}),
      },
      proposerId,
    );
    if (!done.ok) return;
    this.count(`feedback.round${round}.${rating}`);
    this.onStatus();
  }

  private async rule(unitId?: string) {
    const drawn = this.rng.chance(shares.rehandle);
    const forced = this.plan.force.feedback;
    const rehandle = forced ? forced !== 'close' : drawn;
    const done = await this.act(
      'ruleFeedback',
      rehandle
        ? { unitId, decision: 'rehandle', reason: '提案者不满意，重新办理' }
        : { unitId, decision: 'close', reason: '已充分沟通' },
      this.committee(),
    );
    if (!done.ok) return;
    this.count(`ruling.${rehandle ? 'rehandle' : 'close'}`);
    this.onStatus();
  }
}

export const proposalPathOrder = [
  'filed.plenary',
  'filed.interSession',
  'filed.organization',
  'cosigner.confirm',
  'cosigner.decline',
  'cosigner.silent',
  'review.withdrawn',
  'review.filed',
  'review.notFiled',
  'review.conversionProposed',
  'consent.accept',
  'consent.decline',
  'consent.silent',
  'review.converted',
  'review.merged',
  'key.marked',
];
