/** Times, deadlines and people as the workspace shows them: Beijing time, Chinese words. */

const beijing = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/**
 * `YYYY-MM-DD HH:mm`, Beijing time, from epoch ms (workflow state) or an ISO string (the API's
 * read models); '' for nothing, the value itself when it is no time.
 * @param {number | string | null | undefined} value
 */
export function formatTime(value) {
  if (value === undefined || value === null || value === '') return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const part = Object.fromEntries(beijing.formatToParts(date).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}

/** Today in Beijing, `YYYY-MM-DD`. */
export const todayInBeijing = (now = Date.now()) => formatTime(now).slice(0, 10);

/**
 * Calendar days from one day to another, both `YYYY-MM-DD`.
 * @param {string} from
 * @param {string} to
 */
export function daysBetween(from, to) {
  const utc = (/** @type {string} */ day) =>
    Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
  return Math.round((utc(to) - utc(from)) / 86_400_000);
}

/**
 * How a deadline stands on `today`. A due day is the last day: the deadline ends at its midnight.
 * @param {string} due `YYYY-MM-DD`
 * @param {boolean} overdue what the server says (it also knows clocks shorter than a day)
 * @param {string} today `YYYY-MM-DD`
 * @returns {{ text: string, tone: 'overdue' | 'today' | 'soon' | 'ok' }}
 */
export function dueStatus(due, overdue, today) {
  const days = daysBetween(today, due);
  if (days < 0) return { text: `已逾期 ${-days} 天`, tone: 'overdue' };
  if (overdue) return { text: '已逾期', tone: 'overdue' };
  if (days === 0) return { text: '今日到期', tone: 'today' };
  return { text: `还剩 ${days} 天`, tone: days <= 5 ? 'soon' : 'ok' };
}

/**
 * Who must act on a clock, in words: `{unitId}`, `{userIds}`, `{groupId}` or `{role}`.
 * @param {{ unitId?: string, userIds?: string[], groupId?: string, role?: string } | undefined} responsible
 * @param {(id: string) => string} nameOf names units, groups and people; falls back to the id
 * @param {Record<string, string>} roleLabels
 */
export function responsibleText(responsible, nameOf, roleLabels) {
  if (!responsible) return '';
  if (responsible.unitId) return nameOf(responsible.unitId);
  if (responsible.groupId) return nameOf(responsible.groupId);
  if (responsible.userIds?.length) return responsible.userIds.map(nameOf).join('、');
  if (responsible.role) return roleLabels[responsible.role] ?? responsible.role;
  return '';
}

/**
 * The message to show for a failed request: the API's `{error:{code,message,details}}`, with every
 * field it names when there are several.
 * @param {{ message: string, details?: unknown }} error
 */
export function errorText(error) {
  const issues = /** @type {{ issues?: { field: string, message: string }[] } | undefined} */ (error.details)
    ?.issues;
  if (!Array.isArray(issues) || issues.length < 2) return error.message;
  return [error.message, ...issues.slice(1).map((i) => `参数 ${i.field} 无效：${i.message}`)].join('；');
}
