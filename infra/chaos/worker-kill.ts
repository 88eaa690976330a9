/**
 * The worker SIGKILLed repeatedly during a burst of actions (follow-up items created, activities logged
 * on a posting) while the items' ladder steps fall due; restarted 1 s later each time, as `npm start`'s
 * supervisor does. Activities in flight at a kill are retried after their start-to-close timeout.
 */
import { converge, Recorder, say, sleep, startChaosStack, type Op } from './kit';
import type { Scenario } from './scenario';

export const workerKill: Scenario = async ({ scale, keep }) => {
  const stack = await startChaosStack('worker-kill');
  try {
    const rec = new Recorder(stack);
    await rec.posting();
    await stack.setLadder(6);
    const kills = scale === 1 ? 1 : 2 * scale;
    const total = 12 * scale;
    let killing = true;
    let faultEnd = Date.now();
    const killer = (async () => {
      for (let k = 0; k < kills; k++) {
        await sleep(2_500 + Math.random() * 2_000);
        say(`worker-kill: SIGKILL worker (${k + 1} of ${kills})`);
        await stack.killWorker();
        await sleep(1_000);
        stack.startWorker();
      }
      faultEnd = Date.now();
      killing = false;
    })();
    const sent: Promise<Op>[] = [];
    const lanes = Array.from({ length: 3 }, async () => {
      while (sent.length < total || killing) {
        const op = sent.length % 3 === 0 ? rec.followUp() : rec.activity();
        sent.push(op);
        await op;
      }
    });
    await Promise.all([killer, ...lanes]);
    await Promise.all(sent);
    const outcome = await converge(stack, rec);
    return {
      scenario: 'worker SIGKILL',
      outcome,
      recoveryMs: Date.now() - faultEnd,
      notes: `${kills} kills`,
      duringFault: Object.fromEntries(rec.statuses),
      afterFault: {},
    };
  } finally {
    await stack.stop({ keep });
  }
};
