/**
 * Delivering the outbox without polling. A ladder step's activity writes the step's rows and, when
 * they are due, sends them at once; what it could not send yet (rows held until the office-hours start,
 * failed sends waiting for their backoff) it hands back with their keys and time, and the workflow
 * passes them to `deliverNotice`, a small workflow of their own that sleeps on a durable timer until
 * then, delivers each row by its key in its own activity (a slow or failing channel holds up nobody)
 * and waits for each retry on a timer too. The daily digest hands all its rows over the same way.
 * `dispatchOutbox` is the recovery sweep, started every 15 minutes by a Temporal Schedule
 * (worker/schedules.ts), for rows no workflow waits for.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  executeChild,
  ParentClosePolicy,
  patched,
  proxyActivities,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeliveryOutcome, DeliveryPlan, RowDelivery } from '../activities/outbox';

export type { DeliveryPlan };

const { claimOutbox, enqueueTestNotice } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

const { deliverOutbox, deliverRow } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Must end within the claim's lease (10 minutes), so no other dispatcher takes the row meanwhile.
  scheduleToCloseTimeout: '5 minutes',
  // Channel failures are recorded on the row (its own backoff); these retries cover a worker or
  // database failure between sending and recording, and re-send with the same key.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** Delivery by the workflow that wrote the rows (instead of the every-minute dispatcher). */
export const DELIVER_WHEN_DUE = 'deliver-when-due';

export interface DispatchInput {
  batch?: number;
  maxBatches?: number;
  /** Only rows due this long ago: those just coming due are their workflows' to deliver. */
  graceMs?: number;
}

/**
 * Outcomes per row. `retrying`: to be tried again later (a failed send, or not due yet);
 * `unfinished`: the delivery activity gave up; the row is reclaimed when its lease runs out.
 */
export type DispatchResult = Record<DeliveryOutcome | 'unfinished', number>;

const noOutcomes = (): DispatchResult => ({ sent: 0, retrying: 0, failed: 0, skipped: 0, unfinished: 0 });

/** A claim's owner: this run of this workflow. */
const owner = () => `${workflowInfo().workflowId}/${workflowInfo().runId}`;

/** The recovery sweep: claims rows due (by the due index) and delivers each once; a failed one waits for a later sweep. */
export async function dispatchOutbox({
  batch = 50,
  maxBatches = 20,
  graceMs = 0,
}: DispatchInput = {}): Promise<DispatchResult> {
  const me = owner();
  const result = noOutcomes();
  for (let round = 0; round < maxBatches; round++) {
    const ids = await claimOutbox({ owner: me, limit: batch, graceMs });
    const outcomes = await Promise.allSettled(ids.map((id) => deliverOutbox({ id, owner: me })));
    for (const outcome of outcomes) result[outcome.status === 'fulfilled' ? outcome.value : 'unfinished']++;
    if (ids.length < batch) break;
  }
  return result;
}

interface Pending {
  id: string;
  /** Epoch ms. */
  at: number;
}

/**
 * One delivery attempt of each row in `queue` due by now; returns the rows to try again later (a
 * failed send, per the row's backoff, or not due / held by another dispatcher) with their times.
 */
async function deliverDue(queue: Pending[], me: string, result: DispatchResult): Promise<Pending[]> {
  const now = Date.now();
  const due = queue.filter((p) => p.at <= now);
  const later = queue.filter((p) => p.at > now);
  const outcomes = await Promise.allSettled(due.map(({ id }) => deliverRow({ id, owner: me })));
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'rejected') {
      result.unfinished++; // still claimed by this run: the sweep takes it over when the lease runs out
      return;
    }
    const delivery: RowDelivery = outcome.value;
    if ('at' in delivery) {
      result.retrying++;
      // Never back in the same instant: the activity's clock may run a little ahead of the workflow's.
      later.push({ id: due[i].id, at: Math.max(delivery.at, Date.now() + 1_000) });
    } else result[delivery.outcome]++;
  });
  return later;
}

/**
 * Delivers the rows of one notice: sleeps until `deliverAt` (office hours), delivers each row by its
 * key, and sleeps until each retry is due, until every row is sent, failed or found done by another.
 */
export async function deliverNotice({ rows, deliverAt }: DeliveryPlan): Promise<DispatchResult> {
  const me = owner();
  const result = noOutcomes();
  let queue: Pending[] = rows.map((id) => ({ id, at: deliverAt }));
  while (queue.length > 0) {
    const next = Math.min(...queue.map((p) => p.at));
    if (next > Date.now()) await sleep(next - Date.now());
    queue = await deliverDue(queue, me, result);
  }
  return result;
}

/** The workflow id of a notice's delivery: its key (item, clock, generation, step; never personal data). */
export const deliveryWorkflowId = (notice: string) => `deliver:${notice}`;

/**
 * Starts `deliverNotice` for `plan` as a child that outlives its parent (which may complete or continue
 * as new meanwhile). One per notice: when it already runs, it delivers these rows.
 */
async function startDelivery(plan: DeliveryPlan): Promise<void> {
  try {
    await startChild(deliverNotice, {
      workflowId: deliveryWorkflowId(plan.notice),
      args: [plan],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * Called by a workflow with what its enqueueing activity returned: delivers the rows when they are
 * due. Nothing for an empty plan, or for a workflow recorded before this (it left them to the sweep).
 */
export async function deliverWhenDue(plan: DeliveryPlan | void | undefined): Promise<void> {
  if (!plan || plan.rows.length === 0 || !patched(DELIVER_WHEN_DUE)) return;
  await startDelivery(plan);
}

/** A test message to one user, delivered at once: a deployment self-check. */
export async function testNotification({ userId }: { userId: string }) {
  const { workflowId } = workflowInfo();
  const key = `test:${workflowId}`;
  if (!patched(DELIVER_WHEN_DUE)) {
    // A run started before delivery by timer: a dispatcher run of its own, as it was.
    const written: unknown = await enqueueTestNotice({ key, userId });
    const delivery = await executeChild(dispatchOutbox, { workflowId: `${workflowId}-dispatch`, args: [{}] });
    const rows = typeof written === 'number' ? written : (written as { rows: number }).rows;
    return { rows, delivery };
  }
  const { rows, plan } = await enqueueTestNotice({ key, userId, at: Date.now() });
  // The first attempt here, so the caller hears how it went; retries in a delivery workflow of their own.
  const delivery = noOutcomes();
  const later = await deliverDue(
    plan.rows.map((id) => ({ id, at: plan.deliverAt })),
    owner(),
    delivery,
  );
  if (later.length > 0)
    await startDelivery({
      notice: plan.notice,
      rows: later.map((p) => p.id),
      deliverAt: Math.min(...later.map((p) => p.at)),
    });
  return { rows, delivery };
}
