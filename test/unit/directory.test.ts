import {
  groupSchemas,
  groupSizeProblem,
  referenceProblem,
  referencesOf,
  unitSchemas,
  userSchemas,
  type DirectoryCollection,
  type DirectoryRecords,
} from '../../domain/directory';
import { defaultPolicy } from '../../domain/policy';
import { roles } from '../../domain/roles';
import { demoDirectory } from '../../store/demo';

const fieldsOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues.map((issue) => issue.path.join('.')) ?? [];

describe('user records', () => {
  const user = { id: 'u-1', name: '张华', roles: ['member'] };

  it('are active unless said otherwise', () => {
    expect(userSchemas.record.parse(user)).toEqual({ ...user, active: true });
  });

  it('need a unit for roles that act for one', () => {
    for (const role of ['unit', 'unitLeader', 'department'])
      expect(fieldsOf(userSchemas.record.safeParse({ ...user, roles: [role] }))).toEqual(['unitId']);
    expect(userSchemas.record.safeParse({ ...user, roles: ['secretary'] }).success).toBe(true);
  });

  it('list each role once', () => {
    expect(fieldsOf(userSchemas.record.safeParse({ ...user, roles: ['member', 'member'] }))).toEqual([
      'roles.1',
    ]);
  });

  it('may leave the id out of a PUT body, but not out of a record', () => {
    const body = { name: user.name, roles: user.roles };
    expect(userSchemas.body.safeParse(body).success).toBe(true);
    expect(fieldsOf(userSchemas.record.safeParse(body))).toEqual(['id']);
  });
});

describe('unit and group records', () => {
  it('a unit starts without secretaries', () => {
    expect(
      unitSchemas.record.parse({ id: 'unit-a', name: '某局', kind: 'handlingUnit' }).secretaryIds,
    ).toEqual([]);
  });

  it('a group’s leader is one of its members', () => {
    const group = { id: 'g', name: '小组', leaderId: 'a', memberIds: ['b', 'c'], departmentId: 'd' };
    expect(fieldsOf(groupSchemas.record.safeParse(group))).toEqual(['leaderId']);
  });
});

describe('references', () => {
  it('name the field, with the index inside a list', () => {
    const group = demoDirectory.groups[0];
    expect(referencesOf.groups(group).map((r) => r.field)).toEqual([
      'leaderId',
      'memberIds.0',
      'memberIds.1',
      'memberIds.2',
      'secretaryId',
      'departmentId',
    ]);
    expect(referencesOf.users({ id: 'u', name: 'n', roles: ['member'], active: true })).toEqual([]);
  });

  it('resolve only to an existing record of the kind asked for', () => {
    const [department] = referencesOf
      .groups(demoDirectory.groups[0])
      .filter((r) => r.field === 'departmentId');
    expect(referenceProblem(department, undefined)).toBe('单位 dept-ecology 不存在');
    expect(referenceProblem(department, { kind: 'handlingUnit' })).toBe(
      '单位 dept-ecology 不是被监督单位（department）',
    );
    expect(referenceProblem(department, { kind: 'department' })).toBeUndefined();
  });
});

describe('group size', () => {
  const size = defaultPolicy.supervision.groupSize;
  it.each([
    [1, false],
    [2, true],
    [9, true],
    [10, false],
  ])('%i members fit the default 2–9: %s', (count, fits) => {
    expect(groupSizeProblem(count, size) === undefined).toBe(fits);
  });
});

describe('the demo directory', () => {
  const collections = ['users', 'units', 'groups'] as const;
  const schemaOf = { users: userSchemas, units: unitSchemas, groups: groupSchemas };
  const records = <C extends DirectoryCollection>(c: C) => demoDirectory[c] as DirectoryRecords[C][];

  it('holds valid records only, with unique ids', () => {
    for (const c of collections) {
      for (const record of records(c)) expect(schemaOf[c].record.parse(record)).toEqual(record);
      const ids = records(c).map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('refers only to records it holds, of the right kind', () => {
    const byId = new Map(collections.flatMap((c) => records(c).map((r) => [`${c}/${r.id}`, r] as const)));
    for (const c of collections)
      for (const record of records(c))
        for (const reference of referencesOf[c](record as never))
          expect([
            reference.field,
            referenceProblem(reference, byId.get(`${reference.collection}/${reference.id}`)),
          ]).toEqual([reference.field, undefined]);
  });

  it('has someone in every role, short typeable usernames, and a group of allowed size', () => {
    const held = new Set(demoDirectory.users.flatMap((u) => u.roles));
    expect([...roles].filter((role) => !held.has(role))).toEqual([]);
    for (const { id } of demoDirectory.users) expect(id).toMatch(/^[a-z][a-z-]{2,20}$/);
    for (const group of demoDirectory.groups)
      expect(groupSizeProblem(group.memberIds.length, defaultPolicy.supervision.groupSize)).toBeUndefined();
  });
});
