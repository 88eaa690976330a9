/**
 * The API SIGKILLed while requests are in flight (some already started their workflow or sent their
 * Update), started again 1 s later; every client retries its request under the same Idempotency-Key
 * and must get one effect. The note counts the follow-up items whose cut request had already started
 * their workflow.
 */
import { converge, Recorder, say, sleep, startChaosStack, statusesBetween, type Op } from './kit';
import type { Scenario } from './scenario';

export const apiKill: Scenario = async ({ scale, keep }) => {
  const stack = await startChaosStack('api-kill');
  try {
    const rec = new Recorder(stack);
    await rec.posting();
    await stack.setLadder(6);
    const rounds = scale === 1 ? 1 : 2 * scale;
    const sent: Promise<Op>[] = [];
    let downAt = 0;
    let upAt = 0;
    let appliedWhenCut = 0;
    for (let round = 0; round < rounds; round++) {
      const before = rec.ops.length;
      for (let i = 0; i < 12; i++) sent.push(i % 2 ? rec.activity() : rec.followUp());
      await sleep(200 + Math.random() * 1_300);
      const answered = rec.ops.slice(before).filter((op) => op.attempts.some((s) => s > 0)).length;
      await stack.killApi();
      downAt ||= Date.now();
      say(`api-kill: API SIGKILLed with ${12 - answered} of 12 requests unanswered (round ${round + 1})`);
      // Requests the kill cut after they took effect (their item's workflow started): the retry must
      // find them, not apply them again.
      await sleep(1_000);
      let started = 0;
      for await (const wf of stack.temporal.workflow.list({ query: 'WorkflowType="followUpItem"' }))
        started += wf.type === 'followUpItem' ? 1 : 0;
      const acked = rec.ops.filter((op) => op.kind === 'followUp' && op.acknowledged).length;
      appliedWhenCut += Math.max(0, started - acked);
      await stack.startApi();
      upAt = Date.now();
      await Promise.all(sent);
    }
    const cut = rec.ops.filter((op) => op.attempts[0] === 0).length;
    const outcome = await converge(stack, rec);
    return {
      scenario: 'API SIGKILL mid-request',
      outcome,
      recoveryMs: Date.now() - upAt,
      notes: `${rounds} kills, ${cut} requests cut (${appliedWhenCut} items already started) and retried with their key`,
      duringFault: statusesBetween(rec.log, downAt, upAt),
      afterFault: statusesBetween(rec.log, upAt),
      cut,
    };
  } finally {
    await stack.stop({ keep });
  }
};
