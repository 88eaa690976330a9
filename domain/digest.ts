/**
 * The secretaries' daily digest (domain.md §5): what is due soon, overdue, escalated or newly assigned
 * for the units and groups a secretary serves, read from the clocks read model.
 */
import type { WorkingCalendar } from './calendar';
import { stepKindLabels, type Responsible, type StepKind } from './ladder';
import { itemLink, type Message } from './notifications';
import { seesEverything, type Role } from './roles';
import { atTimeOfDay, dateOf } from './time';

/** The fields of a running clock the digest reads. */
export interface DigestClock {
  itemId: string;
  clockId: string;
  code: string;
  label: string;
  due: string;
  dueAt: number;
  overdue: boolean;
  escalation?: StepKind | null;
  startedAt: number;
  responsible: Responsible;
}

/** Sections in order; a clock is listed once, in the first section it belongs to. */
export const digestSections = ['escalated', 'overdue', 'newlyAssigned', 'dueSoon'] as const;
export type DigestSection = (typeof digestSections)[number];

export const digestSectionLabels: Record<DigestSection, string> = {
  escalated: '已催办/督办',
  overdue: '已逾期',
  newlyAssigned: '新交办待签收',
  dueSoon: '5 个工作日内到期',
};

export interface DigestDay {
  /** The working day the digest is for. */
  date: string;
  /** When the previous working day's digest ran: "newly assigned" means started since then. */
  since: number;
  /** Clocks due on or before this date are "due soon". */
  dueBy: string;
}

/** The digest day of `at`, or undefined on a non-working day (no digest then). */
export function digestDay(
  cal: WorkingCalendar,
  at: number,
  time: string,
  dueWithin = 5,
): DigestDay | undefined {
  const date = dateOf(at);
  if (!cal.isWorkingDay(date)) return undefined;
  return {
    date,
    since: atTimeOfDay(cal.addWorkingDays(date, -1), time),
    dueBy: cal.addWorkingDays(date, dueWithin),
  };
}

/** The clock code whose start means a unit has just been assigned an item (签收 is its first step). */
export const newlyAssignedCode = 'signFor';

function sectionOf(clock: DigestClock, day: DigestDay, now: number): DigestSection | undefined {
  if (clock.escalation && clock.escalation !== 'reminder') return 'escalated';
  if (clock.overdue || clock.dueAt < now) return 'overdue';
  if (clock.code === newlyAssignedCode && clock.startedAt >= day.since) return 'newlyAssigned';
  if (clock.due <= day.dueBy) return 'dueSoon';
  return undefined;
}

export type DigestContent = Record<DigestSection, DigestClock[]>;

/** Sorts running clocks into the digest's sections, each earliest deadline first. */
export function sortIntoSections(clocks: DigestClock[], day: DigestDay, now: number): DigestContent {
  const content: DigestContent = { escalated: [], overdue: [], newlyAssigned: [], dueSoon: [] };
  for (const clock of [...clocks].sort((a, b) => a.dueAt - b.dueAt)) {
    const section = sectionOf(clock, day, now);
    if (section) content[section].push(clock);
  }
  return content;
}

export const isEmptyDigest = (content: DigestContent) => digestSections.every((s) => content[s].length === 0);

/** The units and groups a secretary serves; committee-office secretaries (`all`) serve every clock. */
export interface DigestScope {
  all: boolean;
  unitIds: string[];
  groupIds: string[];
}

export function serves(scope: DigestScope, { responsible }: DigestClock): boolean {
  if (scope.all) return true;
  return (
    (!!responsible.unitId && scope.unitIds.includes(responsible.unitId)) ||
    (!!responsible.groupId && scope.groupIds.includes(responsible.groupId))
  );
}

function line(clock: DigestClock, publicUrl: string): string {
  const escalation = clock.escalation ? `，已${stepKindLabels[clock.escalation]}` : '';
  return `- ${clock.itemId} ${clock.label}：期限 ${clock.due}${escalation}  ${itemLink(publicUrl, clock.itemId)}`;
}

/** The digest as a message: one block per non-empty section. */
export function digestMessage(
  name: string,
  day: DigestDay,
  content: DigestContent,
  publicUrl: string,
): Message {
  const counts = digestSections
    .filter((s) => content[s].length > 0)
    .map((s) => `${digestSectionLabels[s]} ${content[s].length} 件`);
  const blocks = digestSections
    .filter((s) => content[s].length > 0)
    .map((s) => [`【${digestSectionLabels[s]}】`, ...content[s].map((c) => line(c, publicUrl))].join('\n'));
  const link = `${publicUrl.replace(/\/$/, '')}/`;
  return {
    subject: `【回音】每日提醒 ${day.date}：${counts.join('，')}`,
    text: [
      `${name}，您好！以下是 ${day.date} 您所服务单位的办理事项汇总：`,
      '',
      ...blocks,
      '',
      `登录查看：${link}`,
    ].join('\n'),
    link,
  };
}

/**
 * The units and groups `user` serves as secretary: named on the unit or group, or their own. Only a
 * secretary of the committee office — one who also holds a body-wide role — serves every clock; a
 * secretary with no unit, group or such role serves nothing, so their digest is empty, never everyone's.
 */
export function digestScope(
  user: { id: string; roles: readonly Role[]; unitId?: string; groupId?: string },
  units: { id: string; secretaryIds: string[] }[],
  groups: { id: string; secretaryId?: string }[],
): DigestScope {
  const own = (id?: string) => (id ? [id] : []);
  const unitIds = [
    ...new Set([
      ...units.filter((u) => u.secretaryIds.includes(user.id)).map((u) => u.id),
      ...own(user.unitId),
    ]),
  ];
  const groupIds = [
    ...new Set([...groups.filter((g) => g.secretaryId === user.id).map((g) => g.id), ...own(user.groupId)]),
  ];
  return { all: seesEverything({ id: user.id, roles: [...user.roles] }), unitIds, groupIds };
}
