/**
 * Records workflow histories for the replay test: `npx tsx test/histories/record.ts`.
 * Run it before changing a workflow that already runs in production; commit the JSON.
 * The replay test then proves the changed code still replays what ran before.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleOnce } from '../helpers/bundle';
import { people, ProposalHarness } from '../helpers/proposal-harness';

async function main() {
  await bundleOnce();
  const h = new ProposalHarness();
  await h.setUp();
  try {
    await h.travelTo('2026-12-28T10:00:00+08:00');
    const handle = await h.start({ coSignerIds: [people.coSignerA] });
    await h.act(handle, 'cosign', { accept: true }, people.coSignerA);
    await h.act(handle, 'review', { decision: 'file' }, people.committee);
    const units = { leadUnitId: 'unit-housing', coHandlerUnitIds: ['unit-education'], parallelUnitIds: [] };
    await h.act(handle, 'assign', units, people.committee);
    await h.act(handle, 'signFor', { unitId: 'unit-housing' }, people.housing);
    await h.travelTo('2027-01-08T10:00:00+08:00'); // reminders and a chase notice on the way
    await h.act(handle, 'sendOpinion', { unitId: 'unit-education', text: '同意' }, people.education);
    await h.act(handle, 'recordContact', { unitId: 'unit-housing', method: 'inPerson' }, people.housing);
    const reply = { unitId: 'unit-housing', resultClass: 'A', text: '已解决' };
    await h.act(handle, 'reply', reply, people.housingLeader);
    await h.act(handle, 'feedback', { rating: 'satisfied' }, people.lead);
    await h.act(handle, 'feedback', { rating: 'basicallySatisfied' }, people.coSignerA);
    await handle.result();
    const history = await handle.fetchHistory();
    const file = path.join(__dirname, 'proposal-main-path.json');
    writeFileSync(file, historyToJSON(history));
    console.log(`wrote ${file} (${history.events?.length} events)`);
  } finally {
    await h.tearDown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
