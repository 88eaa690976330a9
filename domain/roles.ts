/** Who uses Huiyin (domain.md §1): stable codes, Chinese labels as data. */
export const roles = [
  'member',
  'organization',
  'committee',
  'leader',
  'unit',
  'unitLeader',
  'supervisor',
  'department',
  'secretary',
  'admin',
] as const;
export type Role = (typeof roles)[number];

export const roleLabels: Record<Role, string> = {
  member: '政协委员',
  organization: '党派团体/专委会',
  committee: '提案委员会办公室',
  leader: '督办领导',
  unit: '承办单位联络员',
  unitLeader: '承办单位负责人',
  supervisor: '民主监督员',
  department: '被监督单位',
  secretary: '秘书',
  admin: '系统管理员',
};

/** The authenticated person behind a request. */
export interface Caller {
  id: string;
  roles: Role[];
  /** The handling unit or supervised department the person belongs to. */
  unitId?: string;
  /** The supervision group the person belongs to. */
  groupId?: string;
}

/** Leaders and committee staff see everything of their body (domain.md §1); admins administer it. */
export const bodyWideRoles: readonly Role[] = ['committee', 'leader', 'admin'];

/** Everyone with proposals to read (proposers, body-wide staff, handling units); each is scoped apart. */
export const proposalReaderRoles: readonly Role[] = [
  'member',
  'organization',
  ...bodyWideRoles,
  'unit',
  'unitLeader',
  'secretary',
];

export const hasRole = (caller: Caller, ...wanted: readonly Role[]) =>
  caller.roles.some((r) => wanted.includes(r));

export const seesEverything = (caller: Caller) => hasRole(caller, ...bodyWideRoles);

/** Roles that act for the unit a person belongs to: a handling unit's or a supervised department's people. */
export const unitRoles: readonly Role[] = ['unit', 'unitLeader', 'secretary', 'department'];

/** Roles that act for a supervision group: its supervisors and its secretary. */
export const groupRoles: readonly Role[] = ['supervisor', 'secretary'];

/**
 * A unit's people see and act on their own unit's items only. Unit scope is for unit roles: a member
 * who happens to carry a unitId (say, an official who sits on the CPPCC) gains nothing from it.
 */
export const belongsToUnit = (caller: Caller, unitId: string) =>
  caller.unitId === unitId && hasRole(caller, ...unitRoles);

/** A supervision group sees its own posting; group scope is for group roles, as unit scope is. */
export const belongsToGroup = (caller: Caller, groupId: string) =>
  caller.groupId === groupId && hasRole(caller, ...groupRoles);
