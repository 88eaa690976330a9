/**
 * Turning notices into outbox rows (who, on which channels, when) and delivering them, each row by its
 * `_id`. Rows are keyed by notice, recipient and channel, so writing them again changes nothing.
 * A webhook row holds a reference to the saved webhook (a person's preferences, the policy's
 * inspection office), opened only here, when the row is sent; and the daily sweep expires old rows.
 */
import { inboxSender, UndeliverableError } from './channels';
import type { ActivityDeps, NotificationDeps } from './deps';
import type { Audience } from '../domain/ladder';
import { webhookRefOf, type WebhookRef } from '../domain/secrets';
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
  type Webhook,
} from '../domain/notifications';
import { loadRetention } from '../infra/retention';
import { SealedValueError, secretBox, type SecretBox } from '../infra/secret-key';
import { ensureExpiryIndexes, sweepExpired } from '../store/expiry';
import { directorySnapshot, type DirectorySnapshot } from '../store/directory';
import type { Store } from '../store';
import {
  backfillDueIndex,
  claimDue,
  claimedRow,
  claimRow,
  enqueueOutbox,
  markAttemptFailed,
  markSent,
  openWebhookCopy,
  sealOutboxCopies,
  type NewOutboxRow,
  type OutboxRow,
  writeOutbox,
} from '../store/outbox';
import { currentPolicy, inspectionOfficeWebhook, sealStoredPolicies } from '../store/policy';
import { preferencesOf, sealStoredPreferences, webhookOf } from '../store/preferences';

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

/**
 * The active users among `ids` (looked up in the directory copy `people`), with their preferences (or
 * the policy's defaults), in the order given.
 */
export async function addressees(
  store: Store,
  { users }: DirectorySnapshot,
  recipients: { id: string; audience?: Audience }[],
  policy: NotificationPolicy,
): Promise<Addressee[]> {
  const ids = recipients.map((r) => r.id);
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
export async function addresseesOf(
  store: Store,
  people: DirectorySnapshot,
  recipients: Recipient[],
  policy: NotificationPolicy,
) {
  const users = await addressees(
    store,
    people,
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
      // A reference, resolved when sent: the row never holds the URL's token or the robot's secret.
      address: 'webhook' in address ? { webhook: { ref: webhookRefOf(who.reach.userId) } } : address,
      ...message,
      urgent: notice.urgent,
      deliverAt: new Date(notice.deliverAt),
    }),
  );
}

/**
 * The rows of one notice and when they may go out: what the enqueueing activity hands its workflow,
 * which sleeps until `deliverAt` and then delivers each row by its key (workflows/dispatch.ts).
 */
export interface DeliveryPlan {
  notice: string;
  /** Row keys (`_id`s), written now or by an earlier attempt of the same activity. */
  rows: string[];
  /** Epoch ms: the notice's time, or the next office-hours start (domain/office-hours.ts). */
  deliverAt: number;
}

export type DeliveryOutcome = 'sent' | 'retrying' | 'failed' | 'skipped';

/** The webhook a reference names, opened for sending; undefined when it is no longer saved. */
export async function resolveWebhookRef(
  store: Store,
  box: SecretBox,
  ref: WebhookRef,
): Promise<Webhook | undefined> {
  if (ref === 'policy:inspectionOffice') return inspectionOfficeWebhook(store, box);
  if (ref.startsWith('preferences:')) return webhookOf(store, box, ref.slice('preferences:'.length));
  return undefined;
}

/**
 * `row` as its sender needs it: a webhook reference resolved and a sealed copy opened (rows written
 * before references hold a plain copy, sent as it is). Throws UndeliverableError when the webhook is
 * gone or cannot be opened: retrying would not bring it back.
 */
async function withWebhook(store: Store, box: () => SecretBox, row: OutboxRow): Promise<OutboxRow> {
  if (row.channel !== 'webhook' || !('webhook' in row.address)) return row;
  const hook = row.address.webhook as Webhook & { ref?: WebhookRef; sealed?: string };
  let opened: Webhook | undefined;
  try {
    opened = hook.ref ? await resolveWebhookRef(store, box(), hook.ref) : openWebhookCopy(box(), hook);
  } catch (err) {
    if (err instanceof SealedValueError)
      throw new UndeliverableError(`not sent: cannot open the saved webhook (${err.message})`);
    throw err;
  }
  if (!opened) throw new UndeliverableError(`not sent: no webhook saved for ${hook.ref}`);
  return { ...row, address: { webhook: opened } };
}

/**
 * What became of one delivery attempt of a row: `sent`, finally `failed`, `skipped` (sent or failed
 * already, or no such row), or to be tried again `at` (epoch ms): `retrying` after a failed send (the
 * row's backoff), `waiting` when it is not due yet or another dispatcher holds it until then.
 */
export type RowDelivery =
  { outcome: 'sent' | 'failed' | 'skipped' } | { outcome: 'retrying' | 'waiting'; at: number };

/**
 * Sending rows and recording the outcome, for the delivery activities and for the activities that write
 * rows and send at once those already due (a ladder step).
 */
export function delivery(deps: ActivityDeps) {
  const { store } = deps;
  const settings = notificationDeps(deps);
  // A worker that sends webhooks opens them: without HUIYIN_SECRET_KEY (outside demo) it does not start.
  if (settings.senders.webhook) secretBox();

  /** Sends a row its owner holds and records the outcome (see `deliverOutbox`). */
  async function send(row: OutboxRow, { indexed = true } = {}): Promise<RowDelivery> {
    const sender = settings.senders[row.channel];
    try {
      if (!sender) throw new Error(`channel ${row.channel} is not configured on this worker`);
      await sender(await withWebhook(store, secretBox, row));
    } catch (err) {
      const attempts = row.attempts + 1;
      // A refused address (e.g. a webhook host off the allow-list) will not get better by retrying.
      const delay =
        err instanceof UndeliverableError ? undefined : nextAttemptDelay(attempts, settings.retry);
      const message = err instanceof Error ? err.message : String(err);
      const retryAt = delay === undefined ? undefined : new Date(Date.now() + delay);
      const status = await markAttemptFailed(store, row, message, retryAt);
      return status === 'failed' || !retryAt
        ? { outcome: 'failed' }
        : { outcome: 'retrying', at: retryAt.getTime() };
    }
    await markSent(store, row, { indexed });
    return { outcome: 'sent' };
  }

  /** See the `deliverRow` activity. */
  async function deliverRow({ id, owner }: { id: string; owner: string }): Promise<RowDelivery> {
    const claim = await claimRow(store, id, { owner, leaseMs: settings.leaseMs });
    if (claim.state === 'done') return { outcome: 'skipped' };
    if (claim.state === 'waiting') return { outcome: 'waiting', at: claim.until.getTime() };
    return send(claim.row);
  }

  /** Writes the rows of `notice` and says when to deliver them. */
  async function enqueue(
    notice: { key: string; deliverAt: number },
    rows: NewOutboxRow[],
  ): Promise<{ inserted: number; plan: DeliveryPlan }> {
    const inserted = await enqueueOutbox(store, rows);
    return {
      inserted,
      plan: { notice: notice.key, rows: rows.map((r) => r._id), deliverAt: notice.deliverAt },
    };
  }

  /**
   * Writes the rows of `notice` and, when it is due already, sends them at once, each on its own: they
   * are written claimed by `owner` (the insert is the claim), so no other dispatcher takes them
   * meanwhile, and a retried activity (same owner) finds them still its own. Returns the rows written
   * now and the plan of what is left for later: a notice held for office hours, or failed sends to
   * retry with their backoff. If recording an outcome fails, the activity fails once every send has
   * settled, and its retry sends what is not recorded as sent again, with the same key.
   */
  async function enqueueAndSend(
    notice: { key: string; deliverAt: number },
    rows: NewOutboxRow[],
    owner: string,
  ): Promise<{ inserted: number; plan: DeliveryPlan }> {
    const now = Date.now();
    if (notice.deliverAt > now) return enqueue(notice, rows);
    const claim = {
      owner,
      leaseUntil: new Date(now + settings.leaseMs),
      // The in-app inbox is the row itself: written sent, it is delivered.
      delivered: (row: NewOutboxRow) => row.channel === 'inbox' && settings.senders.inbox === inboxSender,
    };
    const written = new Map(
      (await writeOutbox(store, rows, new Date(now), claim)).map((row) => [row._id, row]),
    );
    // A row written now is held as written; one written by an earlier attempt is claimed (or found held).
    const settled = await Promise.allSettled(
      rows.map(async (row): Promise<RowDelivery> => {
        const fresh = written.get(row._id);
        if (fresh?.status === 'sent') return { outcome: 'sent' };
        return fresh ? send(fresh, { indexed: false }) : deliverRow({ id: row._id, owner });
      }),
    );
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure) throw failure.reason;
    const later = settled.flatMap((s, i) =>
      s.status === 'fulfilled' && 'at' in s.value ? [{ id: rows[i]._id, at: s.value.at }] : [],
    );
    const deliverAt = later.length > 0 ? Math.min(...later.map((l) => l.at)) : notice.deliverAt;
    return { inserted: written.size, plan: { notice: notice.key, rows: later.map((l) => l.id), deliverAt } };
  }

  return { settings, send, deliverRow, enqueue, enqueueAndSend };
}

export function outboxActivities(deps: ActivityDeps) {
  const { store } = deps;
  const { settings, send, deliverRow, enqueue } = delivery(deps);

  return {
    /**
     * A test message to one user on all their channels, at once (operators check a deployment with it).
     * `rows`: how many were written now (0 when this key was handled before).
     */
    async enqueueTestNotice({ key, userId, at = Date.now() }: { key: string; userId: string; at?: number }) {
      const { policy } = await currentPolicy(store);
      const message = {
        subject: '【回音】测试消息',
        text: '这是一条测试消息，用于确认您的通知渠道可以收到回音系统的提醒。无需回复。',
        link: `${settings.publicUrl.replace(/\/$/, '')}/`,
      };
      const notice = { key, kind: 'test', urgent: true, deliverAt: at };
      const who = await addressees(
        store,
        await directorySnapshot(store),
        [{ id: userId }],
        policy.notifications,
      );
      const rows = who.flatMap((w) => rowsFor(notice, w, message, settings.senders));
      const { inserted, plan } = await enqueue(notice, rows);
      return { rows: inserted, plan };
    },

    /**
     * Claims due rows for this sweep run (rows due `graceMs` ago and more, from the due index); a second
     * dispatcher never gets the same ones.
     */
    async claimOutbox({
      owner,
      limit,
      graceMs = 0,
    }: {
      owner: string;
      limit: number;
      graceMs?: number;
    }): Promise<string[]> {
      await backfillDueIndex(store);
      return claimDue(store, { owner, limit, leaseMs: settings.leaseMs, graceMs });
    },

    /**
     * Sends one row claimed by `claimOutbox` and records the outcome. A failed send is recorded on the
     * row (retry with backoff, or finally failed). If recording after a successful send fails, the
     * activity fails and Temporal retries it: the message goes out again with the same key (at least once).
     */
    async deliverOutbox({ id, owner }: { id: string; owner: string }): Promise<DeliveryOutcome> {
      const row = await claimedRow(store, id, owner);
      if (!row) return 'skipped'; // already recorded as sent, or the lease went to another dispatcher
      const result = await send(row);
      return result.outcome === 'waiting' ? 'skipped' : result.outcome;
    },

    /**
     * Delivers row `id` if it is due: claims it by its key (or finds it held by `owner`, when Temporal
     * retries this activity), sends it and records the outcome. Says when to come back if it is not due,
     * held by another dispatcher, or to be retried after a failed send.
     */
    async deliverRow({ id, owner }: { id: string; owner: string }): Promise<RowDelivery> {
      return deliverRow({ id, owner });
    },

    /**
     * The daily sweep (worker/schedules.ts): deletes outbox rows and Idempotency-Key claims past their
     * retention (HUIYIN_OUTBOX_RETENTION_DAYS, HUIYIN_IDEMPOTENCY_RETENTION_DAYS; TTL indexes do it too
     * on MongoDB), and seals webhooks still stored plain from before encryption at rest (preferences,
     * policy versions, copies in old outbox rows). Filters over whole collections: once a day only.
     */
    async sweepExpired({ now = Date.now() }: { now?: number } = {}) {
      const retention = loadRetention();
      const box = secretBox();
      const ttl = await ensureExpiryIndexes(store, retention);
      const deleted = await sweepExpired(store, retention, new Date(now));
      const sealed = {
        preferences: await sealStoredPreferences(store, box),
        policies: await sealStoredPolicies(store, box),
        outbox: await sealOutboxCopies(store, box),
      };
      return { ttl, deleted, sealed };
    },
  };
}
