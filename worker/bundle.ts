// Prebundles workflow code so production workers start fast and run exactly what was tested.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundlePath, workflowCode } from './worker';

async function main() {
  const { code } = await bundleWorkflowCode(workflowCode);
  mkdirSync(path.dirname(workflowBundlePath), { recursive: true });
  writeFileSync(workflowBundlePath, code);
  console.log(`Workflow bundle written to ${workflowBundlePath} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
