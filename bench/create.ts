/**
 * Creation speed: proposals filed per second through the API (POST /api/proposals: validation,
 * numbering, Idempotency-Key claim, policy snapshot, workflow start) against raw Temporal workflow
 * starts, same server, same run. Prints figures; asserts nothing.
 * Env: BENCH_CREATE (per section), BENCH_CONCURRENCY, BENCH_ROUNDS.
 *
 * The sections run interleaved, in BENCH_ROUNDS rounds whose order rotates, and each rate is its
 * count over its summed time: the machine's other load and the worker's backlog (the workflows every
 * section starts run their first steps meanwhile) fall on all of them alike, not on whichever ran last.
 * An unmeasured warm-up of each section (2 × BENCH_CONCURRENCY) comes first, so that no section is
 * measured against a worker with nothing to do yet.
 */
import { createProposal } from '../api/routes/proposals/create';
import { defaultPolicy } from '../domain/policy';
import { proposalWorkflowId } from '../domain/proposal';
import { bench, rate, say, type BenchStack } from './stack';

const CREATE = Number(process.env.BENCH_CREATE ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Math.max(1, Math.min(CREATE, Number(process.env.BENCH_ROUNDS ?? 5)));

const createBody = {
  title: '关于优化营商环境的建议',
  content: '建议……',
  type: 'interSession' as const,
  coSignerIds: [],
};

/** One section: `op(i)` for its i-th item; `done` items so far, `seconds` spent. */
interface Section {
  name: string;
  op: (i: number) => Promise<void>;
  done: number;
  seconds: number;
}

export async function creationThroughput({ deps, base, token, taskQueue }: BenchStack) {
  const member = await token('member-zhang', ['member']);
  say(
    `creating ${CREATE} proposals each way (after ${2 * CONCURRENCY} to warm up), ${CONCURRENCY} at a time, in ${ROUNDS} interleaved rounds…`,
  );
  const draft = { ...createBody, leadProposerId: 'member-zhang' };
  let accepted = 0; // 202: only a retry under a key reads the workflow (none here: every key is new)
  const caller = { id: 'member-zhang', roles: ['member' as const] };
  const section = (name: string, op: (i: number) => Promise<void>): Section => ({
    name,
    op,
    done: 0,
    seconds: 0,
  });
  const sections = [
    section('raw', async (i) => {
      const number = `2090-${String(i + 1).padStart(4, '0')}`;
      await deps.temporal.workflow.start('proposal', {
        workflowId: proposalWorkflowId(number),
        taskQueue,
        args: [
          { proposalId: number, sessionYear: 2090, number, draft, policy: defaultPolicy, policyVersion: 1 },
        ],
      });
    }),
    section('api', async (i) => {
      const res = await fetch(`${base}/api/proposals`, {
        method: 'POST',
        headers: {
          authorization: member,
          'content-type': 'application/json',
          'idempotency-key': `bench-${i}`,
        },
        body: JSON.stringify({ ...createBody, sessionYear: 2091 }),
      });
      if (res.status === 202) accepted++;
      else if (res.status !== 201) throw new Error(`POST /api/proposals → ${res.status} ${await res.text()}`);
    }),
    section('path', async (i) => {
      await createProposal(deps, caller, { ...createBody, sessionYear: 2092 }, `b-${i}`);
    }),
  ];
  const warmUp = 2 * CONCURRENCY;
  for (const s of sections) await rate(warmUp, CONCURRENCY, (i) => s.op(i));
  for (let round = 0; round < ROUNDS; round++) {
    const count = Math.floor((CREATE * (round + 1)) / ROUNDS) - Math.floor((CREATE * round) / ROUNDS);
    const order = sections.map((_, k) => sections[(k + round) % sections.length]);
    const figures: string[] = [];
    for (const s of order) {
      const first = s.done;
      const perSecond = await rate(count, CONCURRENCY, (i) => s.op(warmUp + first + i));
      s.done += count;
      s.seconds += count / perSecond;
      figures.push(`${s.name} ${perSecond.toFixed(1)}`);
    }
    say(`  round ${round + 1}/${ROUNDS}: ${figures.join(', ')} /s`);
  }
  const [raw, api, path] = sections.map((s) => s.done / s.seconds);
  say(`raw Temporal starts:              ${raw.toFixed(1)} /s`);
  say(
    `API POST /api/proposals:          ${api.toFixed(1)} /s   (ratio to raw ${(api / raw).toFixed(2)}; ${accepted} answered 202)`,
  );
  say(`  of which the create path alone: ${path.toFixed(1)} /s   (ratio to raw ${(path / raw).toFixed(2)})`);
}

if (require.main === module) void bench('create', creationThroughput);
