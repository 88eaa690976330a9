/**
 * The bounded fuzzing run of issue 12 (the longer one is `npm run fuzz`, infra/fuzz.ts):
 * schemathesis against the real stack's /openapi.json, every operation, as committee staff and as a
 * unit liaison. Checks: no 5xx, every response as documented (status code and body schema), an
 * undocumented method answered 405, and every refusal in the one error shape (infra/fuzz-hooks.py).
 * A fixed seed makes the run reproducible: the output's curl lines replay a failure, and
 * fuzz-regressions.test.ts keeps the ones found so far as plain cases.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runSchemathesis, schemathesisCommand } from '../../infra/fuzz-run';
import type { AppDeps } from '../../api/deps';
import { seedDemoProposals } from '../../api/routes/proposals/demo';
import { seedDemoSupervision } from '../../api/routes/supervision-demo';
import { seedDemoDirectory } from '../../store/demo';
import { startStack, type Stack } from '../helpers/stack';

/** Examples per operation and phase: small, so both runs fit in about two minutes on two busy cores. */
const maxExamples = 2;
const seed = 20261202;

let stack: Stack;
let server: Server;
let url: string;

beforeAll(async () => {
  await schemathesisCommand(); // installed by `npm test`'s provisioning; here only if run alone
  stack = await startStack();
  await seedDemoDirectory(stack.store);
  // Lists and details then hold real items, so their bodies are checked against the schema too.
  const deps = {
    store: stack.store,
    temporal: stack.temporal,
    temporalConfig: { TEMPORAL_TASK_QUEUE: stack.taskQueue },
  } as AppDeps;
  await seedDemoProposals(deps);
  await seedDemoSupervision(deps);
  server = await new Promise<Server>((resolve) => {
    const s = stack.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 300_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await stack?.stop();
});

// Committee staff reach every operation; what each other role may do is the authorization matrix's
// to check, and `npm run fuzz` runs as a unit liaison too.
test.each([['committee staff', 'committee', 'committee']] as const)(
  'schemathesis as %s: no 5xx, responses as documented, refusals in the error shape',
  async (_who, role, id) => {
    const { code, output } = await runSchemathesis({
      url,
      authorization: await stack.bearer(role, { id }),
      maxExamples,
      seed,
    });
    if (code !== 0) console.log(output);
    expect(code).toBe(0);
  },
  300_000,
);
