import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowCode } from '../../worker/worker';

/**
 * Bundles workflow code once per test run (global setup) and tells the suites where it is.
 * Global setup runs in jest's own process, so the file goes when that process exits.
 */
export async function bundleOnce(): Promise<void> {
  if (process.env.HUIYIN_TEST_BUNDLE) return;
  const { code } = await bundleWorkflowCode({ ...workflowCode, logger: quietLogger });
  const dir = mkdtempSync(path.join(tmpdir(), 'huiyin-workflows-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'workflows.js');
  writeFileSync(file, code);
  process.env.HUIYIN_TEST_BUNDLE = file;
}

export const workflowBundle = () => {
  const codePath = process.env.HUIYIN_TEST_BUNDLE;
  if (!codePath)
    throw new Error('HUIYIN_TEST_BUNDLE is not set: run the suite through jest (global setup bundles it)');
  return { codePath };
};

const noop = () => undefined;
const quietLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: console.warn,
  error: console.error,
  log: noop,
};
