/**
 * Two workers and two API processes on one task queue and one database at once: writes alternate between
 * the APIs (a retry goes to the other one), activities land on one posting from both, and ladder steps
 * fire while both workers poll. No action applied twice or lost, no message delivered twice.
 *
 * On FerretDB (this stack) several workers are not a supported deployment (docs/storage.md: view writes
 * are serialized per process, FerretDB applies an update as read-then-write); the read-model check shows
 * what that costs here.
 */
import { converge, Recorder, startChaosStack, statusesBetween, type Op } from './kit';
import type { Scenario } from './scenario';

export const twoOfEach: Scenario = async ({ scale, keep }) => {
  const stack = await startChaosStack('two-of-each', { workers: 2, apis: 2 });
  try {
    const rec = new Recorder(stack);
    await rec.posting();
    await stack.setLadder(6);
    const started = Date.now();
    const total = 12 * scale;
    const sent: Promise<Op>[] = [];
    const lanes = Array.from({ length: 4 }, async (_, lane) => {
      while (sent.length < total) {
        const api = lane % 2;
        const op = sent.length % 3 === 0 ? rec.followUp({ api }) : rec.activity({ api });
        sent.push(op);
        await op;
      }
    });
    await Promise.all(lanes);
    await Promise.all(sent);
    const lastAck = Math.max(...rec.ops.map((op) => op.ackAt ?? 0));
    const outcome = await converge(stack, rec);
    return {
      scenario: 'two workers + two APIs',
      outcome,
      recoveryMs: Date.now() - lastAck,
      notes: 'recovery = last acknowledgement to convergence',
      duringFault: statusesBetween(rec.log, started),
      afterFault: {},
    };
  } finally {
    await stack.stop({ keep });
  }
};
