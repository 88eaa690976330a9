/**
 * End to end: what `npm start` runs (infra/start.ts), pointed at this run's servers the way a
 * cluster is used (TEMPORAL_ADDRESS / MONGODB_URI), driven through the API like a user, then stopped
 * with Ctrl-C: it must print where everything is, seed the demo body, restart a worker or API that
 * is killed, and leave no process behind.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from '../../infra/processes';
import { createNamespace } from '../helpers/namespace';

const root = path.resolve(__dirname, '../..');
let child: ChildProcess;
let output = '';
let base: string;

/** Resolves when the start script has printed `text` (rejects if it exits first). */
function printed(text: string, timeoutMs = 90_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" in:\n${output}`)), timeoutMs);
    const check = () => {
      if (!output.includes(text)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`start exited (${code}) before "${text}":\n${output}`)));
    check();
  });
}

/** The processes the start script spawned, from `ps`: worker, API, and (on a cold tsx cache) esbuild. */
const children = (pid: number) =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().match(/^(\d+) (.*)$/))
    .filter((match) => match !== null)
    .map(([, pid, args]) => ({ pid: Number(pid), args }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  const address = process.env.HUIYIN_TEST_TEMPORAL!;
  const namespace = `e2e-${randomUUID()}`;
  const connection = await Connection.connect({ address });
  await createNamespace(connection, namespace);
  await connection.close();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'infra', 'start.ts')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: `e2e-${randomUUID()}`,
      MONGODB_URI: `${process.env.HUIYIN_TEST_MONGODB}/huiyin_e2e_${randomUUID().slice(0, 8)}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await printed('Ctrl-C stops everything.');
});

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

test('it says where everything is, and uses the given servers instead of starting its own', () => {
  expect(output).toContain(`using Temporal at ${process.env.HUIYIN_TEST_TEMPORAL}`);
  expect(output).toContain('using the database at MONGODB_URI');
  expect(output).toMatch(/ready in \d+\.\d s/);
  expect(output).toContain(`API        ${base}`);
});

test('a newcomer signs in as a demo user and sees the demo board', async () => {
  const login = await fetch(`${base}/api/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'committee' }),
  });
  expect(login.status).toBe(200);
  const { token } = (await login.json()) as { token: string };
  // The demo proposals are filed in the background after the API is up.
  let total = 0;
  for (let i = 0; i < 120 && total < 5; i++) {
    const res = await fetch(`${base}/api/proposals?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    total = ((await res.json()) as { total: number }).total;
    if (total < 5) await new Promise((r) => setTimeout(r, 500));
  }
  expect(total).toBeGreaterThanOrEqual(5);
});

/** A bearer token for a demo user, through the demo sign-in. */
async function signIn(username: string) {
  const res = await fetch(`${base}/api/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  expect(res.status).toBe(200);
  return `Bearer ${((await res.json()) as { token: string }).token}`;
}

/** Files a proposal and waits until the worker has written it to the read model; returns its id. */
async function fileProposal(token: string, title: string) {
  const res = await fetch(`${base}/api/proposals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: token },
    body: JSON.stringify({ title, content: '建议内容', type: 'interSession' }),
  });
  expect([201, 202]).toContain(res.status);
  const location = res.headers.get('location')!;
  await eventually(
    async () => (await fetch(`${base}${location}`, { headers: { authorization: token } })).status,
  );
  return location;
}

/** Polls `probe` every 250 ms until it answers 200 (within a minute). */
async function eventually(probe: () => Promise<number>) {
  let status = 0;
  for (let i = 0; i < 240 && status !== 200; i++) {
    status = await probe().catch(() => 0);
    if (status !== 200) await new Promise((r) => setTimeout(r, 250));
  }
  expect(status).toBe(200);
}

const pidOf = (entry: string) =>
  children(child.pid!).find(({ args }) => args.endsWith(path.join(root, entry)))?.pid;

test('a worker or API killed with SIGKILL is restarted, and nothing filed before is lost', async () => {
  const token = await signIn('member-zhang');
  const before = await fileProposal(token, '关于重启前的建议');
  const read = (location: string) => fetch(`${base}${location}`, { headers: { authorization: token } });

  for (const [part, entry] of [
    ['worker', 'worker/main.ts'],
    ['api', 'api/main.ts'],
  ]) {
    const pid = pidOf(entry)!;
    process.kill(pid, 'SIGKILL');
    await printed(`${part} restarted (pid `);
    expect(output).toContain(`[huiyin] ${part} was killed (SIGKILL), restarting in 1 s`);
    expect(pidOf(entry)).not.toBe(pid);
    await eventually(async () => (await fetch(`${base}/readyz`)).status);
  }

  const after = await read(before);
  expect(after.status).toBe(200);
  expect(((await after.json()) as { proposal: { title: string } }).proposal.title).toBe('关于重启前的建议');
  // The new worker runs workflows: a proposal filed now reaches the read model.
  await fileProposal(token, '关于重启后的建议');
  expect(output).not.toContain('stopping…');
});

test('Ctrl-C stops the worker and the API and leaves no process behind', async () => {
  const spawned = children(child.pid!);
  const entries = spawned.map(({ args }) => path.relative(root, args.split(' ').at(-1)!));
  expect(entries).toEqual(expect.arrayContaining(['worker/main.ts', 'api/main.ts']));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(output).toContain('stopped.');
  // esbuild (tsx's transformer) leaves when its parent's pipe closes: give it a moment.
  for (let i = 0; i < 20 && spawned.some(({ pid }) => alive(pid)); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(spawned.filter(({ pid }) => alive(pid))).toEqual([]);
});
