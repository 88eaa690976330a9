/**
 * What a caller's board shows (domain.md §1): the panels and their titles. The API scopes every
 * list itself; this only picks the lists worth showing to each role.
 */

/**
 * @typedef {{ id: string, roles: string[], unitId?: string, groupId?: string }} Me
 * @typedef {{ key: 'proposals' | 'followUps' | 'postings' | 'statistics', title: string, filters: boolean }} Section
 */

/** @param {Me} me @param {string[]} roles */
export const hasRole = (me, ...roles) => me.roles.some((role) => roles.includes(role));

const bodyWide = ['committee', 'leader', 'admin'];

/** @type {[Section['key'], [(me: Me) => boolean, string, boolean][]][]} per panel: first match wins */
const panels = [
  [
    'proposals',
    [
      [(me) => hasRole(me, ...bodyWide), '提案', true],
      [
        (me) => Boolean(me.unitId) && hasRole(me, 'unit', 'unitLeader', 'secretary'),
        '本单位承办的提案',
        true,
      ],
      [(me) => hasRole(me, 'secretary') && !me.groupId, '提案', true],
      [(me) => hasRole(me, 'member', 'organization'), '我的提案', false],
    ],
  ],
  [
    'followUps',
    [
      [(me) => hasRole(me, ...bodyWide), '跟踪事项', true],
      [
        (me) => Boolean(me.unitId) && hasRole(me, 'unit', 'unitLeader', 'department', 'secretary'),
        '本单位的跟踪事项',
        true,
      ],
      [(me) => Boolean(me.groupId) && hasRole(me, 'supervisor', 'secretary'), '本小组的建议书', true],
      [(me) => hasRole(me, 'member', 'organization'), '与我有关的跟踪事项', false],
    ],
  ],
  [
    'postings',
    [
      [(me) => hasRole(me, ...bodyWide), '民主监督派驻', false],
      [(me) => Boolean(me.groupId) && hasRole(me, 'supervisor', 'secretary'), '本小组的派驻', false],
      [(me) => hasRole(me, 'department'), '派驻本单位的监督小组', false],
    ],
  ],
  [
    'statistics',
    [
      [(me) => hasRole(me, ...bodyWide), '办理统计', false],
      [(me) => Boolean(me.unitId) && hasRole(me, 'unit', 'unitLeader', 'secretary'), '本单位办理统计', false],
    ],
  ],
];

/**
 * The panels of a caller's board, in order (the inbox always comes first and is not listed).
 * @param {Me} me
 * @returns {Section[]}
 */
export function boardSections(me) {
  return panels.flatMap(([key, rules]) => {
    const rule = rules.find(([applies]) => applies(me));
    return rule ? [{ key, title: rule[1], filters: rule[2] }] : [];
  });
}
