/**
 * What the supervision and follow-up integration suites share: tokens for the demo directory's
 * people (as the dev-login would issue them), polling, and a drill policy in seconds.
 */
import { defaultPolicy, type Policy } from '../../domain/policy';
import type { Role } from '../../domain/roles';
import type { TimeLimit } from '../../domain/time';
import type { Stack } from './stack';

/** Demo users (store/demo.ts) and two outsiders, with their roles and unit or group. */
const people = {
  committee: ['committee', {}],
  leader: ['leader', {}],
  admin: ['admin', {}],
  ecology: ['department', { unitId: 'dept-ecology' }],
  housing: ['unit', { unitId: 'unit-housing' }],
  education: ['unit', { unitId: 'unit-education' }],
  'supervisor-he': ['supervisor', { groupId: 'group-ecology' }],
  'supervisor-guo': ['supervisor', { groupId: 'group-ecology' }],
  'group-secretary': ['secretary', { groupId: 'group-ecology' }],
  'member-zhang': ['member', {}],
  /** A supervisor of another group. */
  'supervisor-other': ['supervisor', { groupId: 'group-other' }],
} satisfies Record<string, [Role, { unitId?: string; groupId?: string }]>;
export type Person = keyof typeof people;

export async function peopleTokens(stack: Stack): Promise<Record<Person, string>> {
  const entries = await Promise.all(
    Object.entries(people).map(async ([id, [role, where]]) => [
      id,
      await stack.bearer(role, { id, ...where }),
    ]),
  );
  return Object.fromEntries(entries);
}

export async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const seconds = (amount: number) => ({ amount, unit: 'seconds' as const }) satisfies TimeLimit;

/** Follow-up clocks in seconds and ladders that escalate within seconds: whole lifecycles in a test. */
export const drillPolicy: Policy = {
  ...defaultPolicy,
  ladders: {
    ...defaultPolicy.ladders,
    standard: [
      { step: 'reminder', kind: 'reminder', offset: seconds(-2), to: ['responsible', 'secretary'] },
      { step: 'chaseNotice', kind: 'chaseNotice', offset: seconds(1), to: ['unitLeader', 'committee'] },
      { step: 'supervision', kind: 'supervisionEscalation', offset: seconds(2), to: ['leader'] },
      { step: 'publicNotice', kind: 'publicNotice', offset: seconds(3), to: ['reportList'] },
    ],
    reminderOnly: [{ step: 'reminder', kind: 'reminder', offset: seconds(-1), to: ['responsible'] }],
  },
  clocks: {
    ...defaultPolicy.clocks,
    acknowledge: { ...defaultPolicy.clocks.acknowledge, limit: seconds(3) },
    response: { ...defaultPolicy.clocks.response, limit: seconds(6) },
    evaluation: { ...defaultPolicy.clocks.evaluation, limit: seconds(4) },
    followUpCheckIn: { ...defaultPolicy.clocks.followUpCheckIn, limit: seconds(4) },
    checkIn: { ...defaultPolicy.clocks.checkIn, limit: seconds(5) },
  },
  supervision: { ...defaultPolicy.supervision, term: seconds(30) },
};
