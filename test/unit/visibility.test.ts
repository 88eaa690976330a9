/**
 * The one visibility rule per item kind (domain.md §1): unit scope for unit roles only, group scope
 * for group roles only, a returned assignment no longer seen, an inspection kept from the department,
 * and a secretary with nothing to serve getting an empty digest.
 */
import { digestScope, serves, type DigestClock } from '../../domain/digest';
import { maySee } from '../../domain/follow-up';
import { visibleTo } from '../../domain/proposal-summary';
import type { Caller, Role } from '../../domain/roles';
import { activityShared, maySeeActivity, maySeePosting } from '../../domain/supervision';

const caller = (role: Role, where: Partial<Caller> = {}): Caller => ({
  id: `p-${role}`,
  roles: [role],
  ...where,
});
const housing = { unitId: 'unit-housing' };

describe('proposals', () => {
  const proposal = { proposerIds: ['member-zhang'], unitIds: ['unit-housing'] };

  test.each([
    ['unit', true],
    ['unitLeader', true],
    ['secretary', true],
    ['member', false],
    ['organization', false],
    ['supervisor', false],
    ['department', false],
  ] as const)('%s carrying the handling unit’s id sees it: %s', (role, sees) => {
    expect(visibleTo(proposal, caller(role, housing))).toBe(sees);
  });

  test('a unit whose assignment was returned no longer sees it (unitIds hold active assignments)', () => {
    expect(visibleTo({ ...proposal, unitIds: ['unit-education'] }, caller('unit', housing))).toBe(false);
  });

  test('proposers and body-wide roles see it', () => {
    expect(visibleTo(proposal, { id: 'member-zhang', roles: ['member'] })).toBe(true);
    for (const role of ['committee', 'leader', 'admin'] as const)
      expect(visibleTo(proposal, caller(role))).toBe(true);
  });
});

describe('follow-up items', () => {
  const letter = { sender: { groupId: 'group-ecology' }, responder: { unitId: 'dept-ecology' } };

  test('unit scope for unit roles, group scope for group roles', () => {
    expect(maySee(caller('department', { unitId: 'dept-ecology' }), letter)).toBe(true);
    expect(maySee(caller('member', { unitId: 'dept-ecology' }), letter)).toBe(false);
    expect(maySee(caller('supervisor', { groupId: 'group-ecology' }), letter)).toBe(true);
    expect(maySee(caller('secretary', { groupId: 'group-ecology' }), letter)).toBe(true);
    expect(maySee(caller('member', { groupId: 'group-ecology' }), letter)).toBe(false);
    expect(maySee(caller('supervisor', { groupId: 'group-other' }), letter)).toBe(false);
  });
});

describe('supervision', () => {
  const posting = { groupId: 'group-ecology', departmentId: 'dept-ecology' };
  const department = caller('department', { unitId: 'dept-ecology' });
  const inspection = { kind: 'inspection' as const };

  test('the department sees the posting, its visits and meetings, not the group’s inspections', () => {
    expect(maySeePosting(department, posting)).toBe(true);
    expect(maySeeActivity(department, posting, { kind: 'visit' })).toBe(true);
    expect(maySeeActivity(department, posting, inspection)).toBe(false);
    expect(maySeeActivity(department, posting, { ...inspection, shared: true })).toBe(true);
    expect(maySeeActivity(department, posting, { kind: 'meeting', shared: false })).toBe(false);
  });

  test('the group, its secretary and body-wide staff see every activity; others none', () => {
    for (const who of [
      caller('supervisor', { groupId: 'group-ecology' }),
      caller('secretary', { groupId: 'group-ecology' }),
      caller('committee'),
      caller('leader'),
      caller('admin'),
    ])
      expect(maySeeActivity(who, posting, inspection)).toBe(true);
    expect(maySeeActivity(caller('supervisor', { groupId: 'group-other' }), posting, { kind: 'visit' })).toBe(
      false,
    );
  });

  test('rows recorded before the flag go by their kind', () => {
    expect(activityShared(inspection)).toBe(false);
    expect(activityShared({ kind: 'visit' })).toBe(true);
  });
});

describe('the digest', () => {
  const clock = { responsible: { unitId: 'unit-housing' } } as DigestClock;

  test('a secretary with no unit, group or body-wide role serves nothing', () => {
    const scope = digestScope({ id: 's', roles: ['secretary'] }, [], []);
    expect(scope).toEqual({ all: false, unitIds: [], groupIds: [] });
    expect(serves(scope, clock)).toBe(false);
  });

  test('an office secretary with a body-wide role serves every clock; a unit’s its unit', () => {
    expect(serves(digestScope({ id: 's', roles: ['secretary', 'committee'] }, [], []), clock)).toBe(true);
    expect(serves(digestScope({ id: 's', roles: ['secretary'], ...housing }, [], []), clock)).toBe(true);
  });
});
