/**
 * One durable process per proposal (domain.md §2), from co-signing to closing.
 * Human actions arrive as one Update, `act`, whose validator applies the rules of
 * domain/proposal-actions.ts; every clock runs on the shared deadline ladder.
 * Handlers run one at a time (a mutex), so rules see a consistent state.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import type { Activities } from '../activities';
import type { FollowUpInput } from '../domain/follow-up';
import {
  clockIds,
  coSignerOf,
  groupAt,
  groupReplied,
  isFinal,
  refusal,
  type ActionArgs,
  type ProposalAction,
  type RuleContext,
} from '../domain/proposal-actions';
import {
  activeAssignments,
  assignmentOf,
  contactsOf,
  contactStageLabels,
  currentReply,
  feedbackGroups,
  groupFeedback,
  groupOf,
  groupRound,
  groupStage,
  handlingStatus,
  proposers,
  proposalWorkflowId,
  repliesOf,
  roundOf,
  type Assignment,
  type Contact,
  type FeedbackGroup,
  type HandlingStage,
  type ProposalInput,
  type ProposalState,
  type ProposalStatus,
  type Reply,
  type ReplyDraft,
  type UnitRole,
  unitRoleLabels,
} from '../domain/proposal';
import { plenaryReplyLimit } from '../domain/deadline';
import { committeeChecksReply } from '../domain/reply-review';
import { addDays, dateOf, type TimeLimit } from '../domain/time';
import { AppliedUpdates, setActHandler } from './applied-updates';
import { Clocks, type ClockContext, type ClockTable } from './clocks';
import { historyFull, quiesce, refuse } from './lifecycle';
import { HuiyinStatus, Overdue } from './search-attributes';

const { recordProposal, computeDeadline } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '5 minutes' },
});

export interface ProposalView {
  state: ProposalState;
  clocks: ClockTable;
}

export const actUpdate = defineUpdate<ProposalView, [ProposalAction]>('act');
/** A proposal merged into this one: its proposers are answered with this one (并案). */
export const absorbSignal = defineSignal<[{ proposalId: string; proposerIds: string[] }]>('absorb');
export const viewQuery = defineQuery<ProposalView>('view');

export async function proposal(input: ProposalInput): Promise<ProposalState> {
  const run = new ProposalRun(input);
  return run.main();
}

class ProposalRun {
  private readonly state: ProposalState;
  private readonly clocks: Clocks;
  private readonly ctx: ClockContext;
  private readonly mutex = new Mutex();
  private readonly applied: AppliedUpdates<ProposalView>;
  private revision: number;
  private overdueFlag = false;
  /** Actions wait until the proposal's first clocks are set up (an update may arrive with the start). */
  private ready: boolean;

  constructor(private readonly input: ProposalInput) {
    this.state = input.state ?? initialState(input);
    // Runs started before per-unit feedback rate all units' replies together as they always did;
    // `patched` tells them apart (false while replaying such a run), continued runs carry the answer.
    if (!input.state) this.state.perUnitFeedback = patched('per-unit-feedback');
    this.revision = input.state ? (input.revision ?? 0) : 0;
    this.ready = Boolean(input.state);
    this.ctx = {
      itemId: input.proposalId,
      itemKind: 'proposal',
      policy: input.policy,
      leaderId: this.state.key?.leaderId,
      onChange: () => this.syncOverdue(),
    };
    this.clocks = new Clocks(this.ctx, input.clocks);
    this.applied = new AppliedUpdates(
      { keep: () => undefined, reply: () => this.view() },
      input.appliedUpdates,
    );
  }

  async main(): Promise<ProposalState> {
    void this.clocks.run();
    setHandler(viewQuery, () => this.view());
    setActHandler(actUpdate, this.applied, {
      check: (action) => this.check(action),
      act: (action) => this.act(action),
      exclusive: (change) => this.exclusive(change),
    });
    setHandler(absorbSignal, (merged) => this.exclusive(() => this.absorb(merged)));

    if (!this.ready) {
      await this.begin();
      this.ready = true;
    }

    while (!isFinal(this.state)) {
      await condition(
        () => this.transitionDue() || isFinal(this.state) || historyFull(this.input.historyLimit),
      );
      if (this.transitionDue()) await this.exclusive(() => this.advance());
      else if (!isFinal(this.state)) return this.rollOver();
    }
    // No step notification may be left in flight when the run completes.
    await condition(allHandlersFinished);
    await quiesce(this.clocks);
    return this.state;
  }

  private async rollOver(): Promise<never> {
    await quiesce(this.clocks);
    return continueAsNew<typeof proposal>({
      ...this.input,
      state: this.state,
      clocks: this.clocks.table,
      revision: this.revision,
      appliedUpdates: this.applied.carry(),
    });
  }

  /** Runs a change once the proposal is set up, one at a time. */
  private async exclusive<T>(change: () => Promise<T>): Promise<T> {
    await condition(() => this.ready);
    return this.mutex.runExclusive(change);
  }

  private view(): ProposalView {
    return { state: this.state, clocks: this.clocks.table };
  }

  private rules(): RuleContext {
    return { policy: this.input.policy, clocks: this.clocks.table };
  }

  private check(action: ProposalAction) {
    const refused = refusal(this.state, action, this.rules());
    if (refused) refuse(refused.code, refused.message);
  }

  // ---- the lifecycle -------------------------------------------------------------------------

  private async begin() {
    await this.record('submitted', '提案已提交', this.state.leadProposerId);
    if (this.state.coSignerIds.length > 0) {
      await this.clocks.start(clockIds.cosigning, 'cosigning', {
        window: true,
        responsible: { userIds: this.state.coSignerIds },
      });
    } else await this.toReview();
  }

  /** Time-driven transitions: windows that closed while nobody acted. */
  private transitionDue(): boolean {
    const closed = (id: string) => !this.clocks.isRunning(id);
    switch (this.state.status) {
      case 'cosigning':
        return closed(clockIds.cosigning);
      case 'awaitingConsent':
        return closed(clockIds.consent);
      default:
        return this.closedRound() !== undefined;
    }
  }

  /** A group awaiting ratings whose every proposer answered or let the window close. */
  private closedRound(): FeedbackGroup | undefined {
    return feedbackGroups(this.state).find(
      (g) =>
        groupStage(this.state, g) === 'awaitingFeedback' &&
        proposers(this.state).every((p) => !this.clocks.isRunning(clockIds.feedback(p, g.unitId))),
    );
  }

  private async advance() {
    if (!this.transitionDue()) return;
    if (this.state.status === 'cosigning') {
      await this.record('cosigningClosed', `联名确认结束，${this.state.confirmedCoSignerIds.length} 人确认`);
      await this.toReview();
    } else if (this.state.status === 'awaitingConsent') {
      await this.declineConversion('提案者未在期限内同意转办');
    } else {
      const group = this.closedRound();
      if (group) await this.closeFeedbackRound(group);
    }
  }

  private async toReview() {
    await this.setStatus('underReview');
    await this.clocks.start(clockIds.review, 'review', { responsible: committee });
  }

  private async act(action: ProposalAction): Promise<ProposalView> {
    // Re-checked under the mutex: an action validated alongside another may no longer fit.
    this.check(action);
    await this.handlers[action.name](action as never);
    return this.view();
  }

  private readonly handlers: {
    [A in ProposalAction['name']]: (a: Extract<ProposalAction, { name: A }>) => Promise<void>;
  } = {
    cosign: async (action) => {
      const { args, by } = action;
      const coSigner = coSignerOf(action);
      (args.accept ? this.state.confirmedCoSignerIds : this.state.declinedCoSignerIds).push(coSigner);
      const answer = args.accept ? '联名人确认联名' : '联名人拒绝联名';
      // Recorded by office staff (a paper signature): the staff member is the actor, the co-signer named.
      await this.record(
        'cosigned',
        coSigner === by ? answer : `${answer}（${coSigner}，书面，由办公室录入）`,
        by,
      );
      const answered = this.state.confirmedCoSignerIds.length + this.state.declinedCoSignerIds.length;
      if (answered === this.state.coSignerIds.length) await this.clocks.stop(clockIds.cosigning, 'met');
      await this.advance();
    },

    withdraw: async ({ args, by }) => {
      await this.finish('withdrawn', `提案者撤回提案${args.reason ? `：${args.reason}` : ''}`, by);
    },

    review: async ({ args, by }) => {
      // A merge can fail (the target is gone or closed): the review clock must then keep running, so
      // it stops only once the target took the proposal. Added after the first release: `patched`
      // keeps runs that merged before this change replaying as they ran (clock stopped first).
      if (args.decision === 'merge' && patched('failed-merge-keeps-review-clock')) {
        await this.mergeInto(args.intoProposalId, by, () => this.clocks.stop(clockIds.review, 'met'));
        return;
      }
      await this.clocks.stop(clockIds.review, 'met');
      switch (args.decision) {
        case 'file':
          this.state.filedAt = Date.now();
          await this.record('filed', '立案', by, { note: args.note });
          await this.setStatus('awaitingAssignment');
          await this.clocks.start(clockIds.assignment, 'assignment', { responsible: committee });
          return;
        case 'notFile': {
          this.state.notFiledReason = args.reason;
          const label = this.input.policy.notFiledReasons.find((r) => r.code === args.reason)!.label;
          return this.finish('notFiled', `不予立案：${label}`, by, { reason: args.reason, note: args.note });
        }
        case 'convert':
          this.state.conversion = { unitId: args.unitId, note: args.note };
          await this.record('conversionProposed', '拟转为意见建议，征求提案者意见', by, {
            unitId: args.unitId,
          });
          await this.setStatus('awaitingConsent');
          await this.clocks.start(clockIds.consent, 'consent', {
            window: true,
            responsible: { userIds: [this.state.leadProposerId] },
          });
          return;
        case 'merge':
          await this.mergeInto(args.intoProposalId, by);
          return;
      }
    },

    consent: async ({ args, by }) => {
      await this.clocks.stop(clockIds.consent, 'met');
      if (!args.accept) return this.declineConversion('提案者不同意转办');
      const conversion = this.state.conversion!;
      conversion.consent = true;
      conversion.followUpId = await this.startFollowUp('convertedSuggestion', conversion.unitId, 'converted');
      await this.finish('converted', '转为意见建议，交有关单位办理', by, {
        followUpId: conversion.followUpId,
      });
    },

    assign: async ({ args, by }) => {
      await this.clocks.stop(clockIds.assignment, 'met');
      this.state.assignedAt = Date.now();
      await this.setStatus('handling');
      if (args.leadUnitId) await this.assignUnit(args.leadUnitId, 'lead', by);
      for (const unitId of args.coHandlerUnitIds) await this.assignUnit(unitId, 'coHandler', by);
      for (const unitId of args.parallelUnitIds) await this.assignUnit(unitId, 'parallel', by);
    },

    signFor: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      a.status = 'signed';
      a.signedAt = Date.now();
      await this.clocks.stop(clockIds.signFor(a.unitId), 'met');
      await this.record('signedFor', '承办单位签收', by, { unitId: a.unitId });
    },

    requestReturn: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      a.returnRequest = { reason: args.reason, at: Date.now() };
      a.status = 'returnRequested';
      await this.clocks.stop(clockIds.signFor(a.unitId), 'met');
      await this.record('returnRequested', `承办单位申请退回：${args.reason}`, by, { unitId: a.unitId });
      await this.clocks.start(clockIds.returnRuling(a.unitId), 'returnRuling', { responsible: committee });
    },

    ruleReturn: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      a.returnRequest!.ruling = { approved: args.approve, by, at: Date.now(), toUnitId: args.toUnitId };
      await this.clocks.stop(clockIds.returnRuling(a.unitId), 'met');
      if (!args.approve) {
        a.status = a.signedAt ? 'signed' : 'assigned';
        await this.record('returnRejected', `退回申请未获同意${args.reason ? `：${args.reason}` : ''}`, by, {
          unitId: a.unitId,
        });
        if (!a.signedAt) await this.startUnitClock(a, 'signFor');
        return;
      }
      a.status = 'returned';
      await this.cancelUnitClocks(a.unitId);
      await this.record('returnApproved', `同意退回，改由 ${args.toUnitId} 办理`, by, {
        unitId: a.unitId,
        toUnitId: args.toUnitId,
      });
      await this.assignUnit(args.toUnitId!, a.role, by);
    },

    recordContact: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      const log = contactLog(a);
      const contact: Contact = {
        no: log.length + 1,
        stage: args.stage ?? 'beforeHandling',
        method: args.method,
        date: args.date ?? dateOf(Date.now()),
        ...(args.participants ? { participants: args.participants } : {}),
        ...(args.note ? { note: args.note } : {}),
        at: Date.now(),
        by,
      };
      log.push(contact);
      await this.clocks.stop(clockIds.contact(a.unitId), 'met');
      await this.record('contacted', `${contactStageLabels[contact.stage]}已记录（${contact.date}）`, by, {
        unitId: a.unitId,
        no: contact.no,
        stage: contact.stage,
        method: args.method,
        date: contact.date,
      });
    },

    confirmContact: async ({ args, by }) => {
      const a = this.state.assignments.find((x) => x.unitId === args.unitId)!;
      const contact = contactLog(a).find((c) => c.no === args.contactNo)!;
      contact.confirmation = { confirmed: args.confirmed, by, at: Date.now(), note: args.note };
      const data = { unitId: a.unitId, no: contact.no, note: args.note };
      if (args.confirmed) {
        await this.record('contactConfirmed', `提案者确认已见面（第 ${contact.no} 次沟通）`, by, data);
      } else {
        const why = args.note ? `：${args.note}` : '';
        await this.record('contactDisputed', `提案者对第 ${contact.no} 次沟通记录有异议${why}`, by, data);
      }
    },

    sendOpinion: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      a.opinion = { text: args.text, at: Date.now() };
      a.status = 'opinionSent';
      await this.clocks.stop(clockIds.coHandlerOpinion(a.unitId), 'met');
      await this.clocks.stop(clockIds.contact(a.unitId), 'cancelled');
      await this.record('opinionSent', '会办单位提交会办意见', by, { unitId: a.unitId });
    },

    waiveOpinion: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      a.opinionWaived = true;
      await this.clocks.stop(clockIds.coHandlerOpinion(a.unitId), 'cancelled');
      await this.clocks.stop(clockIds.contact(a.unitId), 'cancelled');
      await this.record('opinionWaived', '委员会免除会办意见', by, { unitId: a.unitId });
    },

    requestExtension: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      a.extension = { until: args.until, reason: args.reason, at: Date.now() };
      await this.record('extensionRequested', `申请延期至 ${args.until}：${args.reason}`, by, {
        unitId: a.unitId,
      });
    },

    ruleExtension: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      const extension = a.extension!;
      extension.ruling = { approved: args.approve, by, at: Date.now(), reason: args.reason };
      if (args.approve) {
        await this.clocks.reschedule(clockIds.reply(a.unitId), { unit: 'fixedDate', date: extension.until });
      }
      await this.record(
        args.approve ? 'extensionApproved' : 'extensionRejected',
        args.approve ? `同意延期至 ${extension.until}` : '延期申请未获同意',
        by,
        { unitId: a.unitId },
      );
    },

    reply: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      // Reviewed replies (domain.md §2.5): where the committee checks replies, the leader's reply is
      // signed off, not released. Added after the first release: `patched` keeps runs whose key proposal
      // replied before this change releasing as they ran; asked only where a check applies, so every
      // other reply records exactly what it did before.
      if (this.checksReply() && patched('reviewed-replies')) {
        this.draft(a, args, by);
        await this.signOff(a, by);
        return;
      }
      if (a.draft) {
        // A draft the leader replaced by writing the reply at once (only runs with reviewed replies).
        delete a.draft;
        await this.clocks.stop(clockIds.replySignOff(a.unitId), 'met');
      }
      const replyClock = clockIds.reply(a.unitId);
      const reply: Reply = {
        ...args,
        signedOffBy: by,
        at: Date.now(),
        round: roundOf(this.state, a),
        onTime: !this.clocks.isOverdue(replyClock),
      };
      const due = this.clocks.table[replyClock]?.plan.deadline.due;
      await this.release(a, due ? { ...reply, due } : reply, by, 'replied');
    },

    draftReply: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      const draft = this.draft(a, args, by);
      await this.record(
        'replyDrafted',
        `答复稿已起草（${this.classLabel(draft.resultClass)}），待负责人审签`,
        by,
        {
          unitId: a.unitId,
          resultClass: draft.resultClass,
          round: draft.round,
        },
      );
      if (!this.clocks.isRunning(clockIds.replySignOff(a.unitId)))
        await this.clocks.start(clockIds.replySignOff(a.unitId), 'replySignOff', {
          responsible: { unitId: a.unitId },
        });
    },

    signOffReply: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      if (args.approve) return this.signOff(a, by);
      const draft = a.draft!;
      draft.status = 'returned';
      draft.returns.push({ step: 'signOff', by, at: Date.now(), reason: args.reason });
      await this.record('replyReturned', `负责人退回答复稿：${args.reason}`, by, {
        unitId: a.unitId,
        step: 'signOff',
        reason: args.reason,
        round: draft.round,
      });
      // Before the first sign-off the liaison works on the reply clock; a revision the committee asked
      // for stays on the sign-off clock until the leader signs it off.
      if (this.clocks.isRunning(clockIds.reply(a.unitId)))
        await this.clocks.stop(clockIds.replySignOff(a.unitId), 'cancelled');
    },

    checkReply: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      await this.clocks.stop(clockIds.replyCheck(a.unitId), 'met');
      if (args.approve) return this.releaseDraft(a, by, by);
      const draft = a.draft!;
      draft.status = 'returned';
      draft.returns.push({ step: 'check', by, at: Date.now(), reason: args.reason });
      await this.record('replyReturned', `委员会审核退回答复：${args.reason}`, by, {
        unitId: a.unitId,
        step: 'check',
        reason: args.reason,
        round: draft.round,
      });
      await this.clocks.start(clockIds.replySignOff(a.unitId), 'replySignOff', {
        responsible: { unitId: a.unitId },
      });
    },

    reclassify: async ({ args, by }) => {
      const a = this.unit(args.unitId);
      const reply = replyLog(a).at(-1)!;
      const from = reply.resultClass;
      reply.reclassifications = [
        ...(reply.reclassifications ?? []),
        { from, to: args.resultClass, reason: args.reason, by, at: Date.now() },
      ];
      reply.resultClass = args.resultClass;
      await this.record('reclassified', `答复类别由 ${from} 调整为 ${args.resultClass}：${args.reason}`, by, {
        unitId: a.unitId,
        from,
        to: args.resultClass,
      });
      await this.openCommitment(a);
    },

    feedback: async ({ args, by }) => {
      const group = groupAt(this.state, args.unitId, 'awaitingFeedback') as FeedbackGroup;
      // The rating carries the unit of its group (none for the whole proposal's), not the one named.
      this.state.feedback.push({
        ...args,
        proposerId: by,
        unitId: group.unitId,
        counts: this.counts(args.rating),
        at: Date.now(),
        round: groupRound(this.state, group),
      });
      await this.clocks.stop(clockIds.feedback(by, group.unitId), 'met');
      await this.record('feedback', `提案者反馈：${this.ratingLabel(args.rating)}`, by, {
        rating: args.rating,
        ...(group.unitId ? { unitId: group.unitId } : {}),
      });
      await this.advance();
    },

    ruleFeedback: async ({ args, by }) => {
      const group = groupAt(this.state, args.unitId, 'awaitingRuling') as FeedbackGroup;
      await this.clocks.stop(clockIds.feedbackRuling(group.unitId), 'met');
      if (args.decision === 'close') {
        return this.closeGroup(group, `委员会决定办结${args.reason ? `：${args.reason}` : ''}`, by);
      }
      this.state.round = 1;
      this.moveGroup(group, 'rehandling', 1);
      await this.record('rehandlingOrdered', '对不满意件重新办理', by, {
        reason: args.reason,
        ...(group.unitId ? { unitId: group.unitId } : {}),
      });
      await this.syncStatus();
      for (const a of group.units) {
        a.status = 'signed';
        await this.clocks.start(clockIds.reply(a.unitId), 'rehandling', {
          responsible: { unitId: a.unitId },
        });
      }
    },

    recordConsultation: async ({ args, by }) => {
      const group = groupAt(this.state, args.unitId, 'consultation') as FeedbackGroup;
      for (const a of group.units) a.consultation = { record: args.record, leaderId: by, at: Date.now() };
      await this.clocks.stop(clockIds.consultation(group.unitId), 'met');
      await this.closeGroup(group, '当面协商已完成，提案办结', by);
    },

    markKey: async ({ args, by }) => {
      this.state.key = { leaderId: args.leaderId, at: Date.now() };
      this.ctx.leaderId = args.leaderId; // escalations now go to the leading leader first
      await this.record('markedKey', '列为重点提案，由领导领衔督办', by, { leaderId: args.leaderId });
    },

    logSupervision: async ({ args, by }) => {
      const labels = { research: '调研', forum: '座谈', meeting: '督办会' };
      await this.record('supervision', `督办活动：${labels[args.activity]}（${args.date}）${args.note}`, by, {
        ...args,
      });
    },
  };

  // ---- steps shared by several actions ----------------------------------------------------------

  private async assignUnit(unitId: string, role: UnitRole, by: string) {
    const cap = await computeDeadline({ start: Date.now(), rule: this.input.policy.replyCap });
    const a: Assignment = {
      unitId,
      role,
      status: 'assigned',
      assignedAt: Date.now(),
      capDue: cap.due,
      ...(role === 'coHandler' ? {} : { stage: 'handling' as const, round: 0 }),
    };
    this.state.assignments.push(a);
    await this.record('assigned', `交办 ${unitId}（${unitRoleLabels[role]}）`, by, { unitId, role });
    await this.startUnitClock(a, 'signFor');
    await this.clocks.start(clockIds.returnWindow(unitId), 'returnWindow', {
      window: true,
      responsible: { unitId },
    });
    await this.startUnitClock(a, 'contact');
    if (role === 'coHandler') await this.startOpinionClock(a);
    else await this.startReplyClock(a);
  }

  private startUnitClock(a: Assignment, code: 'signFor' | 'contact') {
    return this.clocks.start(clockIds[code](a.unitId), code, { responsible: { unitId: a.unitId } });
  }

  private startReplyClock(a: Assignment) {
    const plenaryDate = this.input.policy.plenaryReplyDate;
    let limit: TimeLimit | undefined;
    if (this.state.type === 'plenary' && plenaryDate) {
      // The fixed date never reaches past the 6-month cap (domain/deadline.ts, plenaryReplyLimit). Added
      // after the first release: `patched` keeps reply clocks started before it replaying as they ran.
      limit =
        a.capDue && patched('plenary-reply-date-capped')
          ? plenaryReplyLimit(dateOf(Date.now()), plenaryDate, a.capDue)
          : { unit: 'fixedDate', date: plenaryDate };
    }
    return this.clocks.start(clockIds.reply(a.unitId), 'reply', { responsible: { unitId: a.unitId }, limit });
  }

  /** A co-handler's opinion is due in a month, and at the latest `coHandlerMarginDays` before the lead's reply. */
  private async startOpinionClock(a: Assignment) {
    const id = clockIds.coHandlerOpinion(a.unitId);
    const clock = await this.clocks.start(id, 'coHandlerOpinion', { responsible: { unitId: a.unitId } });
    const lead = activeAssignments(this.state).find((x) => x.role === 'lead');
    const leadReply = lead && this.clocks.table[clockIds.reply(lead.unitId)];
    if (!leadReply) return;
    const cap = addDays(leadReply.plan.deadline.due, -this.input.policy.coHandlerMarginDays);
    if (clock.plan.deadline.due > cap) await this.clocks.reschedule(id, { unit: 'fixedDate', date: cap });
  }

  /** Whether the committee checks this proposal's replies before release (domain/reply-review.ts). */
  private checksReply() {
    return committeeChecksReply(this.input.policy, Boolean(this.state.key));
  }

  /**
   * The unit's draft for its current round, replacing an earlier one; within a round it keeps what the
   * first sign-off measured (按期, the deadline) and the returns so far.
   */
  private draft(a: Assignment, args: ReplyFields & { unitId: string }, by: string): ReplyDraft {
    const { unitId: _unit, ...fields } = args; // eslint-disable-line @typescript-eslint/no-unused-vars
    const round = roundOf(this.state, a);
    const earlier = a.draft?.round === round ? a.draft : undefined;
    a.draft = {
      ...fields,
      round,
      by,
      at: Date.now(),
      status: 'drafted',
      returns: earlier?.returns ?? [],
      ...(earlier?.onTime !== undefined ? { onTime: earlier.onTime } : {}),
      ...(earlier?.due ? { due: earlier.due } : {}),
    };
    return a.draft;
  }

  /**
   * The unit leader signs the draft off: the unit's time ends here — the reply clock is met and 按期 is
   * measured now (at the round's first sign-off) — then the committee checks it or it is released.
   */
  private async signOff(a: Assignment, by: string) {
    const draft = a.draft!;
    const replyClock = clockIds.reply(a.unitId);
    draft.status = 'signedOff';
    draft.signedOffBy = by;
    draft.signedOffAt = Date.now();
    if (draft.onTime === undefined) {
      draft.onTime = !this.clocks.isOverdue(replyClock);
      const due = this.clocks.table[replyClock]?.plan.deadline.due;
      if (due) draft.due = due;
    }
    await this.clocks.stop(replyClock, 'met');
    await this.clocks.stop(clockIds.replySignOff(a.unitId), 'met');
    if (!this.checksReply()) return this.releaseDraft(a, by);
    await this.record(
      'replySignedOff',
      `答复已签发（${this.classLabel(draft.resultClass)}），待委员会审核`,
      by,
      {
        unitId: a.unitId,
        resultClass: draft.resultClass,
        round: draft.round,
      },
    );
    await this.clocks.start(clockIds.replyCheck(a.unitId), 'replyCheck', { responsible: committee });
  }

  /** The reviewed draft becomes the unit's reply and reaches the proposers. */
  private releaseDraft(a: Assignment, by: string, checkedBy?: string) {
    const draft = a.draft!;
    delete a.draft;
    const reply: Reply & { unitId: string } = {
      unitId: a.unitId,
      resultClass: draft.resultClass,
      text: draft.text,
      ...(draft.commitments ? { commitments: draft.commitments } : {}),
      ...(draft.targetDate ? { targetDate: draft.targetDate } : {}),
      ...(draft.attachmentIds?.length ? { attachmentIds: draft.attachmentIds } : {}),
      signedOffBy: draft.signedOffBy!,
      at: Date.now(),
      round: draft.round,
      onTime: draft.onTime ?? true,
      ...(draft.due ? { due: draft.due } : {}),
      draftedBy: draft.by,
      signedOffAt: draft.signedOffAt,
      ...(checkedBy ? { checkedBy } : {}),
    };
    return this.release(a, reply, by, 'replyReleased');
  }

  /**
   * A reply reaches the proposers: it joins the record, the unit's clocks for it end, a class-B reply
   * opens its commitment, and the unit's feedback round starts once its group has replied. `replied` is
   * the leader's direct reply as it has always been recorded; `replyReleased` a reviewed one.
   */
  private async release(a: Assignment, reply: Reply, by: string, kind: 'replied' | 'replyReleased') {
    replyLog(a).push(reply);
    a.status = 'replied';
    await this.clocks.stop(clockIds.reply(a.unitId), 'met');
    await this.clocks.stop(clockIds.contact(a.unitId), 'cancelled');
    // A replied unit can no longer ask to be relieved of it. Added after the first release:
    // `patched` keeps runs that replied before this change replaying as they ran.
    if (patched('close-return-window-on-reply')) {
      await this.clocks.stop(clockIds.returnWindow(a.unitId), 'cancelled');
    }
    const label =
      kind === 'replied'
        ? `书面答复（${this.classLabel(reply.resultClass)}）`
        : `书面答复已发出（${this.classLabel(reply.resultClass)}）`;
    await this.record(kind, label, by, {
      unitId: a.unitId,
      resultClass: reply.resultClass,
      round: reply.round,
    });
    await this.openCommitment(a);
    const group = groupOf(this.state, a.unitId)!;
    if (groupReplied(this.state, group)) await this.startFeedbackRound(group);
  }

  private async cancelUnitClocks(unitId: string) {
    const codes = [
      'signFor',
      'returnWindow',
      'contact',
      'coHandlerOpinion',
      'reply',
      'replySignOff',
      'replyCheck',
    ] as const;
    for (const code of codes) {
      await this.clocks.stop(clockIds[code](unitId), 'cancelled');
    }
  }

  /** A reply of a class that opens a follow-up (default B) hands its commitments to a follow-up item. */
  private async openCommitment(a: Assignment) {
    const scheme = this.input.policy.resultClassScheme.find((c) => c.code === currentReply(a)!.resultClass);
    if (!scheme?.opensFollowUp || a.followUpId) return;
    a.followUpId = await this.startFollowUp('commitment', a.unitId, `commitment-${a.unitId}`);
    await this.record('commitmentOpened', '答复承诺转入跟踪落实', undefined, {
      unitId: a.unitId,
      followUpId: a.followUpId,
    });
  }

  private async startFollowUp(kind: FollowUpInput['kind'], unitId: string, suffix: string): Promise<string> {
    const followUpId = `${this.state.proposalId}-${suffix}`;
    const a = assignmentOf(this.state, unitId);
    const input: FollowUpInput = {
      followUpId,
      kind,
      title: this.state.title,
      content: (a && currentReply(a)?.commitments) ?? this.state.conversion?.note ?? this.state.content,
      sender: { userIds: proposers(this.state) },
      responder: { unitId },
      source: { proposalId: this.state.proposalId },
      policy: this.input.policy,
      policyVersion: this.input.policyVersion,
    };
    // ABANDON: the follow-up keeps asking for progress after the proposal itself closes.
    await startChild('followUpItem', {
      workflowId: `followup-${followUpId}`,
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return followUpId;
  }

  /** The group's replies are in: every proposer is asked to rate them. */
  private async startFeedbackRound(group: FeedbackGroup) {
    this.moveGroup(group, 'awaitingFeedback');
    await this.syncStatus();
    for (const proposerId of proposers(this.state)) await this.askFeedback(proposerId, group);
  }

  private askFeedback(proposerId: string, group: FeedbackGroup) {
    return this.clocks.start(clockIds.feedback(proposerId, group.unitId), 'feedback', {
      window: true,
      responsible: { userIds: [proposerId] },
    });
  }

  /** Every proposer answered or let the window close: unsatisfied → re-handling or consultation, else close. */
  private async closeFeedbackRound(group: FeedbackGroup) {
    const round = groupRound(this.state, group);
    const unit = group.unitId ? { unitId: group.unitId } : {};
    for (const proposerId of proposers(this.state)) {
      const given = groupFeedback(this.state, group).some((f) => f.proposerId === proposerId);
      if (!given) this.state.feedback.push({ proposerId, ...unit, noFeedback: true, round });
    }
    const unsatisfied = groupFeedback(this.state, group).some((f) => f.counts === 'unsatisfied');
    await this.record(
      'feedbackClosed',
      unsatisfied ? '征询意见结束：有不满意' : '征询意见结束',
      undefined,
      group.unitId ? unit : undefined,
    );
    if (!unsatisfied) return this.closeGroup(group, '提案办结');
    if (round === 0) {
      this.moveGroup(group, 'awaitingRuling');
      await this.syncStatus();
      await this.clocks.start(clockIds.feedbackRuling(group.unitId), 'feedbackRuling', {
        responsible: committee,
      });
    } else {
      this.moveGroup(group, 'consultation');
      await this.syncStatus();
      await this.clocks.start(clockIds.consultation(group.unitId), 'consultation', {
        responsible: this.state.key ? { userIds: [this.state.key.leaderId] } : { role: 'leader' },
      });
    }
  }

  private moveGroup(group: FeedbackGroup, stage: HandlingStage, round?: number) {
    for (const a of group.units) {
      a.stage = stage;
      if (round !== undefined) a.round = round;
    }
  }

  /** A group's handling is over; the proposal closes with the last one. */
  private async closeGroup(group: FeedbackGroup, label: string, by?: string) {
    this.moveGroup(group, 'closed');
    if (handlingStatus(this.state) === 'closed') return this.finish('closed', label, by);
    await this.record('unitClosed', `承办单位 ${group.unitId} 的答复办理完毕：${label}`, by, {
      unitId: group.unitId,
    });
    await this.syncStatus();
  }

  /** The proposal's status follows its units' stages (domain/proposal.ts, handlingStatus). */
  private async syncStatus() {
    const status = handlingStatus(this.state);
    if (status !== this.state.status) await this.setStatus(status);
  }

  private async declineConversion(why: string) {
    this.state.conversion = { ...this.state.conversion!, consent: false };
    await this.record('conversionDeclined', `${why}，重新审查`);
    await this.toReview();
  }

  /** 并案: hands the proposers to the target, then ends; `merged` runs once the target took them. */
  private async mergeInto(intoProposalId: string, by: string, merged?: () => Promise<void>) {
    try {
      await getExternalWorkflowHandle(proposalWorkflowId(intoProposalId)).signal(absorbSignal, {
        proposalId: this.state.proposalId,
        proposerIds: proposers(this.state),
      });
    } catch {
      // Nothing has changed: the proposal stays under review with its review clock running.
      refuse('mergeTargetMissing', `提案 ${intoProposalId} 不存在或已办结，不能并案`);
    }
    await merged?.();
    this.state.mergedInto = intoProposalId;
    await this.finish('merged', `并入提案 ${intoProposalId} 办理`, by, { intoProposalId });
  }

  private async absorb(merged: { proposalId: string; proposerIds: string[] }) {
    if (this.state.mergedProposers.some((m) => m.proposalId === merged.proposalId)) return; // signal retried
    this.state.mergedProposers.push(merged);
    await this.record('absorbed', `提案 ${merged.proposalId} 并入本提案办理`, undefined, merged);
    for (const group of feedbackGroups(this.state)) {
      if (groupStage(this.state, group) !== 'awaitingFeedback') continue;
      for (const proposerId of merged.proposerIds) await this.askFeedback(proposerId, group);
    }
  }

  /** A final status: every clock still running is cancelled, nothing waits any more. */
  private async finish(status: ProposalStatus, label: string, by?: string, data?: Record<string, unknown>) {
    for (const clock of this.clocks.open()) await this.clocks.stop(clock.id, 'cancelled');
    if (status === 'closed') this.state.closedAt = Date.now();
    this.state.status = status;
    await this.record(status, label, by, data);
    this.upsertStatus();
  }

  private async setStatus(status: ProposalStatus) {
    this.state.status = status;
    await this.record(`status:${status}`, undefined);
    this.upsertStatus();
  }

  private upsertStatus() {
    upsertSearchAttributes([{ key: HuiyinStatus, value: this.state.status }]);
  }

  private syncOverdue() {
    const overdue = this.clocks.open().some((c) => c.overdue);
    if (overdue === this.overdueFlag) return;
    this.overdueFlag = overdue;
    upsertSearchAttributes([{ key: Overdue, value: overdue }]);
  }

  /** Timeline entry plus the read model, in one idempotent activity keyed by the proposal's revision. */
  private record(kind: string, label: string | undefined, actor?: string, data?: Record<string, unknown>) {
    this.revision++;
    return recordProposal({
      entry:
        label === undefined
          ? undefined
          : {
              key: `${this.state.proposalId}:r${this.revision}:${kind}`,
              itemId: this.state.proposalId,
              at: Date.now(),
              kind,
              label,
              actor,
              data,
            },
      state: this.state,
      revision: this.revision,
    });
  }

  private unit(unitId: string): Assignment {
    return assignmentOf(this.state, unitId)!;
  }

  private counts(rating: string) {
    return this.input.policy.satisfactionScale.find((s) => s.code === rating)?.counts;
  }

  private classLabel(code: string) {
    return this.input.policy.resultClassScheme.find((c) => c.code === code)?.label ?? code;
  }

  private ratingLabel(code: string) {
    return this.input.policy.satisfactionScale.find((s) => s.code === code)?.label ?? code;
  }
}

const committee = { role: 'committee' as const }; // the committee office as a whole

/** What a reply says, as the unit writes it. */
type ReplyFields = Omit<ActionArgs<'draftReply'>, 'unitId'>;

/** The assignment's reply log, moving a reply recorded in the older single-reply shape into it. */
function replyLog(a: Assignment): Reply[] {
  a.replies = repliesOf(a);
  delete a.reply;
  return a.replies;
}

/** The assignment's contact log, moving a contact recorded in the older single-contact shape into it. */
function contactLog(a: Assignment): Contact[] {
  a.contacts = contactsOf(a);
  delete a.contact;
  return a.contacts;
}

/** A new proposal's state, from its input alone: the API answers a filing with what its workflow starts from. */
export function initialState({
  proposalId,
  sessionYear,
  number,
  draft,
  policyVersion,
  submittedAt,
}: ProposalInput): ProposalState {
  return {
    ...draft,
    proposalId,
    sessionYear,
    number,
    status: draft.coSignerIds.length > 0 ? 'cosigning' : 'underReview',
    confirmedCoSignerIds: [],
    declinedCoSignerIds: [],
    mergedProposers: [],
    assignments: [],
    feedback: [],
    round: 0,
    // A run started now rates each unit's reply on its own (the run itself re-asks `patched`, so a
    // replayed older run still rates them together); the API answers a filing with this state.
    perUnitFeedback: true,
    // Inputs of runs started before the API stamped the filing time: the first task's time, as they ran.
    submittedAt: submittedAt ?? Date.now(),
    policyVersion,
  };
}
