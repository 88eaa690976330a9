/**
 * Integration suites run against real servers: a Temporal dev server and FerretDB
 * on free ports with a throwaway data directory, started once per `jest` run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  freePort,
  startFerretDb,
  startTemporalDev,
  startWithRetry,
  type Managed,
} from '../../infra/processes';
import { bundleOnce } from './bundle';

declare global {
  var __huiyinServers: { servers: Managed[]; dir: string } | undefined;
}

export default async function globalSetup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'huiyin-it-'));
  // Each attempt takes fresh ports: a port that was free when chosen may be taken by the time it is used.
  const temporalLog = path.join(dir, 'temporal.log');
  const ferretLog = path.join(dir, 'ferretdb.log');
  const temporalStart = startWithRetry(`Temporal dev server (log: ${temporalLog})`, async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const server = await startTemporalDev({ dataDir: dir, port, uiPort, logFile: temporalLog });
    return Object.assign(server, { port });
  });
  const ferretStart = startWithRetry(`FerretDB (log: ${ferretLog})`, async () => {
    const port = await freePort();
    return Object.assign(await startFerretDb({ dataDir: dir, port, logFile: ferretLog }), { port });
  });
  const results = await Promise.allSettled([temporalStart, ferretStart, bundleOnce()]);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) {
    // The server that did start must not outlive the run.
    await Promise.all(
      [temporalStart, ferretStart].map((start) =>
        start.then(
          (s) => s.stop(),
          () => {},
        ),
      ),
    );
    throw failed.reason;
  }
  const [temporal, ferretdb] = [await temporalStart, await ferretStart];
  globalThis.__huiyinServers = { servers: [temporal, ferretdb], dir };
  // Each server has its own process group: should jest die before its teardown (a crash, a closed
  // output pipe), they would outlive it.
  process.once('exit', () => [temporal, ferretdb].forEach((server) => server.kill()));
  // Jest workers start after global setup and inherit these.
  process.env.HUIYIN_TEST_TEMPORAL = `127.0.0.1:${temporal.port}`;
  process.env.HUIYIN_TEST_MONGODB = `mongodb://127.0.0.1:${ferretdb.port}`;
}
