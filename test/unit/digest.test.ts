import { seedCalendarYears, WorkingCalendar } from '../../domain/calendar';
import {
  digestDay,
  digestMessage,
  isEmptyDigest,
  serves,
  sortIntoSections,
  type DigestClock,
} from '../../domain/digest';
import { endOfDay, toIso } from '../../domain/time';

const cal = new WorkingCalendar(seedCalendarYears());
const at = (iso: string) => Date.parse(iso);

const clock = (itemId: string, due: string, extra: Partial<DigestClock> = {}): DigestClock => ({
  itemId,
  clockId: 'reply',
  code: 'reply',
  label: '书面答复',
  due,
  dueAt: endOfDay(due),
  overdue: false,
  escalation: null,
  startedAt: at('2026-09-01T10:00:00+08:00'),
  responsible: { unitId: 'unit-housing' },
  ...extra,
});

describe('digestDay', () => {
  it('has none on a holiday or a weekend', () => {
    expect(digestDay(cal, at('2026-10-05T09:00:00+08:00'), '09:00')).toBeUndefined();
    expect(digestDay(cal, at('2026-10-11T09:00:00+08:00'), '09:00')).toBeUndefined();
  });

  it('after a holiday looks back to the last working day before it, and 5 working days ahead', () => {
    const day = digestDay(cal, at('2026-10-08T09:00:00+08:00'), '09:00')!;
    expect(day.date).toBe('2026-10-08');
    expect(toIso(day.since)).toBe('2026-09-30T09:00:00.000+08:00');
    // 10-09 (Fri), 10-10 (make-up Sat), 10-12, 10-13, 10-14
    expect(day.dueBy).toBe('2026-10-14');
  });
});

describe('sortIntoSections', () => {
  const day = digestDay(cal, at('2026-10-08T09:00:00+08:00'), '09:00')!;
  const now = at('2026-10-08T09:00:00+08:00');

  it('lists each clock once: escalated, overdue, newly assigned, due soon; later deadlines left out', () => {
    const content = sortIntoSections(
      [
        clock('p-later', '2026-10-30'),
        clock('p-soon', '2026-10-14'),
        clock('p-overdue', '2026-10-07', { overdue: true }),
        clock('p-chased', '2026-09-20', { overdue: true, escalation: 'chaseNotice' }),
        clock('p-new', '2026-10-09', {
          code: 'signFor',
          clockId: 'signFor',
          startedAt: at('2026-10-01T15:00:00+08:00'),
        }),
        clock('p-old-signfor', '2026-10-09', { code: 'signFor', startedAt: at('2026-09-29T15:00:00+08:00') }),
        clock('p-reminded', '2026-10-12', { escalation: 'reminder' }),
      ],
      day,
      now,
    );
    const ids = (list: DigestClock[]) => list.map((c) => c.itemId);
    expect(ids(content.escalated)).toEqual(['p-chased']);
    expect(ids(content.overdue)).toEqual(['p-overdue']);
    expect(ids(content.newlyAssigned)).toEqual(['p-new']);
    expect(ids(content.dueSoon)).toEqual(['p-old-signfor', 'p-reminded', 'p-soon']);
    expect(isEmptyDigest(content)).toBe(false);
    expect(isEmptyDigest(sortIntoSections([clock('p-later', '2026-10-30')], day, now))).toBe(true);
  });

  it('renders a Chinese message with the counts, the items and their links', () => {
    const content = sortIntoSections(
      [clock('p-chased', '2026-09-20', { overdue: true, escalation: 'supervisionEscalation' })],
      day,
      now,
    );
    const message = digestMessage('吴丽', day, content, 'http://127.0.0.1:3000');
    expect(message.subject).toBe('【回音】每日提醒 2026-10-08：已催办/督办 1 件');
    expect(message.text).toContain('吴丽，您好');
    expect(message.text).toContain(
      '- p-chased 书面答复：期限 2026-09-20，已督办  http://127.0.0.1:3000/items/p-chased',
    );
    expect(message.text).not.toContain('【已逾期】');
  });
});

describe('serves', () => {
  it('matches the units and groups a secretary serves; committee-office secretaries see all', () => {
    const unitClock = clock('p', '2026-10-30');
    const groupClock = clock('l', '2026-10-30', { responsible: { groupId: 'group-ecology' } });
    const unitScope = { all: false, unitIds: ['unit-housing'], groupIds: [] };
    expect([serves(unitScope, unitClock), serves(unitScope, groupClock)]).toEqual([true, false]);
    const groupScope = { all: false, unitIds: [], groupIds: ['group-ecology'] };
    expect([serves(groupScope, unitClock), serves(groupScope, groupClock)]).toEqual([false, true]);
    expect(serves({ all: true, unitIds: [], groupIds: [] }, groupClock)).toBe(true);
  });
});
