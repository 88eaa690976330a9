/**
 * The directory API: users, units and supervision groups share one set of four endpoints each
 * (list, read, create, upsert), and `GET /api/me` tells anyone who they are.
 */
import { z } from 'zod';
import {
  codeSchema,
  collectionLabels,
  groupSchemas,
  groupSizeProblem,
  referenceProblem,
  referencesOf,
  unitKinds,
  unitSchemas,
  userSchemas,
  type DirectoryCollection,
  type DirectoryRecords,
  type Reference,
} from '../../domain/directory';
import { roles, seesEverything, type Caller, type Role } from '../../domain/roles';
import { directory, type DirectoryFilter } from '../../store/directory';
import type { Store } from '../../store';
import { currentPolicy } from '../../store/policy';
import type { AppDeps } from '../deps';
import { conflict, forbidden, invalidFields, notFound, type FieldIssue } from '../errors';
import { route, type Api } from '../route';

/** Body-wide roles read everything; the others read what their unit or group scope allows. */
const readers: readonly Role[] = [
  'committee',
  'leader',
  'admin',
  'unit',
  'unitLeader',
  'secretary',
  'department',
  'supervisor',
];

type Scope = (caller: Caller, store: Store) => Promise<(DirectoryFilter | false)[]>;

/**
 * What a caller outside the body-wide roles sees: a unit's people their unit and the groups posted to
 * it; a group's people their group, its members and the department it is posted to.
 */
const scopes: { [C in DirectoryCollection]: Scope } = {
  users: async ({ unitId, groupId }) => [!!unitId && { unitId }, !!groupId && { groupId }],
  units: async ({ unitId, groupId }, store) => {
    const group = groupId ? await directory(store, 'groups').get(groupId) : undefined;
    return [!!unitId && { _id: unitId }, !!group && { _id: group.departmentId }];
  },
  groups: async ({ unitId, groupId }) => [
    !!groupId && { _id: groupId },
    !!unitId && { departmentId: unitId },
  ],
};

/** The filter of what `caller` may read, or undefined when they belong to no unit or group. */
async function scopeOf(
  collection: DirectoryCollection,
  caller: Caller,
  store: Store,
): Promise<DirectoryFilter | undefined> {
  if (seesEverything(caller)) return {};
  const filters = (await scopes[collection](caller, store)).filter((f): f is DirectoryFilter => f !== false);
  return filters.length === 0 ? undefined : { $or: filters };
}

const nothing: DirectoryFilter = { _id: { $in: [] } };

/** Checks that go beyond the record itself: here, the group size the policy in force allows. */
const policyChecks: Partial<{
  [C in DirectoryCollection]: (store: Store, record: DirectoryRecords[C]) => Promise<FieldIssue[]>;
}> = {
  groups: async (store, group) => {
    const { policy } = await currentPolicy(store);
    const problem = groupSizeProblem(group.memberIds.length, policy.supervision.groupSize);
    return problem ? [{ field: 'memberIds', message: problem }] : [];
  },
};

async function referenceIssues(store: Store, references: Reference[]): Promise<FieldIssue[]> {
  const key = (collection: DirectoryCollection, id: string) => `${collection}/${id}`;
  const found = new Map<string, object>();
  for (const collection of new Set(references.map((r) => r.collection))) {
    const ids = references.filter((r) => r.collection === collection).map((r) => r.id);
    for (const record of await directory(store, collection).some(ids))
      found.set(key(collection, record.id), record);
  }
  return references.flatMap((reference) => {
    const problem = referenceProblem(reference, found.get(key(reference.collection, reference.id)));
    return problem ? [{ field: reference.field, message: problem }] : [];
  });
}

/** Refuses a record whose references do not resolve or that the policy does not allow, naming the fields. */
async function validate<C extends DirectoryCollection>(
  store: Store,
  collection: C,
  record: DirectoryRecords[C],
) {
  const issues = [
    ...(await referenceIssues(store, referencesOf[collection](record))),
    ...((await policyChecks[collection]?.(store, record)) ?? []),
  ];
  if (issues.length > 0) throw invalidFields(issues.map((i) => ({ ...i, field: `body.${i.field}` })));
}

const schemas = { users: userSchemas, units: unitSchemas, groups: groupSchemas };
const idParams = z.object({ id: codeSchema });

function collectionRoutes<C extends DirectoryCollection>({ store }: AppDeps, api: Api, collection: C) {
  const label = collectionLabels[collection];
  const path = `/api/${collection}`;
  const tags = ['directory'];
  const records = directory(store, collection);
  // TypeScript cannot narrow `schemas[collection]` by the generic C: name the record type they produce.
  const record = schemas[collection].record as unknown as z.ZodType<DirectoryRecords[C]>;
  const body = schemas[collection].body as unknown as z.ZodType<
    Omit<DirectoryRecords[C], 'id'> & { id?: string }
  >;

  route(api, {
    method: 'get',
    path,
    summary: `${label}列表（本单位/本小组人员只见本单位/本小组）`,
    tags,
    roles: readers,
    response: z.object({ items: z.array(record) }),
    handler: async ({ caller }) => {
      const scope = await scopeOf(collection, caller, store);
      if (!scope) throw forbidden('只能查看本单位或本小组的信息');
      return { items: await records.list(scope) };
    },
  });

  route(api, {
    method: 'get',
    path: `${path}/:id`,
    summary: `查看${label}`,
    tags,
    roles: readers,
    params: idParams,
    response: record,
    handler: async ({ params, caller }) => {
      const found = await records.get(params.id, (await scopeOf(collection, caller, store)) ?? nothing);
      // Out of scope answers as not existing.
      if (found) return found;
      throw notFound(`${label} ${params.id}`);
    },
  });

  route(api, {
    method: 'post',
    path,
    summary: `新建${label}（编号已存在则 409）`,
    tags,
    roles: ['admin'],
    body: record,
    status: 201,
    response: record,
    handler: async ({ body }) => {
      await validate(store, collection, body);
      if (!(await records.create(body))) throw conflict(`${label} ${body.id} 已存在`, { id: body.id });
      return body;
    },
  });

  route(api, {
    method: 'put',
    path: `${path}/:id`,
    summary: `新建或整体替换${label}（幂等）`,
    tags,
    roles: ['admin'],
    params: idParams,
    body,
    response: record,
    handler: async ({ params, body }) => {
      if (body.id !== undefined && body.id !== params.id)
        throw invalidFields([{ field: 'body.id', message: `与路径中的编号 ${params.id} 不一致` }]);
      const full = { ...body, id: params.id } as DirectoryRecords[C];
      await validate(store, collection, full);
      await records.put(full);
      return full;
    },
  });
}

const meSchema = z.object({
  id: z.string(),
  roles: z.array(z.enum(roles)).describe('The roles of the token in use'),
  unitId: z.string().optional(),
  groupId: z.string().optional(),
  user: userSchemas.record.nullable().describe('The directory record; null if the directory lacks it'),
  unit: z.object({ id: z.string(), name: z.string(), kind: z.enum(unitKinds) }).nullable(),
  group: z.object({ id: z.string(), name: z.string() }).nullable(),
});

export function directoryRoutes(deps: AppDeps, api: Api) {
  const { store } = deps;
  route(api, {
    method: 'get',
    path: '/api/me',
    summary: '当前登录用户：目录记录、角色、所属单位或小组',
    tags: ['directory'],
    roles,
    response: meSchema,
    handler: async ({ caller }) => {
      const find = <C extends DirectoryCollection>(collection: C, id?: string) =>
        id === undefined ? undefined : directory(store, collection).get(id);
      const [user, unit, group] = await Promise.all([
        find('users', caller.id),
        find('units', caller.unitId),
        find('groups', caller.groupId),
      ]);
      return {
        ...caller,
        user: user ?? null,
        unit: unit ? { id: unit.id, name: unit.name, kind: unit.kind } : null,
        group: group ? { id: group.id, name: group.name } : null,
      };
    },
  });
  for (const collection of ['users', 'units', 'groups'] as const) collectionRoutes(deps, api, collection);
}
