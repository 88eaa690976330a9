/**
 * `npm run fuzz`: the longer schemathesis run of issue 12, as two callers (committee staff and a
 * unit liaison), every operation of /openapi.json, all phases including stateful (links).
 *
 * Without FUZZ_URL it starts its own throwaway stack as the integration tests do (Temporal dev
 * server and FerretDB on free ports, a worker, the API on an ephemeral port, the demo directory,
 * proposals and posting seeded) and stops it afterwards. With FUZZ_URL (e.g. http://127.0.0.1:3000
 * of a running `npm start` in demo mode) it fuzzes that API, taking tokens from dev-login — it
 * changes that API's data.
 *
 * FUZZ_EXAMPLES (default 100 per operation and phase), FUZZ_SEED (default: random, printed),
 * FUZZ_PHASES (default examples,coverage,fuzzing,stateful), FUZZ_WORKERS (default 2),
 * FUZZ_USERS (default committee,housing: demo usernames), FUZZ_REPORT_DIR (default data/fuzz).
 * Exits non-zero when a run found a failure; each failure is printed with a curl line to replay it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runSchemathesis, schemathesisCommand } from './fuzz-run';

const env = process.env;
const users = (env.FUZZ_USERS ?? 'committee,housing').split(',').filter(Boolean);
const examples = Number(env.FUZZ_EXAMPLES ?? 100);
const seed = Number(env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const phases = (env.FUZZ_PHASES ?? 'examples,coverage,fuzzing,stateful').split(',');
const workers = Number(env.FUZZ_WORKERS ?? 2);
const reportRoot = path.resolve(env.FUZZ_REPORT_DIR ?? path.join(__dirname, '..', 'data', 'fuzz'));

interface Target {
  url: string;
  /** An `Authorization` header value for a demo username. */
  token(username: string): Promise<string>;
  stop(): Promise<void>;
}

async function running(url: string): Promise<Target> {
  return {
    url: url.replace(/\/$/, ''),
    async token(username) {
      const res = await fetch(`${url}/api/auth/dev-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username }),
      });
      if (!res.ok) throw new Error(`dev-login as ${username} at ${url}: ${res.status} ${await res.text()}`);
      return `Bearer ${((await res.json()) as { token: string }).token}`;
    },
    stop: async () => {},
  };
}

/** A throwaway stack of our own, as jest's integration setup builds it (test/helpers). */
async function ownStack(): Promise<Target> {
  // A throwaway stack: test settings (rate limits off, a secret key of its own), as under jest.
  process.env.NODE_ENV = 'test';
  const { default: globalSetup } = await import('../test/helpers/global-setup');
  const { default: globalTeardown } = await import('../test/helpers/global-teardown');
  const { startStack } = await import('../test/helpers/stack');
  const { seedDemoDirectory } = await import('../store/demo');
  const { demoDirectory } = await import('../store/demo');
  const { seedDemoProposals } = await import('../api/routes/proposals/demo');
  const { seedDemoSupervision } = await import('../api/routes/supervision-demo');
  console.log('[fuzz] starting Temporal dev server and FerretDB…');
  await globalSetup();
  const stack = await startStack();
  const server: Server = await new Promise((resolve) => {
    const s = stack.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const stop = async () => {
    await new Promise((resolve) => server.close(resolve));
    await stack.stop();
    await globalTeardown();
  };
  try {
    console.log('[fuzz] seeding the demo directory, proposals and supervision posting…');
    await seedDemoDirectory(stack.store);
    const deps = {
      store: stack.store,
      temporal: stack.temporal,
      temporalConfig: { TEMPORAL_TASK_QUEUE: stack.taskQueue },
    } as Parameters<typeof seedDemoProposals>[0];
    await seedDemoProposals(deps);
    await seedDemoSupervision(deps);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async token(username) {
      const person = demoDirectory.users.find((u) => u.id === username);
      if (!person) throw new Error(`FUZZ_USERS: ${username} is not a demo user (store/demo.ts)`);
      return stack.bearer(person.roles[0], { id: person.id });
    },
    stop,
  };
}

async function main() {
  await schemathesisCommand(); // install before starting servers: its progress shows first
  const target = env.FUZZ_URL ? await running(env.FUZZ_URL) : await ownStack();
  const failed: string[] = [];
  try {
    for (const user of users) {
      const started = Date.now();
      console.log(
        `\n[fuzz] ${target.url} as ${user}: seed ${seed}, ${examples} examples, ${phases.join(',')}`,
      );
      const { code } = await runSchemathesis({
        url: target.url,
        authorization: await target.token(user),
        maxExamples: examples,
        seed,
        phases,
        workers,
        reportDir: path.join(reportRoot, user),
        echo: true,
      });
      console.log(`[fuzz] as ${user}: exit ${code} after ${Math.round((Date.now() - started) / 1000)} s`);
      if (code !== 0) failed.push(user);
    }
  } finally {
    await target.stop();
  }
  console.log(
    failed.length === 0
      ? `\n[fuzz] passed as ${users.join(', ')} (seed ${seed})`
      : `\n[fuzz] FAILED as ${failed.join(', ')} — replay with FUZZ_SEED=${seed}; reports in ${reportRoot}`,
  );
  process.exit(failed.length === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error('[fuzz]', err);
  process.exit(1);
});
