/**
 * Records workflow histories for the replay test: `npx tsx test/histories/record.ts [name …]`
 * (all of them without names). Run it before changing a workflow that already runs in production,
 * and commit the JSON: the replay test then proves the changed code still replays what ran before.
 * Existing recordings are history; record a new name rather than overwrite one.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { StepNotice } from '../../activities/notify';
import type { DeliveryPlan, RowDelivery } from '../../activities/outbox';
import type { FollowUpCommand } from '../../domain/follow-up';
import { defaultPolicy } from '../../domain/policy';
import { postingWorkflowId, type PostingCommand } from '../../domain/supervision';
import { followUpWorkflowId } from '../../workflows/follow-up';
import { bundleOnce } from '../helpers/bundle';
import { recordingActivities } from '../helpers/clock-activities';
import { people, ProposalHarness } from '../helpers/proposal-harness';
import { supervisionRecorder } from '../helpers/supervision-activities';
import { createTestWorker, createTimeSkippingEnv, travelTo } from '../helpers/time-skipping';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type Recording = () => Promise<History>;

/** Runs `drive` on a proposal harness whose clock starts at 2026-12-28 10:00; the history of its proposal. */
async function withProposalHarness(drive: (h: ProposalHarness) => Promise<WorkflowHandle>): Promise<History> {
  const h = new ProposalHarness();
  await h.setUp();
  try {
    await h.travelTo('2026-12-28T10:00:00+08:00');
    return await (await drive(h)).fetchHistory();
  } finally {
    await h.tearDown();
  }
}

/** A proposal from filing to closing: co-signing, review, assignment, opinion, contact, reply, feedback. */
const proposalMainPath: Recording = () =>
  withProposalHarness(async (h) => {
    const handle = await h.start({ coSignerIds: [people.coSignerA] });
    await h.act(handle, 'cosign', { accept: true }, people.coSignerA);
    await h.act(handle, 'review', { decision: 'file' }, people.committee);
    const units = { leadUnitId: 'unit-housing', coHandlerUnitIds: ['unit-education'], parallelUnitIds: [] };
    await h.act(handle, 'assign', units, people.committee);
    await h.act(handle, 'signFor', { unitId: 'unit-housing' }, people.housing);
    await h.travelTo('2027-01-08T10:00:00+08:00'); // reminders and a chase notice on the way
    await h.act(handle, 'sendOpinion', { unitId: 'unit-education', text: '同意' }, people.education);
    await h.act(handle, 'recordContact', { unitId: 'unit-housing', method: 'inPerson' }, people.housing);
    const reply = { unitId: 'unit-housing', resultClass: 'A', text: '已解决' };
    await h.act(handle, 'reply', reply, people.housingLeader);
    await h.act(handle, 'feedback', { rating: 'satisfied' }, people.lead);
    await h.act(handle, 'feedback', { rating: 'basicallySatisfied' }, people.coSignerA);
    await handle.result();
    return handle;
  });

/**
 * Today's paths of the review (patched `failed-merge-keeps-review-clock`): a co-signature on paper
 * recorded by the office, a merge refused for a missing target, then a merge into a live proposal.
 */
const proposalMerge: Recording = () =>
  withProposalHarness(async (h) => {
    await h.start(); // 2026-0001, the proposal merged into
    const handle = await h.start({ coSignerIds: [people.coSignerA] });
    await h.act(handle, 'cosign', { accept: true, coSignerId: people.coSignerA }, people.committee);
    await h.refusal(handle, 'review', { decision: 'merge', intoProposalId: '2026-0099' }, people.committee);
    await h.travelTo('2027-01-06T10:00:00+08:00'); // the review clock's reminder on the way
    await h.act(handle, 'review', { decision: 'merge', intoProposalId: '2026-0001' }, people.committee);
    await handle.result();
    return handle;
  });

/** A plenary proposal whose fixed reply date lies past the cap (patched `plenary-reply-date-capped`), replied. */
const proposalPlenaryCapped: Recording = () =>
  withProposalHarness(async (h) => {
    const handle = await h.start({ type: 'plenary' }, { ...defaultPolicy, plenaryReplyDate: '12-20' });
    await h.act(handle, 'review', { decision: 'file' }, people.committee);
    const units = { leadUnitId: 'unit-housing', coHandlerUnitIds: [], parallelUnitIds: [] };
    await h.act(handle, 'assign', units, people.committee);
    await h.act(handle, 'signFor', { unitId: 'unit-housing' }, people.housing);
    await h.act(handle, 'recordContact', { unitId: 'unit-housing', method: 'inPerson' }, people.housing);
    await h.act(
      handle,
      'reply',
      { unitId: 'unit-housing', resultClass: 'A', text: '已解决' },
      people.housingLeader,
    );
    return handle;
  });

/**
 * Per-unit feedback (patched `per-unit-feedback`) with the contact log: two parallel units, contacts
 * confirmed and disputed, one unit rated unsatisfied and re-handled while the other is rated and closed.
 */
const proposalParallelUnits: Recording = () =>
  withProposalHarness(async (h) => {
    const handle = await h.start();
    await h.act(handle, 'review', { decision: 'file' }, people.committee);
    const units = { coHandlerUnitIds: [], parallelUnitIds: ['unit-housing', 'unit-education'] };
    await h.act(handle, 'assign', units, people.committee);
    for (const [unitId, person] of [
      ['unit-housing', people.housing],
      ['unit-education', people.education],
    ]) {
      await h.act(handle, 'signFor', { unitId }, person);
      await h.act(handle, 'recordContact', { unitId, method: 'inPerson', participants: '提案人' }, person);
    }
    await h.act(
      handle,
      'confirmContact',
      { unitId: 'unit-housing', contactNo: 1, confirmed: true },
      people.lead,
    );
    const disputed = { unitId: 'unit-education', contactNo: 1, confirmed: false, note: '未见面' };
    await h.act(handle, 'confirmContact', disputed, people.lead);
    const housingReply = { unitId: 'unit-housing', resultClass: 'C', text: '留作参考' };
    await h.act(handle, 'reply', housingReply, people.housingLeader);
    await h.act(handle, 'feedback', { rating: 'unsatisfied' }, people.lead);
    await h.act(handle, 'ruleFeedback', { unitId: 'unit-housing', decision: 'rehandle' }, people.committee);
    const educationReply = { unitId: 'unit-education', resultClass: 'A', text: '已解决' };
    await h.act(handle, 'reply', educationReply, people.educationLeader);
    await h.act(handle, 'feedback', { unitId: 'unit-education', rating: 'satisfied' }, people.lead);
    await h.act(handle, 'reply', { ...housingReply, resultClass: 'A', text: '已解决' }, people.housingLeader);
    await h.act(handle, 'feedback', { unitId: 'unit-housing', rating: 'satisfied' }, people.lead);
    await handle.result();
    return handle;
  });

/**
 * A key proposal replied by its unit leader in one step, recorded before replies were reviewed: replayed,
 * it must release the reply directly (no committee check: patch `reviewed-replies` absent).
 */
const proposalKeyReply: Recording = () =>
  withProposalHarness(async (h) => {
    const handle = await h.start();
    await h.act(handle, 'review', { decision: 'file' }, people.committee);
    await h.act(handle, 'markKey', { leaderId: people.leader }, people.committee);
    const units = { leadUnitId: 'unit-housing', coHandlerUnitIds: [], parallelUnitIds: [] };
    await h.act(handle, 'assign', units, people.committee);
    await h.act(handle, 'signFor', { unitId: 'unit-housing' }, people.housing);
    await h.act(handle, 'recordContact', { unitId: 'unit-housing', method: 'phone' }, people.housing);
    const reply = { unitId: 'unit-housing', resultClass: 'B', text: '列入计划', commitments: '年内完成' };
    await h.act(handle, 'reply', reply, people.housingLeader);
    await h.act(handle, 'feedback', { rating: 'satisfied' }, people.lead);
    await handle.result();
    return handle;
  });

/**
 * Reviewed replies (patch `reviewed-replies`): on a key proposal a liaison drafts, the leader returns it,
 * the revised draft is signed off, the committee returns it with a reason, the unit revises it, the
 * leader's one-step reply is checked and released, and the proposer rates it.
 */
const proposalReplyReview: Recording = () =>
  withProposalHarness(async (h) => {
    const handle = await h.start();
    const unitId = 'unit-housing';
    await h.act(handle, 'review', { decision: 'file' }, people.committee);
    await h.act(handle, 'markKey', { leaderId: people.leader }, people.committee);
    await h.act(
      handle,
      'assign',
      { leadUnitId: unitId, coHandlerUnitIds: [], parallelUnitIds: [] },
      people.committee,
    );
    await h.act(handle, 'signFor', { unitId }, people.housing);
    await h.act(handle, 'recordContact', { unitId, method: 'phone' }, people.housing);
    await h.act(handle, 'draftReply', { unitId, resultClass: 'A', text: '初稿' }, people.housing);
    await h.act(handle, 'signOffReply', { unitId, approve: false, reason: '请补充' }, people.housingLeader);
    await h.act(handle, 'draftReply', { unitId, resultClass: 'A', text: '已解决' }, people.housing);
    await h.act(handle, 'signOffReply', { unitId, approve: true }, people.housingLeader);
    await h.travelTo('2027-01-11T10:00:00+08:00'); // the check clock's reminders on the way
    await h.act(handle, 'checkReply', { unitId, approve: false, reason: '措施不具体' }, people.committee);
    await h.act(
      handle,
      'reply',
      { unitId, resultClass: 'A', text: '已解决，措施如下' },
      people.housingLeader,
    );
    await h.act(handle, 'checkReply', { unitId, approve: true }, people.committee);
    await h.act(handle, 'feedback', { rating: 'satisfied' }, people.lead);
    await handle.result();
    return handle;
  });

/** Runs `drive` on the time-skipping server with the supervision test activities. */
async function onTestServer(drive: (env: Env, taskQueue: string) => Promise<WorkflowHandle>) {
  const env = await createTimeSkippingEnv();
  const { worker, taskQueue } = await createTestWorker(env, supervisionRecorder().activities);
  try {
    const handle = await worker.runUntil(drive(env, taskQueue));
    return await handle.fetchHistory();
  } finally {
    await env.teardown();
  }
}
type Env = Awaited<ReturnType<typeof createTimeSkippingEnv>>;

/** A letter signed for late, sent back once, answered with a commitment, checked in until done. */
const followUpLetter: Recording = () =>
  onTestServer(async (env, taskQueue) => {
    await travelTo(env, '2026-12-29T10:00:00+08:00');
    const handle = await env.client.workflow.start('followUpItem', {
      workflowId: followUpWorkflowId('R1'),
      taskQueue,
      args: [
        {
          followUpId: 'R1',
          kind: 'recommendationLetter',
          title: '关于加强入河排污口整治的建议',
          content: '……',
          sender: { groupId: 'group-ecology' },
          responder: { unitId: 'dept-ecology' },
          source: { postingId: 'group-ecology-2026-12-01' },
          policy: defaultPolicy,
          policyVersion: 1,
        },
      ],
    });
    const act = (command: FollowUpCommand) => handle.executeUpdate('act', { args: [command] });
    const [department, supervisor] = ['ecology', 'supervisor-he'];
    await travelTo(env, '2027-01-06T10:00:00+08:00'); // chased on the way
    await act({ action: 'acknowledge', by: department });
    await act({ action: 'respond', by: department, content: '研究后答复', commitments: [] });
    await travelTo(env, '2027-01-11T10:00:00+08:00');
    await act({
      action: 'sendBack',
      by: supervisor,
      adoption: 'notAdopted',
      satisfaction: 'unsatisfied',
      comment: '未回应具体建议',
    });
    await travelTo(env, '2027-01-25T10:00:00+08:00');
    await act({
      action: 'respond',
      by: department,
      content: '已部署整改',
      commitments: ['三个月内完成整治'],
    });
    await act({ action: 'evaluate', by: supervisor, adoption: 'adopted', satisfaction: 'satisfied' });
    await travelTo(env, '2027-03-05T10:00:00+08:00'); // a check-in comes due and is reminded
    await act({ action: 'checkIn', by: department, progress: '已完成两处排污口封堵' });
    await act({ action: 'reportDone', by: department, note: '整改全部完成' });
    await handle.result();
    return handle;
  });

/** A posting's whole term: an activity, a letter, quarterly reminders, the term report. */
const postingTerm: Recording = () =>
  onTestServer(async (env, taskQueue) => {
    const postingId = 'group-ecology-2027-01-04';
    await travelTo(env, '2027-01-04T10:00:00+08:00');
    const handle = await env.client.workflow.start('supervisionPosting', {
      workflowId: postingWorkflowId(postingId),
      taskQueue,
      args: [
        {
          postingId,
          groupId: 'group-ecology',
          departmentId: 'dept-ecology',
          policy: defaultPolicy,
          policyVersion: 1,
        },
      ],
    });
    const act = (command: PostingCommand) => handle.executeUpdate('act', { args: [command] });
    await travelTo(env, '2027-01-20T10:00:00+08:00');
    await act({
      action: 'logActivity',
      by: 'supervisor-guo',
      kind: 'visit',
      date: '2027-01-15',
      summary: '走访污水处理厂',
      participants: [],
    });
    await travelTo(env, '2027-02-15T10:00:00+08:00');
    await act({
      action: 'sendLetter',
      by: 'supervisor-he',
      title: '关于加强入河排污口整治的建议',
      content: '……',
      policy: defaultPolicy,
      policyVersion: 1,
    });
    await travelTo(env, '2028-01-05T12:00:00+08:00');
    await handle.result();
    return handle;
  });

/**
 * A drill's reminder fired at 18:30 (outside office hours, not urgent): the step's activity hands back
 * its two rows held until 09:00, and a delivery workflow of their own sends them then, one after a
 * failed first attempt. `which` picks the drill's history or the delivery workflow's.
 */
const heldReminder =
  (which: 'drill' | 'delivery'): Recording =>
  async () => {
    const env = await createTimeSkippingEnv();
    const tries = new Map<string, number>();
    const { worker, taskQueue } = await createTestWorker(env, {
      ...recordingActivities().activities,
      notifyStep: async (notice: StepNotice): Promise<DeliveryPlan> => ({
        notice: notice.key,
        rows: [`${notice.key}:committee:inbox`, `${notice.key}:committee:sms`],
        deliverAt: Date.parse('2027-01-05T09:00:00+08:00'),
      }),
      deliverRow: async ({ id }: { id: string }): Promise<RowDelivery> => {
        tries.set(id, (tries.get(id) ?? 0) + 1);
        if (id.endsWith(':sms') && tries.get(id) === 1)
          return { outcome: 'retrying', at: (await env.currentTimeMs()) + 60_000 };
        return { outcome: 'sent' };
      },
    });
    try {
      return await worker.runUntil(async () => {
        await travelTo(env, '2027-01-04T18:29:00+08:00');
        const minutes = (amount: number) => ({ amount, unit: 'minutes' as const });
        const policy = {
          ...defaultPolicy,
          ladders: {
            ...defaultPolicy.ladders,
            standard: [
              {
                step: 'reminder',
                kind: 'reminder' as const,
                offset: minutes(-1),
                to: ['responsible' as const],
              },
            ],
          },
        };
        const drill = await env.client.workflow.start('clockDrill', {
          workflowId: 'drill-held-reminder',
          taskQueue,
          args: [{ policy, clock: 'signFor', limit: minutes(2) }],
        });
        await travelTo(env, '2027-01-04T20:00:00+08:00');
        await drill.executeUpdate('answer');
        await drill.result();
        const delivery = env.client.workflow.getHandle('deliver:drill-held-reminder:drill#1:reminder');
        await delivery.result();
        return (which === 'drill' ? drill : delivery).fetchHistory();
      });
    } finally {
      await env.teardown();
    }
  };

const recordings: Record<string, Recording> = {
  'proposal-main-path': proposalMainPath,
  'proposal-merge': proposalMerge,
  'proposal-plenary-capped': proposalPlenaryCapped,
  'proposal-parallel-units': proposalParallelUnits,
  'proposal-key-reply': proposalKeyReply,
  'proposal-reply-review': proposalReplyReview,
  'follow-up-letter': followUpLetter,
  'posting-term': postingTerm,
  'held-reminder-drill': heldReminder('drill'),
  'held-reminder-delivery': heldReminder('delivery'),
};

async function main(names: string[]) {
  await bundleOnce();
  for (const name of names.length > 0 ? names : Object.keys(recordings)) {
    const record = recordings[name];
    if (!record) throw new Error(`no recording "${name}"; there are: ${Object.keys(recordings).join(', ')}`);
    const history = await record();
    const file = path.join(__dirname, `${name}.json`);
    writeFileSync(file, historyToJSON(history));
    console.log(`wrote ${file} (${history.events?.length} events)`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exit(1);
});
