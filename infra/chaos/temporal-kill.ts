/**
 * The Temporal dev server SIGKILLed and started again on the same SQLite file, with every ladder step of
 * the items just created falling due while it is down. Meanwhile a client keeps sending one keyed write
 * (and asks /readyz): the API should answer 503 until Temporal is back, then take the write once; each
 * step fires once after recovery.
 */
import { readItem } from '../../store/items';
import { converge, Recorder, say, sleep, startChaosStack, statusesBetween, until, type Op } from './kit';
import type { Scenario } from './scenario';

export const temporalKill: Scenario = async ({ scale, keep }) => {
  const stack = await startChaosStack('temporal-kill');
  try {
    const rec = new Recorder(stack);
    await rec.posting();
    const n = 4 * scale;
    const limitS = 12 + n;
    await stack.setLadder(limitS);
    const created = await Promise.all(Array.from({ length: n }, () => rec.followUp()));
    const lastAck = Math.max(...created.map((op) => op.ackAt ?? 0));
    // Every item's clock planned (its steps' times fixed in its history) before the server goes.
    await until('clocks started', async () => {
      for (const op of created) if ((await readItem(stack.store, op.id!)).clocks.length === 0) return false;
      return true;
    });
    await stack.killTemporal();
    const downAt = Date.now();
    say(`temporal-kill: Temporal SIGKILLed ${((downAt - lastAck) / 1000).toFixed(1)} s after the last item`);
    // Down until the last item's last step (due + 2 s) has passed, and at least 30 s: longer than the
    // API's Temporal client retries a call (about 20 s), so the writes sent meanwhile are answered 503.
    const upAfter = Math.max(lastAck + (limitS + 4) * 1000, downAt + 30_000);
    const ready: { at: number; status: number }[] = [];
    let probing = true;
    const readiness = (async () => {
      while (probing) {
        const { status } = await stack.call('GET', '/readyz', 'admin').catch(() => ({ status: 0 }));
        ready.push({ at: Date.now(), status });
        await sleep(1_000);
      }
    })();
    const writes: Promise<Op>[] = [rec.activity(), rec.followUp()];
    await sleep(Math.max(0, upAfter - Date.now()));
    await stack.startTemporal();
    const upAt = Date.now();
    say(`temporal-kill: Temporal back after ${((upAt - downAt) / 1000).toFixed(1)} s`);
    // A fresh write after the restart: how soon the API takes writes again.
    const fresh = await rec.activity();
    const firstOk = fresh.ackAt;
    await Promise.all(writes);
    await until('ready again', async () => ready.some((r) => r.at > upAt && r.status === 200));
    probing = false;
    await readiness;
    const outcome = await converge(stack, rec);
    // How many of the steps that fired had been due while Temporal was down.
    let dueWhileDown = 0;
    for (const op of created) {
      const { timeline } = await readItem(stack.store, op.id!);
      for (const entry of timeline) {
        const planned = (entry.data as { plannedAt?: number } | undefined)?.plannedAt;
        if (planned && planned >= downAt && planned < upAt) dueWhileDown++;
      }
    }
    return {
      scenario: 'Temporal SIGKILL + restart',
      outcome,
      recoveryMs: Date.now() - upAt,
      notes:
        `down ${((upAt - downAt) / 1000).toFixed(0)} s, ${dueWhileDown} steps fell due meanwhile; ` +
        `API took writes again ${firstOk ? ((firstOk - upAt) / 1000).toFixed(1) : '–'} s after; ` +
        `/readyz ${[...new Set(ready.map((r) => r.status))].join('→')}`,
      duringFault: statusesBetween(rec.log, downAt, upAt),
      afterFault: statusesBetween(rec.log, upAt),
      apiRecoveryMs: firstOk ? firstOk - upAt : undefined,
      readyz: { during: statusesBetween(ready, downAt, upAt), after: statusesBetween(ready, upAt) },
      dueWhileDown,
    };
  } finally {
    await stack.stop({ keep });
  }
};
