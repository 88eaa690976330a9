/**
 * Ids a request names that must resolve in the directory: proposers and co-signers (active members),
 * handling units, leading leaders. A miss is a 400 naming the field, never a workflow that waits on nobody.
 */
import type { UnitRecord, UserRecord } from '../../../domain/directory';
import type { Role } from '../../../domain/roles';
import type { Store } from '../../../store';
import { directory } from '../../../store/directory';
import { invalidFields, type FieldIssue } from '../../errors';

export type ReferenceKind = 'proposer' | 'member' | 'leader' | 'handlingUnit';

export interface Need {
  field: string;
  id: string;
  kind: ReferenceKind;
}

/** Who may be named as what (domain.md §1): the roles a user needs. */
const kindRoles: Record<Exclude<ReferenceKind, 'handlingUnit'>, readonly Role[]> = {
  proposer: ['member', 'organization'],
  member: ['member'],
  leader: ['leader'],
};
const kindLabels: Record<ReferenceKind, string> = {
  proposer: '委员或提案单位',
  member: '政协委员',
  leader: '督办领导',
  handlingUnit: '承办单位',
};

function userProblem(need: Need, user: UserRecord | undefined): string | undefined {
  if (!user) return `用户 ${need.id} 不存在`;
  if (!user.active) return `用户 ${need.id} 已停用`;
  const wanted = kindRoles[need.kind as keyof typeof kindRoles];
  return user.roles.some((r) => wanted.includes(r))
    ? undefined
    : `用户 ${need.id} 不是${kindLabels[need.kind]}`;
}

function unitProblem(need: Need, unit: UnitRecord | undefined): string | undefined {
  if (!unit) return `单位 ${need.id} 不存在`;
  return unit.kind === 'handlingUnit' ? undefined : `单位 ${need.id} 不是承办单位`;
}

/** The users named by `needs`, after checking every need; throws one 400 listing every problem. */
export async function resolveReferences(store: Store, needs: Need[]): Promise<Map<string, UserRecord>> {
  const unitNeeds = needs.filter((n) => n.kind === 'handlingUnit');
  const userNeeds = needs.filter((n) => n.kind !== 'handlingUnit');
  const [users, units] = await Promise.all([
    directory(store, 'users').some([...new Set(userNeeds.map((n) => n.id))]),
    directory(store, 'units').some([...new Set(unitNeeds.map((n) => n.id))]),
  ]);
  const userById = new Map(users.map((u) => [u.id, u]));
  const unitById = new Map(units.map((u) => [u.id, u]));
  const issues: FieldIssue[] = needs.flatMap((need) => {
    const problem =
      need.kind === 'handlingUnit'
        ? unitProblem(need, unitById.get(need.id))
        : userProblem(need, userById.get(need.id));
    return problem ? [{ field: need.field, message: problem }] : [];
  });
  if (issues.length > 0) throw invalidFields(issues);
  return userById;
}

/** Needs for a list field: one per entry, at its index. */
export const needsOf = (field: string, ids: string[], kind: ReferenceKind): Need[] =>
  ids.map((id, index) => ({ field: `${field}.${index}`, id, kind }));
