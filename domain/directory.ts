/**
 * The directory: people, units and supervision groups (domain.md §1, §3).
 * Ids are stable English codes (a user's id is also the login name); names are Chinese data.
 */
import { z } from 'zod';
import { roles, type Role } from './roles';

export const codeSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, '应为英文编码：字母、数字、点、横线或下划线，至多 64 个字符');

const nameSchema = z.string().trim().min(1, '不能为空').max(100);

/** A list without repeats; a repeat is reported at its own index. */
function distinct<T extends z.ZodType<string>>(entry: T) {
  return z.array(entry).superRefine((items, ctx) => {
    items.forEach((item, index) => {
      if (items.indexOf(item) !== index)
        ctx.addIssue({ code: 'custom', path: [index], message: `${item} 重复` });
    });
  });
}

/**
 * The record schema (id required, for POST and storage) and the PUT body schema (id optional: the
 * path names the record), sharing one shape and one set of cross-field rules.
 */
function recordSchemas<S extends z.ZodRawShape>(
  shape: S,
  refine: (record: z.output<z.ZodObject<S>>, ctx: z.RefinementCtx) => void = () => {},
) {
  // The rules never read `id`, so one function serves both (TypeScript cannot see that through S).
  const check = (record: object, ctx: z.RefinementCtx) => refine(record as z.output<z.ZodObject<S>>, ctx);
  return {
    record: z.strictObject({ id: codeSchema, ...shape }).superRefine(check),
    body: z.strictObject({ id: codeSchema.optional(), ...shape }).superRefine(check),
  };
}

export const unitKinds = ['handlingUnit', 'department'] as const;
export type UnitKind = (typeof unitKinds)[number];
export const unitKindLabels: Record<UnitKind, string> = {
  handlingUnit: '承办单位',
  department: '被监督单位',
};

/** Roles that act for one unit: without a unit they would see nothing and receive nothing. */
export const unitBoundRoles: readonly Role[] = ['unit', 'unitLeader', 'department'];

export const userSchemas = recordSchemas(
  {
    name: nameSchema,
    roles: distinct(z.enum(roles)).min(1, '至少一个角色'),
    unitId: codeSchema.optional(),
    groupId: codeSchema.optional(),
    email: z.email('邮箱格式不正确').optional(),
    phone: z
      .string()
      .regex(/^\+?[0-9][0-9 -]{4,19}$/, '电话号码格式不正确')
      .optional(),
    active: z.boolean().default(true),
  },
  (user, ctx) => {
    const bound = user.roles.filter((role) => unitBoundRoles.includes(role));
    if (bound.length > 0 && !user.unitId)
      ctx.addIssue({ code: 'custom', path: ['unitId'], message: `角色 ${bound.join('、')} 须填写所属单位` });
  },
);

export const unitSchemas = recordSchemas({
  name: nameSchema,
  kind: z.enum(unitKinds),
  leaderId: codeSchema.optional(),
  secretaryIds: distinct(codeSchema).default([]),
});

export const groupSchemas = recordSchemas(
  {
    name: nameSchema,
    leaderId: codeSchema,
    /** Everyone in the group, the leader included. */
    memberIds: distinct(codeSchema).min(1),
    secretaryId: codeSchema.optional(),
    /** The government department the group is posted to. */
    departmentId: codeSchema,
  },
  (group, ctx) => {
    if (!group.memberIds.includes(group.leaderId))
      ctx.addIssue({ code: 'custom', path: ['leaderId'], message: '组长须是小组成员（memberIds）之一' });
  },
);

export type UserRecord = z.output<typeof userSchemas.record>;
export type UnitRecord = z.output<typeof unitSchemas.record>;
export type GroupRecord = z.output<typeof groupSchemas.record>;

export interface DirectoryRecords {
  users: UserRecord;
  units: UnitRecord;
  groups: GroupRecord;
}
export type DirectoryCollection = keyof DirectoryRecords;

export const collectionLabels: Record<DirectoryCollection, string> = {
  users: '用户',
  units: '单位',
  groups: '监督小组',
};

/** A field of a record that names another record, which must exist (and be of `unitKind`, if given). */
export interface Reference {
  field: string;
  collection: DirectoryCollection;
  id: string;
  unitKind?: UnitKind;
}

const refs = (field: string, collection: DirectoryCollection, ids: string[], unitKind?: UnitKind) =>
  ids.map((id, index): Reference => ({ field: `${field}.${index}`, collection, id, unitKind }));
const ref = (field: string, collection: DirectoryCollection, id?: string, unitKind?: UnitKind) =>
  id === undefined ? [] : [{ field, collection, id, unitKind } satisfies Reference];

export const referencesOf: { [C in DirectoryCollection]: (record: DirectoryRecords[C]) => Reference[] } = {
  users: (user) => [...ref('unitId', 'units', user.unitId), ...ref('groupId', 'groups', user.groupId)],
  units: (unit) => [
    ...ref('leaderId', 'users', unit.leaderId),
    ...refs('secretaryIds', 'users', unit.secretaryIds),
  ],
  groups: (group) => [
    ...ref('leaderId', 'users', group.leaderId),
    ...refs('memberIds', 'users', group.memberIds),
    ...ref('secretaryId', 'users', group.secretaryId),
    ...ref('departmentId', 'units', group.departmentId, 'department'),
  ],
};

/** Why `reference` does not resolve to `target` (the record it names, undefined if none), or undefined. */
export function referenceProblem(reference: Reference, target: object | undefined): string | undefined {
  const what = collectionLabels[reference.collection];
  if (!target) return `${what} ${reference.id} 不存在`;
  if (reference.unitKind && (!('kind' in target) || target.kind !== reference.unitKind))
    return `${what} ${reference.id} 不是${unitKindLabels[reference.unitKind]}（${reference.unitKind}）`;
  return undefined;
}

/** The policy's group size (domain.md §3: 2–9 members, the leader included), or undefined when it fits. */
export function groupSizeProblem(
  memberCount: number,
  size: { min: number; max: number },
): string | undefined {
  if (memberCount >= size.min && memberCount <= size.max) return undefined;
  return `监督小组应有 ${size.min}–${size.max} 名成员（含组长），现为 ${memberCount} 名`;
}
