import type { Auth } from '../../api/auth';
import type { UserRecord } from '../../domain/directory';
import { roles, type Caller, type Role } from '../../domain/roles';
import type { Store } from '../../store';
import { demoDirectory } from '../../store/demo';
import { directory } from '../../store/directory';
import type { Stack } from './stack';

/** An Authorization header value per role (no unit or group), minted up front so supertest chains stay sync. */
export async function tokensByRole(stack: Stack): Promise<Record<Role, string>> {
  const entries = await Promise.all(roles.map(async (role) => [role, await stack.bearer(role)] as const));
  return Object.fromEntries(entries) as Record<Role, string>;
}

/**
 * `Bearer …` for a test caller. The API reads roles, unit and group from the directory, so the person
 * is put there first (ensurePerson). Without an id: `test-<role>`, plus `.<unit>` / `.<group>`, so
 * callers of one role in different places are different people.
 */
export async function testBearer(store: Store, auth: Auth, role: Role, extra: Partial<Caller> = {}) {
  const id = extra.id ?? [`test-${role}`, extra.unitId, extra.groupId].filter(Boolean).join('.');
  const caller: Caller = { roles: [role], ...extra, id };
  await ensurePerson(store, caller);
  return `Bearer ${await auth.issue(caller)}`;
}

/**
 * Makes the directory agree with `caller`, as the API takes roles, unit and group from there: a
 * missing person is added (a demo user as store/demo.ts has them, anyone else as the caller says);
 * one who lacks a role, unit or group the caller names gets it.
 */
export async function ensurePerson(store: Store, caller: Caller): Promise<void> {
  const users = directory(store, 'users');
  const [existing] = await users.some([caller.id]);
  if (!existing) {
    await users.put(demoDirectory.users.find((u) => u.id === caller.id) ?? testPerson(caller));
    return;
  }
  const merged: UserRecord = {
    ...existing,
    roles: [...new Set([...existing.roles, ...caller.roles])],
    ...(caller.unitId !== undefined ? { unitId: caller.unitId } : {}),
    ...(caller.groupId !== undefined ? { groupId: caller.groupId } : {}),
  };
  if (JSON.stringify(merged) !== JSON.stringify(existing)) await users.put(merged);
}

const testPerson = ({ id, roles, unitId, groupId }: Caller): UserRecord => ({
  id,
  name: `测试用户 ${id}`,
  roles,
  ...(unitId ? { unitId } : {}),
  ...(groupId ? { groupId } : {}),
  active: true,
});
