import { stepKindLabels, type ClockSnapshot, type PlannedStep } from '../domain/ladder';
import {
  resolveRecipients,
  stepMessage,
  type AudienceFacts,
  type NotificationPolicy,
} from '../domain/notifications';
import { deliveryTime, officeHoursOf } from '../domain/office-hours';
import type { Role } from '../domain/roles';
import type { Store } from '../store';
import { loadCalendar } from '../store/calendar';
import { directory } from '../store/directory';
import { currentPolicy } from '../store/policy';
import { clockProjection } from './clocks';
import type { ActivityDeps } from './deps';
import { addresseesOf, delivery, rowsFor, type DeliveryPlan } from './outbox';
import { timelineActivities } from './timeline';

/** One ladder step of one clock that has come due. */
export interface StepNotice {
  /** Idempotency key (item, clock, generation, step): a retried or replayed step is recorded once. */
  key: string;
  step: PlannedStep;
  /** When the workflow fired the step (workflow time). */
  at: number;
  /** Escalations of a key proposal go to its leader first. */
  leaderId?: string;
  clock: ClockSnapshot;
}

/** What the directory says about the people around `notice`'s clock, as the recipient rules need it. */
async function audienceFacts(
  store: Store,
  notice: StepNotice,
  notifications: NotificationPolicy,
): Promise<AudienceFacts> {
  const { responsible } = notice.clock;
  const users = directory(store, 'users');
  const ids = async (role: Role, where: Record<string, unknown> = {}) =>
    (await users.list({ roles: role, active: true, ...where })).map((u) => u.id);
  // Side by side: a reminder waits for these reads before it goes out.
  const [unit, group, committee, leaders, committeeSecretaries] = await Promise.all([
    responsible.unitId ? directory(store, 'units').get(responsible.unitId) : undefined,
    responsible.groupId ? directory(store, 'groups').get(responsible.groupId) : undefined,
    ids('committee'),
    ids('leader'),
    ids('secretary', { unitId: null, groupId: null }),
  ]);
  return {
    responsible,
    unit,
    group,
    // A handling unit answers through its liaisons, a supervised department through its own people.
    unitPeople: unit
      ? await ids(unit.kind === 'department' ? 'department' : 'unit', { unitId: unit.id })
      : [],
    committee,
    leaders,
    committeeSecretaries,
    leaderId: notice.leaderId,
    notifications,
  };
}

/** A ladder step's line on the item's timeline and its clock in the views: notifyStep's read-model half. */
export function stepRecording(deps: ActivityDeps) {
  const { recordTimeline } = timelineActivities(deps);
  const projectClock = clockProjection(deps);
  return async function recordStep({ key, step, at, leaderId, clock }: StepNotice): Promise<void> {
    const entry = {
      key,
      itemId: clock.itemId,
      at,
      kind: step.kind,
      label: `${clock.label}${stepKindLabels[step.kind]}（期限 ${clock.plan.deadline.due}）`,
      data: {
        clockId: clock.id,
        step: step.step,
        plannedAt: step.at,
        to: step.to,
        responsible: clock.responsible,
        leaderId,
      },
    };
    await Promise.all([recordTimeline(entry), projectClock(clock)]);
  };
}

/**
 * The notification hook of the deadline ladder: writes one outbox row per recipient and channel and,
 * when the step is due (in office hours, or urgent), sends them at once; records the step in the
 * item's timeline and the clock's read model. Returns what is left to deliver later (rows held for
 * office hours, failed sends to retry) and when, for the workflow to deliver then (workflows/dispatch.ts).
 */
export function notifyActivities(deps: ActivityDeps) {
  const { store } = deps;
  const { settings, enqueueAndSend } = delivery(deps);

  async function enqueueStep(notice: StepNotice): Promise<DeliveryPlan> {
    const [{ policy }, calendar] = await Promise.all([currentPolicy(store), loadCalendar(store)]);
    const facts = await audienceFacts(store, notice, policy.notifications);
    const recipients = resolveRecipients(notice.step.to, facts);
    const who = await addresseesOf(store, recipients, policy.notifications);
    const urgent = notice.step.urgent ?? false;
    const deliverAt = deliveryTime(calendar, notice.at, officeHoursOf(policy), urgent);
    const base = { key: notice.key, kind: notice.step.kind, itemId: notice.clock.itemId, urgent, deliverAt };
    const rows = who.flatMap((addressee) =>
      rowsFor(
        base,
        addressee,
        stepMessage(notice, addressee.audience!, settings.publicUrl),
        settings.senders,
      ),
    );
    // Owned by the step's key: a retried activity finds the rows it claimed still its own.
    return (await enqueueAndSend(base, rows, `notify:${notice.key}`)).plan;
  }

  const recordStep = stepRecording(deps);
  return {
    async notifyStep(notice: StepNotice): Promise<DeliveryPlan> {
      const plan = await enqueueStep(notice); // the messages first: recording takes a while under load
      await recordStep(notice);
      return plan;
    },
  };
}
