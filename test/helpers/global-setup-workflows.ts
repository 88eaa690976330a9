import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, startWithRetry } from '../../infra/processes';
import { bundleOnce } from './bundle';

/**
 * Bundles the workflows once and starts one time-skipping test server while at it: a missing Java
 * or classpath fails the run here with one clear message instead of in every test, a slow start is
 * reported, and the JVM's files are in the page cache before the suites start theirs.
 */
export default async function globalSetup() {
  const log = path.join(tmpdir(), 'huiyin-test-server.log');
  const server = startWithRetry(`time-skipping test server (output: ${log})`, () =>
    startTestServer({ logFile: log }),
  );
  const bundled = bundleOnce();
  const [started] = await Promise.allSettled([server, bundled]);
  if (started.status === 'fulfilled') {
    started.value.kill();
    await started.value.exited;
  }
  await Promise.all([server, bundled]); // the first failure, if any
}
