/**
 * The database down for `downSeconds` (30 s) during a burst of writes, with ladder steps falling due:
 * FerretDB is SIGKILLed, so every connection is refused (a stopped server, not a hung one — SIGSTOP would
 * leave connections open and unanswered), then started again on the same SQLite directory. The API
 * refuses writes meanwhile and the client retries them; activities retry; the read model converges.
 */
import { converge, Recorder, say, sleep, startChaosStack, statusesBetween, type Op } from './kit';
import type { Scenario } from './scenario';

export const dbDown: Scenario = async ({ scale, downSeconds = 30, keep }) => {
  const stack = await startChaosStack('db-down');
  try {
    const rec = new Recorder(stack);
    await rec.posting();
    await stack.setLadder(8);
    const total = 12 * scale;
    let faulting = true;
    let downAt = 0;
    let upAt = 0;
    const fault = (async () => {
      await sleep(2_000);
      await stack.killDb();
      downAt = Date.now();
      say(`db-down: FerretDB SIGKILLed, down for ${downSeconds} s`);
      await sleep(downSeconds * 1000);
      await stack.startDb();
      upAt = Date.now();
      say('db-down: FerretDB back');
      faulting = false;
    })();
    const sent: Promise<Op>[] = [];
    const lanes = Array.from({ length: 3 }, async () => {
      while (sent.length < total || faulting) {
        const op = sent.length % 3 === 0 ? rec.followUp() : rec.activity();
        sent.push(op);
        await op;
        await sleep(300);
      }
    });
    await Promise.all([fault, ...lanes]);
    await Promise.all(sent);
    const firstOk = rec.log.find((e) => e.at >= upAt && e.status < 300)?.at;
    const outcome = await converge(stack, rec);
    return {
      scenario: `database down ${downSeconds} s`,
      outcome,
      recoveryMs: Date.now() - upAt,
      notes: `API took writes again ${firstOk ? ((firstOk - upAt) / 1000).toFixed(1) : '–'} s after`,
      duringFault: statusesBetween(rec.log, downAt, upAt),
      afterFault: statusesBetween(rec.log, upAt),
      apiRecoveryMs: firstOk ? firstOk - upAt : undefined,
    };
  } finally {
    await stack.stop({ keep });
  }
};
