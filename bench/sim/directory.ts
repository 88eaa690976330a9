/**
 * The body the simulation runs: the demo directory (store/demo.ts) plus the handling units, members
 * and organizations a city CPPCC has, and a second supervision group. Each handling unit has a
 * liaison `<key>`, a leader `<key>-leader` and a secretary `<key>-secretary`, as the demo units do.
 */
import type { GroupRecord, UnitRecord, UserRecord } from '../../domain/directory';
import type { Role } from '../../domain/roles';
import type { Store } from '../../store';
import { seedDemoDirectory } from '../../store/demo';
import { directory } from '../../store/directory';

const user = (id: string, name: string, role: Role, where: { unitId?: string; groupId?: string } = {}) =>
  ({
    id,
    name,
    roles: [role],
    ...where,
    email: `${id}@sim.huiyin.example`,
    active: true,
  }) satisfies UserRecord;

/** Handling units by key, with the topics they mostly answer (the demo's housing and education included). */
export const handlingUnits: { key: string; name: string; topics: string[] }[] = [
  { key: 'housing', name: '市住房和城乡建设局', topics: ['城乡建设'] },
  { key: 'education', name: '市教育局', topics: ['教育'] },
  { key: 'health', name: '市卫生健康委员会', topics: ['医疗卫生'] },
  { key: 'transport', name: '市交通运输局', topics: ['城乡建设', '社会治理'] },
  { key: 'ecoenv', name: '市生态环境局（承办）', topics: ['生态环境'] },
  { key: 'agri', name: '市农业农村局', topics: ['农业农村'] },
  { key: 'culture', name: '市文化广电旅游局', topics: ['文化旅游'] },
  { key: 'commerce', name: '市商务局', topics: ['经济发展'] },
  { key: 'civil', name: '市民政局', topics: ['社会治理'] },
  { key: 'hrss', name: '市人力资源和社会保障局', topics: ['经济发展', '社会治理'] },
];

export const unitId = (key: string) => `unit-${key}`;
export const liaisonOf = (unitIdValue: string) => unitIdValue.replace(/^unit-/, '');
export const unitLeaderOf = (unitIdValue: string) => `${liaisonOf(unitIdValue)}-leader`;

export const topics = [...new Set(handlingUnits.flatMap((u) => u.topics))];

export const members = Array.from({ length: 120 }, (_, i) => `sim-member-${String(i + 1).padStart(3, '0')}`);
export const organizations = [
  'org-minmeng',
  'sim-org-minjian',
  'sim-org-minjin',
  'sim-org-nonggong',
  'sim-org-jiusan',
  'sim-org-zhigong',
  'sim-org-gongshanglian',
  'sim-org-funv',
];
export const leaders = ['leader', 'sim-leader-2', 'sim-leader-3'];
export const committeeStaff = ['committee', 'sim-committee-2'];

/** Supervision groups and the departments they are posted to (the demo's ecology group first). */
export const groups = [
  {
    groupId: 'group-ecology',
    departmentId: 'dept-ecology',
    supervisors: ['supervisor-he', 'supervisor-guo'],
    department: 'ecology',
  },
  {
    groupId: 'sim-group-water',
    departmentId: 'sim-dept-water',
    supervisors: ['sim-supervisor-1', 'sim-supervisor-2'],
    department: 'sim-water',
  },
];

export async function seedSimDirectory(store: Store): Promise<void> {
  await seedDemoDirectory(store);
  const units: UnitRecord[] = [];
  const users: UserRecord[] = [];
  for (const { key, name } of handlingUnits) {
    const id = unitId(key);
    units.push({
      id,
      name,
      kind: 'handlingUnit',
      leaderId: `${key}-leader`,
      secretaryIds: [`${key}-secretary`],
    });
    users.push(
      user(key, `${name}联络员`, 'unit', { unitId: id }),
      user(`${key}-leader`, `${name}负责人`, 'unitLeader', { unitId: id }),
      user(`${key}-secretary`, `${name}秘书`, 'secretary', { unitId: id }),
    );
  }
  units.push({ id: 'sim-dept-water', name: '市水务局', kind: 'department', secretaryIds: [] });
  users.push(user('sim-water', '市水务局联络员', 'department', { unitId: 'sim-dept-water' }));
  const water: GroupRecord = {
    id: 'sim-group-water',
    name: '派驻市水务局民主监督小组',
    leaderId: 'sim-supervisor-1',
    memberIds: ['sim-supervisor-1', 'sim-supervisor-2', 'sim-supervisor-3'],
    secretaryId: 'sim-group-secretary',
    departmentId: 'sim-dept-water',
  };
  users.push(
    ...water.memberIds.map((id, i) => user(id, `监督员${i + 1}`, 'supervisor', { groupId: water.id })),
    user('sim-group-secretary', '水务小组秘书', 'secretary', { groupId: water.id }),
    ...members.map((id, i) => user(id, `委员${i + 1}`, 'member')),
    ...organizations
      .filter((id) => id.startsWith('sim-'))
      .map((id, i) => user(id, `党派团体${i + 1}`, 'organization')),
    user('sim-leader-2', '督办领导二', 'leader'),
    user('sim-leader-3', '督办领导三', 'leader'),
    user('sim-committee-2', '提案委员会办公室二', 'committee'),
  );
  for (const record of units) await directory(store, 'units').put(record);
  await directory(store, 'groups').put(water);
  for (const record of users) await directory(store, 'users').put(record);
}
