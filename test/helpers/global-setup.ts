/**
 * Integration suites run against real servers: a Temporal dev server and FerretDB
 * on free ports with a throwaway data directory, started once per `jest` run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startFerretDb, startTemporalDev, type Managed } from '../../infra/processes';
import { bundleOnce } from './bundle';

declare global {
  var __huiyinServers: { servers: Managed[]; dir: string } | undefined;
}

export default async function globalSetup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'huiyin-it-'));
  const [temporalPort, uiPort, dbPort] = [await freePort(), await freePort(), await freePort()];
  const [temporal, ferretdb] = await Promise.all([
    startTemporalDev({ dataDir: dir, port: temporalPort, uiPort, logFile: path.join(dir, 'temporal.log') }),
    startFerretDb({ dataDir: dir, port: dbPort, logFile: path.join(dir, 'ferretdb.log') }),
    bundleOnce(),
  ]);
  globalThis.__huiyinServers = { servers: [temporal, ferretdb], dir };
  // Each server has its own process group: should jest die before its teardown (a crash, a closed
  // output pipe), they would outlive it.
  process.once('exit', () => [temporal, ferretdb].forEach((server) => server.kill()));
  // Jest workers start after global setup and inherit these.
  process.env.HUIYIN_TEST_TEMPORAL = `127.0.0.1:${temporalPort}`;
  process.env.HUIYIN_TEST_MONGODB = `mongodb://127.0.0.1:${dbPort}`;
}
