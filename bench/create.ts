/**
 * Creation speed: proposals filed per second through the API (POST /api/proposals: validation,
 * numbering, policy snapshot, workflow start) against raw Temporal workflow starts, same server, same
 * run. Prints figures; asserts nothing. Env: BENCH_CREATE, BENCH_CONCURRENCY.
 */
import { createProposal } from '../api/routes/proposals/create';
import { defaultPolicy } from '../domain/policy';
import { proposalWorkflowId } from '../domain/proposal';
import { bench, rate, say, type BenchStack } from './stack';

const CREATE = Number(process.env.BENCH_CREATE ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const createBody = {
  title: '关于优化营商环境的建议',
  content: '建议……',
  type: 'interSession' as const,
  coSignerIds: [],
};

export async function creationThroughput({ deps, base, token, taskQueue }: BenchStack) {
  const member = await token('member-zhang', ['member']);
  say(`creating ${CREATE} proposals each way, ${CONCURRENCY} at a time…`);
  const draft = { ...createBody, leadProposerId: 'member-zhang' };
  const raw = await rate(CREATE, CONCURRENCY, async (i) => {
    const number = `2090-${String(i + 1).padStart(4, '0')}`;
    await deps.temporal.workflow.start('proposal', {
      workflowId: proposalWorkflowId(number),
      taskQueue,
      args: [
        { proposalId: number, sessionYear: 2090, number, draft, policy: defaultPolicy, policyVersion: 1 },
      ],
    });
  });
  let accepted = 0; // 202: filed, but the workflow answered the detail query too late
  const api = await rate(CREATE, CONCURRENCY, async (i) => {
    const res = await fetch(`${base}/api/proposals`, {
      method: 'POST',
      headers: { authorization: member, 'content-type': 'application/json', 'idempotency-key': `bench-${i}` },
      body: JSON.stringify({ ...createBody, sessionYear: 2091 }),
    });
    if (res.status === 202) accepted++;
    else if (res.status !== 201) throw new Error(`POST /api/proposals → ${res.status} ${await res.text()}`);
  });
  const caller = { id: 'member-zhang', roles: ['member' as const] };
  const path = await rate(CREATE, CONCURRENCY, async (i) => {
    await createProposal(deps, caller, { ...createBody, sessionYear: 2092 }, `b-${i}`);
  });
  say(`raw Temporal starts:              ${raw.toFixed(1)} /s`);
  say(
    `API POST /api/proposals:          ${api.toFixed(1)} /s   (ratio to raw ${(api / raw).toFixed(2)}; ${accepted} answered 202)`,
  );
  say(`  of which the create path alone: ${path.toFixed(1)} /s   (ratio to raw ${(path / raw).toFixed(2)})`);
}

if (require.main === module) void bench('create', creationThroughput);
