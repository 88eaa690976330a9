/**
 * Turning notices into outbox rows (who, on which channels, when) and delivering due rows.
 * Rows are keyed by notice, recipient and channel, so writing them again changes nothing.
 */
import { inboxSender, UndeliverableError } from './channels';
import type { ActivityDeps, NotificationDeps } from './deps';
import type { Audience } from '../domain/ladder';
import {
  defaultPreferences,
  defaultRetryRule,
  deliveries,
  nextAttemptDelay,
  type Channel,
  type Message,
  type NotificationPolicy,
  type Preferences,
  type Reachable,
  type Recipient,
} from '../domain/notifications';
import { directory } from '../store/directory';
import type { Store } from '../store';
import {
  claimDue,
  claimedRow,
  enqueueOutbox,
  markAttemptFailed,
  markSent,
  type NewOutboxRow,
} from '../store/outbox';
import { currentPolicy } from '../store/policy';
import { preferencesOf } from '../store/preferences';

/** Delivery settings with defaults for what the caller left out (tests, tools: inbox only). */
export function notificationDeps(deps: ActivityDeps): NotificationDeps {
  return {
    senders: { inbox: inboxSender },
    publicUrl: 'http://127.0.0.1:3000',
    retry: defaultRetryRule,
    leaseMs: 10 * 60_000,
    digestTime: '09:00',
    ...deps.notifications,
  };
}

/** A recipient with what it takes to reach them and what they chose. */
export interface Addressee {
  id: string;
  name: string;
  audience?: Audience;
  reach: Reachable & { userId?: string };
  preferences: Preferences;
}

/** The active users among `ids`, with their preferences (or the policy's defaults), in the order given. */
export async function addressees(
  store: Store,
  recipients: { id: string; audience?: Audience }[],
  policy: NotificationPolicy,
): Promise<Addressee[]> {
  const ids = recipients.map((r) => r.id);
  const users = new Map((await directory(store, 'users').some(ids)).map((u) => [u.id, u]));
  const prefs = await preferencesOf(store, ids);
  return recipients.flatMap(({ id, audience }) => {
    const user = users.get(id);
    if (!user?.active) return [];
    const preferences = prefs.get(id) ?? defaultPreferences(policy);
    const reach = {
      userId: id,
      inbox: true,
      email: user.email,
      phone: user.phone,
      webhook: preferences.webhook,
    };
    return [{ id, name: user.name, audience, reach, preferences }];
  });
}

/** Users and the inspection-office contact of a step, as addressees (a contact is reached on all it has). */
export async function addresseesOf(store: Store, recipients: Recipient[], policy: NotificationPolicy) {
  const users = await addressees(
    store,
    recipients.flatMap((r) => ('userId' in r ? [{ id: r.userId, audience: r.audience }] : [])),
    policy,
  );
  const contacts = recipients.flatMap((r): Addressee[] =>
    'contact' in r
      ? [
          {
            id: r.id,
            name: r.contact.name,
            audience: r.audience,
            reach: { inbox: false, ...r.contact },
            preferences: { channels: ['email', 'sms', 'webhook'], digest: false },
          },
        ]
      : [],
  );
  return [...users, ...contacts];
}

export interface Notice {
  /** Idempotency key of the notice: rows are `${key}:${recipient}:${channel}`. */
  key: string;
  kind: string;
  itemId?: string;
  urgent: boolean;
  deliverAt: number;
}

/** One row per channel the addressee gets, for the deployment's `senders`. */
export function rowsFor(
  notice: Notice,
  who: Addressee,
  message: Message,
  senders: NotificationDeps['senders'],
) {
  const available = new Set(Object.keys(senders) as Channel[]);
  return deliveries(who.preferences.channels, who.reach, available).map(
    ({ channel, address }): NewOutboxRow => ({
      _id: `${notice.key}:${who.id}:${channel}`,
      notice: notice.key,
      kind: notice.kind,
      itemId: notice.itemId,
      recipient: who.id,
      recipientName: who.name,
      audience: who.audience,
      channel,
      address,
      ...message,
      urgent: notice.urgent,
      deliverAt: new Date(notice.deliverAt),
    }),
  );
}

export type DeliveryOutcome = 'sent' | 'retrying' | 'failed' | 'skipped';

export function outboxActivities(deps: ActivityDeps) {
  const { store } = deps;
  const settings = notificationDeps(deps);
  return {
    /** A test message to one user on all their channels, at once (operators check a deployment with it). */
    async enqueueTestNotice({ key, userId }: { key: string; userId: string }): Promise<number> {
      const { policy } = await currentPolicy(store);
      const message = {
        subject: '【回音】测试消息',
        text: '这是一条测试消息，用于确认您的通知渠道可以收到回音系统的提醒。无需回复。',
        link: `${settings.publicUrl.replace(/\/$/, '')}/`,
      };
      const notice = { key, kind: 'test', urgent: true, deliverAt: Date.now() };
      const who = await addressees(store, [{ id: userId }], policy.notifications);
      return enqueueOutbox(
        store,
        who.flatMap((w) => rowsFor(notice, w, message, settings.senders)),
      );
    },

    /** Claims due rows for this dispatcher run; a second dispatcher never gets the same ones. */
    async claimOutbox({ owner, limit }: { owner: string; limit: number }): Promise<string[]> {
      return claimDue(store, { owner, limit, leaseMs: settings.leaseMs });
    },

    /**
     * Sends one claimed row and records the outcome. A failed send is recorded on the row (retry with
     * backoff, or finally failed). If recording after a successful send fails, the activity fails and
     * Temporal retries it: the message goes out again with the same key (at least once).
     */
    async deliverOutbox({ id, owner }: { id: string; owner: string }): Promise<DeliveryOutcome> {
      const row = await claimedRow(store, id, owner);
      if (!row) return 'skipped'; // already recorded as sent, or the lease went to another dispatcher
      const send = settings.senders[row.channel];
      try {
        if (!send) throw new Error(`channel ${row.channel} is not configured on this worker`);
        await send(row);
      } catch (err) {
        const attempts = row.attempts + 1;
        // A refused address (e.g. a webhook host off the allow-list) will not get better by retrying.
        const delay =
          err instanceof UndeliverableError ? undefined : nextAttemptDelay(attempts, settings.retry);
        const message = err instanceof Error ? err.message : String(err);
        const status = await markAttemptFailed(
          store,
          row,
          message,
          delay === undefined ? undefined : new Date(Date.now() + delay),
        );
        return status === 'failed' ? 'failed' : 'retrying';
      }
      await markSent(store, id, owner);
      return 'sent';
    },
  };
}
