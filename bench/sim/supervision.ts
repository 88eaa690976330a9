/**
 * A supervision group's year on its posting (domain.md §3): posted at the start of the year, it logs
 * visits, unannounced inspections and meetings, and sends its recommendation letters — usually one a
 * quarter, sometimes two, now and then none (the quarter's window then reminds its secretary and
 * expires). Each letter is a follow-up item its department answers (follow-ups.ts `letterActor`).
 */
import {
  postingWorkflowId,
  postingActivityKinds,
  type PostingCommand,
  type PostingInput,
} from '../../domain/supervision';
import { dateOf } from '../../domain/time';
import type { PostingActResult } from '../../workflows/supervision-posting';
import { groups } from './directory';
import { letterActor } from './follow-ups';
import type { Rng } from './rng';
import { timeTools, update, type World } from './world';

export const postingShares = { lettersPerQuarter: { 0: 10, 1: 60, 2: 30 }, activities: [4, 8] as const };

export async function postingActor(world: World, group: (typeof groups)[number], rng: Rng) {
  const t = timeTools(world, rng);
  const { cal, year } = world;
  await world.sim.at(t.at(cal.nextWorkingDay(`${year}-01-04`), '09:30'));
  const postingId = `${group.groupId}-${dateOf(world.sim.now)}`;
  const input: PostingInput = {
    postingId,
    groupId: group.groupId,
    departmentId: group.departmentId,
    policy: world.policy,
    policyVersion: world.policyVersion,
  };
  const handle = await world.client.workflow.start('supervisionPosting', {
    workflowId: postingWorkflowId(postingId),
    taskQueue: world.taskQueue,
    args: [input],
  });
  world.started.postings.push(postingWorkflowId(postingId));
  world.paths.add('posting.started');

  // The year's agenda: letters per quarter and logged activities, in time order.
  const events: { at: number; command: () => PostingCommand; letter: boolean }[] = [];
  const inRange = (from: string, to: string) => {
    const last = cal.addWorkingDays(to, -2);
    const first = cal.nextWorkingDay(from);
    const days: string[] = [];
    for (let d = first; d <= last; d = cal.addWorkingDays(d, 1)) days.push(d);
    return t.at(rng.pick(days));
  };
  for (const [q, [from, to]] of [
    ['01-11', '03-31'],
    ['04-01', '06-30'],
    ['07-01', '09-30'],
    ['10-01', '12-31'],
  ].entries()) {
    const count = Number(rng.weighted(postingShares.lettersPerQuarter));
    for (let i = 0; i < count; i++) {
      const by = rng.pick(group.supervisors);
      events.push({
        at: inRange(`${year}-${from}`, `${year}-${to}`),
        letter: true,
        command: () => ({
          action: 'sendLetter',
          by,
          title: `关于第 ${q + 1} 季度监督发现问题整改的建议（${i + 1}）`,
          content: '监督中发现的问题及整改建议……',
          policy: world.policy,
          policyVersion: world.policyVersion,
        }),
      });
    }
  }
  for (let i = rng.int(...postingShares.activities); i > 0; i--) {
    const by = rng.pick(group.supervisors);
    const kind = rng.pick(postingActivityKinds);
    events.push({
      at: inRange(`${year}-01-11`, `${year}-12-31`),
      letter: false,
      command: () => ({
        action: 'logActivity',
        by,
        kind,
        date: dateOf(world.sim.now),
        summary: '监督小组履职活动',
        participants: group.supervisors,
      }),
    });
  }
  events.sort((a, b) => a.at - b.at);
  for (const event of events) {
    if (event.at > world.end) break;
    await world.sim.at(event.at);
    const command = event.command();
    const done = await update<PostingActResult>(world, handle, command, `posting.${command.action}`);
    if (!done.ok) continue;
    if (command.action === 'logActivity') world.paths.add(`posting.activity.${command.kind}`);
    if (event.letter && done.value.created) {
      world.paths.add('letter.sent');
      const followUpId = done.value.created;
      const supervisor = command.by;
      world.sim.spawn(followUpId, () =>
        letterActor(world, followUpId, group.department, supervisor, rng.fork()),
      );
    }
  }
}
