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
import { enqueueOutbox } from '../store/outbox';
import { currentPolicy } from '../store/policy';
import { clockProjection } from './clocks';
import type { ActivityDeps } from './deps';
import { addresseesOf, notificationDeps, rowsFor } from './outbox';
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
  const unit = responsible.unitId ? await directory(store, 'units').get(responsible.unitId) : undefined;
  const group = responsible.groupId ? await directory(store, 'groups').get(responsible.groupId) : undefined;
  const users = directory(store, 'users');
  const ids = async (role: Role, where: Record<string, unknown> = {}) =>
    (await users.list({ roles: role, active: true, ...where })).map((u) => u.id);
  return {
    responsible,
    unit,
    group,
    // A handling unit answers through its liaisons, a supervised department through its own people.
    unitPeople: unit
      ? await ids(unit.kind === 'department' ? 'department' : 'unit', { unitId: unit.id })
      : [],
    committee: await ids('committee'),
    leaders: await ids('leader'),
    committeeSecretaries: await ids('secretary', { unitId: null, groupId: null }),
    leaderId: notice.leaderId,
    notifications,
  };
}

/**
 * The notification hook of the deadline ladder: records the step in the item's timeline and the
 * clock's read model, and writes one outbox row per recipient and channel for the dispatcher.
 */
export function notifyActivities(deps: ActivityDeps) {
  const { store } = deps;
  const settings = notificationDeps(deps);
  const { recordTimeline } = timelineActivities(deps);
  const projectClock = clockProjection(deps);

  async function enqueueStep(notice: StepNotice): Promise<number> {
    const { policy } = await currentPolicy(store);
    const facts = await audienceFacts(store, notice, policy.notifications);
    const recipients = resolveRecipients(notice.step.to, facts);
    const who = await addresseesOf(store, recipients, policy.notifications);
    const urgent = notice.step.urgent ?? false;
    const deliverAt = deliveryTime(await loadCalendar(store), notice.at, officeHoursOf(policy), urgent);
    const base = { key: notice.key, kind: notice.step.kind, itemId: notice.clock.itemId, urgent, deliverAt };
    const rows = who.flatMap((addressee) =>
      rowsFor(
        base,
        addressee,
        stepMessage(notice, addressee.audience!, settings.publicUrl),
        settings.senders,
      ),
    );
    return enqueueOutbox(store, rows);
  }

  return {
    async notifyStep(notice: StepNotice): Promise<void> {
      const { key, step, at, leaderId, clock } = notice;
      await recordTimeline({
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
      });
      await projectClock(clock);
      await enqueueStep(notice);
    },
  };
}
