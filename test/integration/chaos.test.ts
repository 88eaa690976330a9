/**
 * Fault injection, the bounded subset of `npm run chaos` (infra/chaos): each scenario small (a dozen
 * actions, one fault, the database down 8 s) on a stack of its own — its own Temporal dev server,
 * FerretDB, worker and API processes on free ports, never the suite's shared servers. Afterwards what the
 * clients were told is compared with what was applied: no acknowledged action, ladder step, outbox row or
 * message lost, none doubled, and the read model equal to a replay of the workflows.
 *
 * Two workers and two APIs at once (the heaviest stack) run in `npm run chaos` only, to keep the suite
 * near ten minutes on two cores. The four here run side by side (they mostly wait: on faults, on
 * clocks, on retries) and are checked one per test; everything is polled with generous deadlines,
 * nothing is timed.
 */
import { apiKill } from '../../infra/chaos/api-kill';
import { dbDown } from '../../infra/chaos/db-down';
import type { Scenario, ScenarioResult } from '../../infra/chaos/scenario';
import { temporalKill } from '../../infra/chaos/temporal-kill';
import { workerKill } from '../../infra/chaos/worker-kill';

const scenarios: Record<string, Scenario> = {
  'worker-kill': workerKill,
  'temporal-kill': temporalKill,
  'db-down': dbDown,
  'api-kill': apiKill,
};
const runs = new Map<string, Promise<ScenarioResult>>();

beforeAll(async () => {
  // Started a few seconds apart, so four stacks do not all boot in the same instant.
  for (const [name, scenario] of Object.entries(scenarios)) {
    const run = scenario({ scale: 1, downSeconds: 8 });
    run.catch(() => {}); // reported by its own test
    runs.set(name, run);
    await new Promise((r) => setTimeout(r, 3_000));
  }
});

/** Nothing lost, nothing doubled, the read model converged. */
function expectIntact(result: ScenarioResult) {
  const { actions, steps, outbox, messages, readModelWrong } = result.outcome;
  expect(actions.acknowledged).toBeGreaterThanOrEqual(6);
  expect(actions.acknowledged).toBe(actions.attempted);
  expect(actions.applied).toBe(actions.acknowledged);
  expect({ lost: actions.lost, duplicated: actions.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  expect(steps.acknowledged).toBeGreaterThan(0);
  expect({ lost: steps.lost, duplicated: steps.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  expect(outbox.applied).toBeGreaterThan(0);
  expect(outbox.lost).toBe(0);
  expect(messages.acknowledged).toBeGreaterThan(0);
  expect({ lost: messages.lost, duplicated: messages.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  expect(readModelWrong).toBe(0);
}

const timeout = 600_000;

test(
  'the worker SIGKILLed during a burst: every acknowledged action and ladder step once',
  async () => {
    expectIntact(await runs.get('worker-kill')!);
  },
  timeout,
);

test(
  'Temporal SIGKILLed while steps fall due: 503 meanwhile, then each step fires once',
  async () => {
    const result = await runs.get('temporal-kill')!;
    expectIntact(result);
    expect(result.dueWhileDown).toBeGreaterThan(0);
    // Writes sent while Temporal was down were refused with 503, never a 500.
    expect(result.duringFault[503]).toBeGreaterThan(0);
    expect(result.duringFault[500] ?? 0).toBe(0);
    expect(result.afterFault[500] ?? 0).toBe(0);
    expect(result.readyz!.during[503]).toBeGreaterThan(0);
    expect(result.readyz!.after[200]).toBeGreaterThan(0);
    expect(Object.keys(result.afterFault).some((s) => Number(s) >= 200 && Number(s) < 300)).toBe(true);
  },
  timeout,
);

test(
  'the database down during writes: 503 meanwhile, activities retry, the read model converges',
  async () => {
    const result = await runs.get('db-down')!;
    expectIntact(result);
    // Refused with 503 while the database was down, never 500 (an activity may still be taken: its
    // Update needs no database, and the directory record of its caller is cached).
    expect(result.duringFault[500] ?? 0).toBe(0);
    expect(result.afterFault[500] ?? 0).toBe(0);
    expect(Object.keys(result.afterFault).some((s) => Number(s) >= 200 && Number(s) < 300)).toBe(true);
  },
  timeout,
);

test(
  'the API killed mid-request: the retry with the same Idempotency-Key gives one effect',
  async () => {
    const result = await runs.get('api-kill')!;
    expectIntact(result);
    expect(result.cut).toBeGreaterThan(0);
  },
  timeout,
);
