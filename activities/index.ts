/**
 * The activity factory (samples-typescript `activities-dependency-injection`):
 * the worker passes real dependencies, tests pass their own.
 */
import { calendarActivities } from './calendar';
import { clockActivities } from './clocks';
import type { ActivityDeps } from './deps';
import { digestActivities } from './digest';
import { followUpActivities } from './follow-ups';
import { notifyActivities } from './notify';
import { outboxActivities } from './outbox';
import { proposalActivities } from './proposals';
import { supervisionActivities } from './supervision';
import { timelineActivities } from './timeline';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...calendarActivities(deps),
    ...clockActivities(deps),
    ...timelineActivities(deps),
    ...notifyActivities(deps),
    ...outboxActivities(deps),
    ...digestActivities(deps),
    ...proposalActivities(deps),
    ...followUpActivities(deps),
    ...supervisionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
