import {
  digestDay,
  digestMessage,
  digestScope,
  isEmptyDigest,
  serves,
  sortIntoSections,
  type DigestClock,
  type DigestDay,
} from '../domain/digest';
import { deliveryTime, officeHoursOf } from '../domain/office-hours';
import type { Store } from '../store';
import { loadCalendar } from '../store/calendar';
import { directorySnapshot, peopleWith } from '../store/directory';
import { readOpenWork } from '../store/open-work';
import { currentPolicy } from '../store/policy';
import type { ActivityDeps } from './deps';
import { addressees, delivery, rowsFor, type DeliveryPlan } from './outbox';

/** Running clocks from the open-work view, as the digest reads them. */
async function runningClocks(store: Store): Promise<DigestClock[]> {
  return (await readOpenWork(store)).clocks.map((c) => ({
    ...c,
    escalation: c.escalation as DigestClock['escalation'],
    responsible: { unitId: c.responsible?.unitId, groupId: c.responsible?.groupId },
  }));
}

export interface DigestOutcome {
  /** Secretaries whose digest had something to say and who want one. */
  recipients: number;
  /** Outbox rows written now (0 when a retried activity finds them written). */
  rows: number;
  /** The rows to deliver and when (the workflow delivers them; not part of its result). */
  plan?: DeliveryPlan;
}

export function digestActivities(deps: ActivityDeps) {
  const { store } = deps;
  const { settings, enqueue } = delivery(deps);
  return {
    /** The digest day of `at`, or null on a non-working day (no digest). */
    async planDigest({ at }: { at: number }): Promise<DigestDay | null> {
      return digestDay(await loadCalendar(store), at, settings.digestTime) ?? null;
    },

    /** One digest per active secretary for the units and groups they serve; empty ones are not sent. */
    async enqueueDigests({ day, at }: { day: DigestDay; at: number }): Promise<DigestOutcome> {
      const { policy } = await currentPolicy(store);
      const [directory, clocks] = await Promise.all([directorySnapshot(store), runningClocks(store)]);
      const secretaries = peopleWith(directory, 'secretary');
      const [units, groups] = [[...directory.units.values()], [...directory.groups.values()]];
      const deliverAt = deliveryTime(await loadCalendar(store), at, officeHoursOf(policy));
      const notice = { key: `digest:${day.date}`, kind: 'digest', urgent: false, deliverAt };
      const people = await addressees(store, directory, secretaries, policy.notifications);
      const users = new Map(secretaries.map((s) => [s.id, s]));
      let recipients = 0;
      const rows = people.flatMap((who) => {
        const scope = digestScope(users.get(who.id)!, units, groups);
        const content = sortIntoSections(
          clocks.filter((c) => serves(scope, c)),
          day,
          at,
        );
        if (!who.preferences.digest || isEmptyDigest(content)) return [];
        recipients++;
        return rowsFor(
          notice,
          who,
          digestMessage(who.name, day, content, settings.publicUrl),
          settings.senders,
        );
      });
      const { inserted, plan } = await enqueue(notice, rows);
      return { recipients, rows: inserted, plan };
    },
  };
}
