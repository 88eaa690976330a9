/**
 * Replay of recorded histories (test/histories/*.json, made by record.ts): the
 * workflow code of today must reproduce every decision it made in runs recorded
 * before, or a deploy would break proposals already in flight.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/bundle';

const dir = path.join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

test.each(files)('%s replays without nondeterminism', async (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  await expect(
    Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history),
  ).resolves.toBeUndefined();
});
