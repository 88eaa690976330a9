import { asyncLocalStorage } from '@temporalio/activity';
import { IllegalStateError, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WorkingCalendar } from '../domain/calendar';
import type { UserRecord } from '../domain/directory';
import {
  eventMessage,
  eventNotices,
  eventOf,
  type EventEntry,
  type EventItem,
  type EventNotice,
} from '../domain/event-notices';
import { stepKindLabels, type ClockSnapshot, type PlannedStep, type Responsible } from '../domain/ladder';
import {
  resolveRecipients,
  stepMessage,
  type AudienceFacts,
  type NotificationPolicy,
} from '../domain/notifications';
import { deliveryTime, officeHoursOf } from '../domain/office-hours';
import type { Policy } from '../domain/policy';
import type { Role } from '../domain/roles';
import { loadCalendar } from '../store/calendar';
import { directorySnapshot, peopleWith, type DirectorySnapshot } from '../store/directory';
import { writeOutbox } from '../store/outbox';
import { currentPolicy, policyVersion } from '../store/policy';
import { deliveryWorkflowId } from '../workflows/dispatch';
import { inboxSender } from './channels';
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

/**
 * What the directory says about the people around a clock (or an event), as the recipient rules need
 * it: `responsible` as the clock names it, `leaderId` a key proposal's leader.
 */
function audienceFacts(
  people: DirectorySnapshot,
  { responsible, leaderId }: { responsible: Responsible; leaderId?: string },
  notifications: NotificationPolicy,
): AudienceFacts {
  const ids = (role: Role, where?: (user: UserRecord) => boolean) =>
    peopleWith(people, role, where).map((u) => u.id);
  const unit = responsible.unitId ? people.units.get(responsible.unitId) : undefined;
  return {
    responsible,
    unit,
    group: responsible.groupId ? people.groups.get(responsible.groupId) : undefined,
    // A handling unit answers through its liaisons, a supervised department through its own people.
    unitPeople: unit
      ? ids(unit.kind === 'department' ? 'department' : 'unit', (u) => u.unitId === unit.id)
      : [],
    committee: ids('committee'),
    leaders: ids('leader'),
    committeeSecretaries: ids('secretary', (u) => !u.unitId && !u.groupId),
    leaderId,
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
    const [{ policy }, calendar, people] = await Promise.all([
      currentPolicy(store),
      loadCalendar(store),
      directorySnapshot(store),
    ]);
    const facts = audienceFacts(
      people,
      { responsible: notice.clock.responsible, leaderId: notice.leaderId },
      policy.notifications,
    );
    const recipients = resolveRecipients(notice.step.to, facts);
    const who = await addresseesOf(store, people, recipients, policy.notifications);
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

/**
 * Event notices (domain.md §10): the messages of a recorded timeline entry (domain/event-notices.ts),
 * written into the ladder's outbox with the ladder's recipients, channels, preferences and office
 * hours. Called by the recording activities (recordProposal, recordFollowUp) after the read model is
 * written, never by their replay into a scratch database (activities/projections.ts).
 *
 * Rows are keyed `event:<entry key>[#<unit>]:<recipient>:<channel>`; the entry's key is stable across
 * retries and replays, so a retried activity inserts nothing. A due in-app copy is delivered by being
 * written, as a ladder step's; the rest (other channels, and everything held for office hours) wait as
 * pending rows, handed to `deliverNotice` (workflow id `deliver:<notice key>`, one per notice) when the
 * activity runs in a worker, and found by the recovery sweep in any case. Nothing is sent inline: the
 * recording activities are on the path of every action's answer, which a slow mail server must not hold.
 */
export function eventNotifier(deps: ActivityDeps) {
  const { store } = deps;
  const { settings } = delivery(deps);

  async function enqueueNotice(
    notice: EventNotice,
    policy: Policy,
    calendar: WorkingCalendar,
    people: DirectorySnapshot,
  ): Promise<DeliveryPlan> {
    const facts = audienceFacts(people, { responsible: notice.to }, policy.notifications);
    const recipients = resolveRecipients(notice.audiences, facts);
    const who = await addresseesOf(store, people, recipients, policy.notifications);
    const deliverAt = deliveryTime(calendar, notice.at, officeHoursOf(policy));
    const base = {
      key: notice.key,
      kind: `event:${notice.event}`,
      itemId: notice.itemId,
      urgent: false,
      deliverAt,
    };
    const rows = who.flatMap((addressee) =>
      rowsFor(
        base,
        addressee,
        eventMessage(notice, addressee.audience, settings.publicUrl),
        settings.senders,
      ),
    );
    const now = new Date();
    const inApp =
      deliverAt <= now.getTime() && settings.senders.inbox === inboxSender
        ? rows.filter((row) => row.channel === 'inbox')
        : [];
    const later = rows.filter((row) => !inApp.includes(row));
    await writeOutbox(store, inApp, now, { owner: notice.key, leaseUntil: now, delivered: () => true });
    await writeOutbox(store, later, now);
    return { notice: notice.key, rows: later.map((row) => row._id), deliverAt };
  }

  return async function notifyEvent(item: EventItem, entry: EventEntry | undefined): Promise<void> {
    if (!entry || !eventOf(item, entry)) return; // most entries are no event: nothing to read
    const [current, calendar, people] = await Promise.all([
      currentPolicy(store),
      loadCalendar(store),
      directorySnapshot(store),
    ]);
    // Labels (reasons, classes, ratings) as the item's own policy version has them.
    const version = item.kind === 'proposal' ? item.state.policyVersion : item.item.policyVersion;
    const own = version === current.version ? current : await policyVersion(store, version);
    const notices = eventNotices(item, entry, {
      policy: (own ?? current).policy,
      unitName: (id) => people.units.get(id)?.name ?? id,
    });
    for (const notice of notices)
      await handOver(await enqueueNotice(notice, current.policy, calendar, people));
  };
}

/**
 * Starts `deliverNotice` for what a notice left pending, through the worker's client, as a workflow
 * hands a held ladder step over (workflows/dispatch.ts). Outside a worker (a tool, a test calling the
 * activity) the recovery sweep delivers the rows instead.
 */
async function handOver(plan: DeliveryPlan): Promise<void> {
  const context = asyncLocalStorage.getStore();
  if (plan.rows.length === 0 || !context) return;
  let client;
  try {
    client = context.client;
  } catch (err) {
    if (err instanceof IllegalStateError) return; // a mock activity environment without a client
    throw err;
  }
  try {
    await client.workflow.start('deliverNotice', {
      workflowId: deliveryWorkflowId(plan.notice),
      taskQueue: context.info.taskQueue,
      args: [plan],
    });
  } catch (err) {
    // Already delivering this notice (a retried activity): it delivers these rows.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
