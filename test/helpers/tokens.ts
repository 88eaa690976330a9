import { roles, type Role } from '../../domain/roles';
import type { Stack } from './stack';

/** An Authorization header value per role (no unit or group), minted up front so supertest chains stay sync. */
export async function tokensByRole(stack: Stack): Promise<Record<Role, string>> {
  const entries = await Promise.all(roles.map(async (role) => [role, await stack.bearer(role)] as const));
  return Object.fromEntries(entries) as Record<Role, string>;
}
