/**
 * Demo directory: one person per role, two handling units, a supervision group posted to a
 * department. Seeded in demo mode only; log in as any of them with POST /api/auth/dev-login.
 */
import type { GroupRecord, UnitRecord, UserRecord } from '../domain/directory';
import type { Role } from '../domain/roles';
import { directory, directoryChanged } from './directory';
import type { Store } from './index';

/** Demo people have a demo e-mail address, so demo notifications land in the mail folder (README). */
const user = (id: string, name: string, role: Role, where: { unitId?: string; groupId?: string } = {}) =>
  ({
    id,
    name,
    roles: [role],
    ...where,
    email: `${id}@demo.huiyin.example`,
    active: true,
  }) satisfies UserRecord;

/** A handling unit's three people: liaison `<key>`, `<key>-leader`, `<key>-secretary`. */
function handlingUnit(key: string, name: string, people: [string, string, string]) {
  const unitId = `unit-${key}`;
  const [liaison, leader, secretary] = people;
  return {
    unit: {
      id: unitId,
      name,
      kind: 'handlingUnit',
      leaderId: `${key}-leader`,
      secretaryIds: [`${key}-secretary`],
    } satisfies UnitRecord,
    users: [
      user(key, liaison, 'unit', { unitId }),
      user(`${key}-leader`, leader, 'unitLeader', { unitId }),
      user(`${key}-secretary`, secretary, 'secretary', { unitId }),
    ],
  };
}

const housing = handlingUnit('housing', '市住房和城乡建设局', ['赵强', '孙伟', '吴丽']);
const education = handlingUnit('education', '市教育局', ['郑敏', '冯涛', '韩雪']);

const ecology: UnitRecord = {
  id: 'dept-ecology',
  name: '市生态环境局',
  kind: 'department',
  secretaryIds: [],
};

const groupId = 'group-ecology';
const group: GroupRecord = {
  id: groupId,
  name: '派驻市生态环境局民主监督小组',
  leaderId: 'supervisor-he',
  memberIds: ['supervisor-he', 'supervisor-guo', 'supervisor-ma'],
  secretaryId: 'group-secretary',
  departmentId: ecology.id,
};

export const demoDirectory = {
  units: [housing.unit, education.unit, ecology],
  groups: [group],
  users: [
    user('admin', '系统管理员', 'admin'),
    user('committee', '陈静', 'committee'),
    user('leader', '刘建国', 'leader'),
    // The office's secretary works for the committee office: its staff role gives the body-wide digest.
    {
      ...user('committee-secretary', '周敏', 'secretary'),
      roles: ['secretary', 'committee'] satisfies Role[],
    },
    ...housing.users,
    ...education.users,
    user('member-zhang', '张华', 'member'),
    user('member-li', '李娜', 'member'),
    user('member-wang', '王磊', 'member'),
    user('org-minmeng', '民盟市委', 'organization'),
    user('supervisor-he', '何平', 'supervisor', { groupId }),
    user('supervisor-guo', '郭芳', 'supervisor', { groupId }),
    user('supervisor-ma', '马骏', 'supervisor', { groupId }),
    user('group-secretary', '林晓', 'secretary', { groupId }),
    user('ecology', '黄涛', 'department', { unitId: ecology.id }),
  ],
};

/**
 * Inserts the demo records that are missing and leaves existing ones alone, so running it again
 * changes nothing and an admin's edits in a demo survive a restart. Returns how many it inserted.
 */
export async function seedDemoDirectory(store: Store): Promise<number> {
  const collections = ['units', 'groups', 'users'] as const;
  const inserted = await Promise.all(
    collections.flatMap((c) => demoDirectory[c].map((record) => directory(store, c).create(record))),
  );
  // Demo users seeded before they had e-mail addresses get theirs, so demo mail reaches them.
  for (const { id, email } of demoDirectory.users)
    await store.users.updateOne({ _id: id, email: { $exists: false } }, { $set: { email } });
  await directoryChanged(store);
  return inserted.filter(Boolean).length;
}
