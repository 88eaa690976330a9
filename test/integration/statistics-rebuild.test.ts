/**
 * The maintained §7 statistics equal a from-scratch computation. A seeded random run produces the
 * revisions of a year's proposals (filed or not, assigned to a lead with co-handlers or to parallel units,
 * re-assigned, contacted, replied on time or late, rated, re-handled, closed or still running) with their
 * clocks (escalated or not, restarted) and the commitments reported done; the real activities write them
 * to FerretDB as a worker would, and worse: out of order, retried, by three writers at once into the same
 * year view. Then `proposalStatistics` must equal the fold over the final states (bench/sim/fold.ts, the
 * simulation's own), and the list's totals must match the final states.
 * `STATISTICS_SEED=<n>` replays a run.
 */
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../activities';
import { markCommitmentDone } from '../../activities/follow-ups';
import { listProposals } from '../../api/routes/proposals/list';
import { proposalStatuses, type ProposalFilter } from '../../api/routes/proposals/schemas';
import { proposalStatistics } from '../../api/routes/proposals/statistics';
import { compareFigures, foldFigures, type FoldInput } from '../../bench/sim/fold';
import { createRng, seedFrom, type Rng } from '../../bench/sim/rng';
import { seedCalendarYears, WorkingCalendar } from '../../domain/calendar';
import { followUpView, type FollowUpView } from '../../domain/follow-up';
import { defaultLadder, planClock, type ClockSnapshot, type ClockState } from '../../domain/ladder';
import { defaultPolicy, type ClockCode } from '../../domain/policy';
import {
  activeAssignments,
  proposers,
  replyingAssignments,
  type Assignment,
  type ProposalState,
  type UnitRole,
} from '../../domain/proposal';
import type { Caller } from '../../domain/roles';
import { groupings } from '../../domain/statistics';
import { connectStore, type Store } from '../../store';

const seed = seedFrom(process.env.STATISTICS_SEED, 20270615);
const YEAR = 2027;
const DAY = 86_400_000;
const cal = new WorkingCalendar(seedCalendarYears());
const units = ['unit-housing', 'unit-education', 'unit-health', 'unit-transport', 'unit-civil', 'unit-agri'];
const members = Array.from({ length: 10 }, (_, i) => `member-${i + 1}`);
const topics = ['城乡建设', '教育', '医疗卫生', '社会治理'];
const committee: Caller = { id: 'committee', roles: ['committee'] };

/** One proposal's life as its workflow would have recorded it: every state revision, every clock snapshot. */
interface History {
  states: ProposalState[];
  /** Per clock, its snapshots in revision order. */
  clocks: Map<string, ClockSnapshot[]>;
  /** Units whose class-B commitment is reported done (a follow-up's outcome `done`). */
  done: string[];
}

type Outcome = 'handled' | 'notFiled' | 'withdrawn' | 'merged' | 'converted';

function history(rng: Rng, year: number, seq: number, force: { outcome?: Outcome } = {}): History {
  const number = `${year}-${String(seq).padStart(4, '0')}`;
  let now = Date.UTC(year, 0, 11, 2) + seq * 3 * 3_600_000;
  const later = (min: number, max: number) => (now += rng.int(min, max) * DAY);
  const lead = rng.pick(members);
  const coSigners = rng.chance(0.3)
    ? rng.sample(
        members.filter((m) => m !== lead),
        rng.int(1, 2),
      )
    : [];
  const s: ProposalState = {
    title: `关于${number}的建议`,
    content: '……',
    type: rng.chance(0.7) ? 'plenary' : 'interSession',
    ...(rng.chance(0.9) ? { topic: rng.pick(topics) } : {}),
    leadProposerId: lead,
    coSignerIds: coSigners,
    ...(rng.chance(0.15) ? { organization: true } : {}),
    proposalId: number,
    sessionYear: year,
    number,
    status: 'underReview',
    confirmedCoSignerIds: coSigners,
    declinedCoSignerIds: [],
    mergedProposers: [],
    assignments: [],
    feedback: [],
    round: 0,
    submittedAt: now,
    policyVersion: 1,
  };
  const h: History = { states: [], clocks: new Map(), done: [] };
  const snap = () => h.states.push(structuredClone(s));
  const last = (id: string) => h.clocks.get(id)?.at(-1);
  const push = (c: ClockSnapshot) => h.clocks.set(c.id, [...(h.clocks.get(c.id) ?? []), c]);
  const startClock = (id: string, code: ClockCode, unitId?: string, window = false) => {
    const prev = last(id);
    push({
      id,
      code,
      label: defaultPolicy.clocks[code].label,
      responsible: unitId ? { unitId } : { role: 'committee' },
      plan: planClock(cal, {
        start: now,
        rule: defaultPolicy.clocks[code].limit,
        ladder: defaultLadder,
        officeHours: defaultPolicy.officeHours,
      }),
      generation: (prev?.generation ?? 0) + 1,
      revision: (prev?.revision ?? 0) + 1,
      fired: [],
      overdue: false,
      window,
      status: 'running',
      startedAt: now,
      itemId: number,
      itemKind: 'proposal',
    });
  };
  const changeClock = (id: string, change: (c: ClockSnapshot) => void) => {
    const c = structuredClone(last(id));
    if (!c || c.status !== 'running') return;
    change(c);
    c.revision++;
    push(c);
  };
  /** The ladder goes some way: reminders, maybe the due time, maybe chase notice and beyond. */
  const escalate = (id: string) =>
    changeClock(id, (c) => {
      const steps = c.plan.steps.slice(0, rng.int(1, c.plan.steps.length));
      c.fired = steps.map((step) => step.step);
      c.overdue = steps.some((step) => step.kind !== 'reminder') || rng.chance(0.3);
    });
  const stopClock = (id: string, status: ClockState['status'] = 'met') =>
    changeClock(id, (c) => {
      c.status = status;
      c.closedAt = now;
    });

  snap();
  startClock('review', 'review');
  const outcome =
    force.outcome ?? rng.weighted({ handled: 75, notFiled: 8, withdrawn: 5, merged: 5, converted: 7 });
  later(2, 8);
  if (rng.chance(0.1)) escalate('review');
  if (outcome !== 'handled') {
    stopClock('review', outcome === 'withdrawn' ? 'cancelled' : 'met');
    s.status = outcome;
    snap();
    return h;
  }
  stopClock('review');
  s.filedAt = now;
  s.status = 'awaitingAssignment';
  snap();
  later(1, 4);

  const assign = (unitId: string, role: UnitRole) => {
    s.assignments.push({ unitId, role, status: 'assigned', assignedAt: now, capDue: `${year + 1}-06-30` });
    startClock(`signFor:${unitId}`, 'signFor', unitId);
    startClock(
      role === 'coHandler' ? `coHandlerOpinion:${unitId}` : `reply:${unitId}`,
      role === 'coHandler' ? 'coHandlerOpinion' : 'reply',
      unitId,
    );
  };
  const [first, ...others] = rng.sample(units, 4);
  const shape = rng.weighted({ lead: 60, withCoHandlers: 25, parallel: 15 });
  s.status = 'handling';
  s.assignedAt = now;
  if (shape === 'parallel') [first, ...others.slice(0, rng.int(1, 2))].forEach((u) => assign(u, 'parallel'));
  else {
    assign(first, 'lead');
    if (shape === 'withCoHandlers') others.slice(0, rng.int(1, 2)).forEach((u) => assign(u, 'coHandler'));
  }
  snap();
  if (rng.chance(0.1)) {
    // A replying unit asked to be relieved and the committee re-assigned it.
    const a = replyingAssignments(s)[0];
    later(1, 3);
    a.status = 'returned';
    stopClock(`signFor:${a.unitId}`, 'cancelled');
    stopClock(`reply:${a.unitId}`, 'cancelled');
    assign(others[3] ?? units.find((u) => !s.assignments.some((x) => x.unitId === u))!, a.role);
    snap();
  }
  for (const a of activeAssignments(s)) {
    later(0, 3);
    if (rng.chance(0.15)) escalate(`signFor:${a.unitId}`);
    a.status = 'signed';
    a.signedAt = now;
    stopClock(`signFor:${a.unitId}`);
    if (rng.chance(0.9)) a.contact = { method: 'phone', at: now + rng.int(1, 20) * DAY, by: a.unitId };
    snap();
  }

  const reply = (a: Assignment, round: number) => {
    const clock = `reply:${a.unitId}`;
    const late = rng.chance(0.2);
    if (late) escalate(clock);
    later(round === 0 ? 20 : 5, round === 0 ? 80 : 20);
    a.reply = {
      resultClass: rng.weighted({ A: 45, B: 40, C: 15 }),
      text: '答复……',
      signedOffBy: `${a.unitId}-leader`,
      at: now,
      round,
      onTime: !last(clock)?.overdue,
    };
    a.status = 'replied';
    stopClock(clock);
    snap();
  };
  const still = rng.chance(0.15); // some are still being handled on the report date
  for (const a of replyingAssignments(s)) if (!still || rng.chance(0.4)) reply(a, 0);
  if (still) return h;

  const rate = (round: number, weights: Record<string, number>) => {
    s.status = 'awaitingFeedback';
    for (const p of proposers(s)) startClock(`feedback:${p}`, 'feedback', undefined, true);
    snap();
    for (const p of proposers(s)) {
      later(1, 5);
      const rating = rng.weighted(weights);
      if (rating === 'none') {
        s.feedback.push({ proposerId: p, noFeedback: true, round });
        stopClock(`feedback:${p}`, 'expired');
      } else {
        const counts = defaultPolicy.satisfactionScale.find((x) => x.code === rating)!.counts;
        s.feedback.push({ proposerId: p, rating, counts, at: now, round });
        stopClock(`feedback:${p}`);
      }
      snap();
    }
    return s.feedback.some((f) => f.round === round && f.counts === 'unsatisfied');
  };
  const ratings = { satisfied: 55, basicallySatisfied: 25, unsatisfied: 12, none: 8 };
  if (rate(0, ratings) && rng.chance(0.6)) {
    s.round = 1;
    s.status = 'rehandling';
    for (const a of replyingAssignments(s)) {
      a.status = 'signed';
      startClock(`reply:${a.unitId}`, 'rehandling', a.unitId);
    }
    snap();
    for (const a of replyingAssignments(s)) reply(a, 1);
    rate(1, ratings);
  }
  s.status = 'closed';
  s.closedAt = later(0, 3);
  snap();
  // Commitments reported done: only where the current class still opens a follow-up (see the test below).
  for (const a of replyingAssignments(s))
    if (a.reply?.resultClass === 'B' && rng.chance(0.6)) h.done.push(a.unitId);
  return h;
}

/** The read model's document of a commitment follow-up reported done, as its workflow records it. */
function commitmentDone(proposalId: string, unitId: string, at: number): FollowUpView {
  return followUpView(
    {
      followUpId: `${proposalId}-commitment-${unitId}`,
      kind: 'commitment',
      title: proposalId,
      content: '承诺事项',
      sender: { userIds: ['member-1'] },
      responder: { unitId },
      source: { proposalId },
      policy: defaultPolicy,
      policyVersion: 1,
    },
    {
      status: 'closed',
      createdAt: at,
      responses: [{ round: 1, content: '……', commitments: ['年底前完成'], at, by: unitId, onTime: true }],
      evaluations: [],
      checkIns: [],
      outcome: { code: 'done', at, by: unitId },
      revision: 5,
    },
  );
}

type Activities = ReturnType<typeof createActivities>;
type Write = (acts: Activities, store: Store) => Promise<void>;

/**
 * Every write a worker would make for `histories`, as a messy worker fleet makes them: a random subset of
 * each proposal's and clock's revisions (always the last), shuffled, some sent twice.
 */
function writes(rng: Rng, histories: History[]): Write[] {
  const out: Write[] = [];
  const some = <T>(items: T[]) => {
    const picked = items.filter((_, i) => i === items.length - 1 || rng.chance(0.35));
    return [...picked, ...(rng.chance(0.4) ? [rng.pick(picked)] : [])]; // a retry
  };
  for (const h of histories) {
    for (const state of some(h.states)) {
      const revision = h.states.indexOf(state) + 1;
      out.push((acts) =>
        acts.recordProposal({
          state,
          revision,
          entry: {
            key: `${state.proposalId}:r${revision}`,
            itemId: state.proposalId,
            at: state.submittedAt,
            kind: state.status,
            label: state.status,
          },
        }),
      );
    }
    for (const snapshots of h.clocks.values())
      for (const clock of some(snapshots))
        out.push((acts) =>
          acts.recordClock({
            clock,
            entry: {
              key: `${clock.itemId}:${clock.id}#${clock.generation}:r${clock.revision}`,
              itemId: clock.itemId,
              at: clock.startedAt,
              kind: 'clock',
              label: clock.label,
            },
          }),
        );
    const final = h.states.at(-1)!;
    for (const unitId of h.done) {
      const item = commitmentDone(final.proposalId, unitId, final.closedAt ?? final.submittedAt);
      out.push((acts) =>
        acts.recordFollowUp({
          item,
          entry: {
            key: `${item.followUpId}:done`,
            itemId: item.followUpId,
            at: item.createdAt,
            kind: 'reportedDone',
            label: '承诺事项已落实',
          },
        }),
      );
      out.push((_, store) => markCommitmentDone({ store }, item)); // the same report again, straight
    }
  }
  // Shuffled: a later revision often lands before an earlier one.
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Three writers (each its own connection and activities), concurrently, as three workers would. */
async function writeConcurrently(stores: Store[], all: Write[], rng: Rng) {
  const lanes: Write[][] = stores.map(() => []);
  for (const w of all) lanes[rng.int(0, lanes.length - 1)].push(w);
  await Promise.all(
    lanes.map(async (lane, i) => {
      const acts = createActivities({ store: stores[i] });
      for (const w of lane) await w(acts, stores[i]);
    }),
  );
}

function foldInput(histories: History[]): FoldInput {
  return {
    sessionYear: YEAR,
    proposals: histories.map((h) => ({
      state: h.states.at(-1)!,
      clocks: Object.fromEntries([...h.clocks].map(([id, snapshots]) => [id, snapshots.at(-1)!])),
    })),
    commitmentsDone: new Set(histories.flatMap((h) => h.done.map((u) => `${h.states[0].proposalId}|${u}`))),
    policy: defaultPolicy,
  };
}

let stores: Store[] = [];
beforeEach(async () => {
  const uri = `${process.env.HUIYIN_TEST_MONGODB!}/huiyin_stats_${randomUUID().slice(0, 8)}`;
  stores = [await connectStore(uri), await connectStore(uri), await connectStore(uri)];
});
afterEach(async () => {
  await stores[0].conn.dropDatabase();
  await Promise.all(stores.map((s) => s.close()));
});

test(`maintained statistics equal the from-scratch fold after a randomized run (seed ${seed})`, async () => {
  const rng = createRng(seed);
  // This year's proposals, and a few of the year before that must not count.
  const histories = Array.from({ length: 26 }, (_, i) => history(rng.fork(), YEAR, i + 1));
  const lastYear = Array.from({ length: 3 }, (_, i) => history(rng.fork(), YEAR - 1, i + 1));
  await writeConcurrently(stores, writes(rng, [...histories, ...lastYear]), rng);

  const input = foldInput(histories);
  const done = input.commitmentsDone.size;
  expect(done).toBeGreaterThan(0); // the run reports commitments done
  for (const groupBy of groupings) {
    const product = await proposalStatistics(stores[0], committee, { sessionYear: YEAR, groupBy });
    expect({ groupBy, differences: compareFigures(product, foldFigures(input, groupBy)) }).toEqual({
      groupBy,
      differences: [],
    });
  }

  // The list agrees with the final states: the year's total, by status, by unit handling it now.
  const finals = input.proposals.map((p) => p.state);
  const total = async (filter: ProposalFilter) =>
    (
      await listProposals(stores[0], committee, {
        sessionYear: YEAR,
        limit: 1,
        offset: 0,
        order: 'asc',
        ...filter,
      })
    ).total;
  expect(await total({})).toBe(finals.length);
  for (const status of proposalStatuses)
    expect({ status, total: await total({ status: [status] }) }).toEqual({
      status,
      total: finals.filter((s) => s.status === status).length,
    });
  for (const unitId of units)
    expect({ unitId, total: await total({ unitId }) }).toEqual({
      unitId,
      total: finals.filter((s) => activeAssignments(s).some((a) => a.unitId === unitId)).length,
    });
});

/**
 * domain.md §7: 落实率 counts a commitment reported done only "while the reply's current class still opens
 * a follow-up — never above 100 %": a class-B reply whose commitment is done, then reclassified A.
 */
test('a commitment done under a reply reclassified away from B does not count (§7)', async () => {
  // The first seed after this run's whose proposal has a reply (a deterministic search).
  let rng = createRng(seed);
  let h = history(rng, YEAR, 1, { outcome: 'handled' });
  for (let next = seed + 1; !replyingAssignments(h.states.at(-1)!)[0].reply; next++) {
    rng = createRng(next);
    h = history(rng, YEAR, 1, { outcome: 'handled' });
  }
  const final = h.states.at(-1)!;
  const a = replyingAssignments(final)[0];
  const b = structuredClone(final);
  replyingAssignments(b)[0].reply!.resultClass = 'B';
  const reclassified = structuredClone(final);
  replyingAssignments(reclassified)[0].reply!.resultClass = 'A';
  h.states.push(b, reclassified);
  h.done = [a.unitId];
  await writeConcurrently(stores.slice(0, 1), writes(rng, [h]), rng);
  const product = await proposalStatistics(stores[0], committee, { sessionYear: YEAR, groupBy: 'unit' });
  expect(product.total.implementationRate).toBeLessThanOrEqual(1);
  expect(compareFigures(product, foldFigures(foldInput([h]), 'unit'))).toEqual([]);
});
