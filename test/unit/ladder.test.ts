import { seedCalendarYears, WorkingCalendar } from '../../domain/calendar';
import { computeDeadline, type Deadline } from '../../domain/deadline';
import {
  defaultLadder,
  ladderStepSchema,
  planLadder,
  stepKindLabels,
  type LadderStep,
  type PlannedStep,
} from '../../domain/ladder';
import type { TimeLimit } from '../../domain/time';

const cal = new WorkingCalendar(seedCalendarYears());
const at = (iso: string) => Date.parse(iso);
const officeHours = { time: '09:00' };
const deadlineOf = (startIso: string, rule: TimeLimit): Deadline => computeDeadline(cal, at(startIso), rule);
const schedule = (planned: PlannedStep[]) => planned.map((step) => [step.step, step.atIso]);

describe('defaultLadder', () => {
  it('is the domain.md §5 table', () => {
    expect(defaultLadder.map(({ kind, offset, to }) => [kind, offset.amount, offset.unit, to])).toEqual([
      ['reminder', -5, 'workingDays', ['responsible', 'secretary']],
      ['reminder', -1, 'workingDays', ['responsible', 'secretary']],
      ['chaseNotice', 1, 'workingDays', ['unitLeader', 'committee']],
      ['supervisionEscalation', 5, 'workingDays', ['leader', 'inspectionOffice']],
      ['publicNotice', 10, 'workingDays', ['reportList']],
    ]);
    for (const step of defaultLadder) expect(ladderStepSchema.safeParse(step).success).toBe(true);
  });

  it('labels its kinds in Chinese', () => {
    expect(stepKindLabels).toEqual({
      reminder: '提醒',
      chaseNotice: '催办通知',
      supervisionEscalation: '督办',
      publicNotice: '通报',
    });
  });
});

describe('planLadder', () => {
  it('plans office-hour steps in working days around the National Day holiday', () => {
    const deadline = deadlineOf('2026-09-01T10:00:00+08:00', { unit: 'fixedDate', date: '2026-10-08' });
    expect(schedule(planLadder(cal, deadline, defaultLadder, officeHours))).toEqual([
      ['reminder-5wd', '2026-09-23T09:00:00.000+08:00'], // Mid-Autumn 09-25..27 skipped
      ['reminder-1wd', '2026-09-30T09:00:00.000+08:00'], // National Day 10-01..07 skipped
      ['chaseNotice', '2026-10-09T09:00:00.000+08:00'],
      ['supervisionEscalation', '2026-10-14T09:00:00.000+08:00'], // make-up Saturday 10-10 counted
      ['publicNotice', '2026-10-21T09:00:00.000+08:00'],
    ]);
  });

  it('gives absolute epoch times matching the ISO strings', () => {
    const deadline = deadlineOf('2026-09-01T10:00:00+08:00', { unit: 'fixedDate', date: '2026-10-08' });
    for (const step of planLadder(cal, deadline, defaultLadder, officeHours)) {
      expect(step.at).toBe(at(step.atIso));
    }
  });

  it('drops reminders at or before the clock start, but keeps escalations', () => {
    // 2026-09-28 + 5 wd = 10-10, so reminder −5 wd would fire 09-28 09:00, before the 10:00 start.
    const deadline = deadlineOf('2026-09-28T10:00:00+08:00', { unit: 'workingDays', amount: 5 });
    expect(schedule(planLadder(cal, deadline, defaultLadder, officeHours))).toEqual([
      ['reminder-1wd', '2026-10-09T09:00:00.000+08:00'],
      ['chaseNotice', '2026-10-12T09:00:00.000+08:00'],
      ['supervisionEscalation', '2026-10-16T09:00:00.000+08:00'],
      ['publicNotice', '2026-10-23T09:00:00.000+08:00'],
    ]);
  });

  it('drops a reminder falling exactly on the start instant and keeps one a millisecond later', () => {
    const rule: TimeLimit = { unit: 'fixedDate', date: '2026-10-08' };
    const reminders = defaultLadder.filter((step) => step.kind === 'reminder');
    const onStart = deadlineOf('2026-09-30T09:00:00+08:00', rule);
    expect(planLadder(cal, onStart, reminders, officeHours)).toEqual([]);
    const justBefore = computeDeadline(cal, at('2026-09-30T09:00:00+08:00') - 1, rule);
    expect(schedule(planLadder(cal, justBefore, reminders, officeHours))).toEqual([
      ['reminder-1wd', '2026-09-30T09:00:00.000+08:00'],
    ]);
  });

  it('keeps escalations already past when the clock starts late, so the workflow fires them at once', () => {
    const deadline = deadlineOf('2026-11-02T10:00:00+08:00', { unit: 'fixedDate', date: '2026-10-08' });
    const planned = planLadder(cal, deadline, defaultLadder, officeHours);
    expect(planned.map((step) => step.kind)).toEqual([
      'chaseNotice',
      'supervisionEscalation',
      'publicNotice',
    ]);
    expect(planned.every((step) => step.at < deadline.start)).toBe(true);
  });

  it('sorts by time whatever the ladder order, and uses the given office hours', () => {
    const deadline = deadlineOf('2026-09-01T10:00:00+08:00', { unit: 'fixedDate', date: '2026-10-08' });
    const planned = planLadder(cal, deadline, [...defaultLadder].reverse(), { time: '14:30' });
    expect(planned.map((step) => step.step)).toEqual(defaultLadder.map((step) => step.step));
    expect(planned[0].atIso).toBe('2026-09-23T14:30:00.000+08:00');
  });

  it('moves a calendar-day step off a holiday, and lands a due-day step on the due date', () => {
    const deadline = deadlineOf('2026-09-01T10:00:00+08:00', { unit: 'fixedDate', date: '2026-09-30' });
    const ladder: LadderStep[] = [
      {
        step: 'dayAfter',
        kind: 'chaseNotice',
        offset: { amount: 1, unit: 'calendarDays' },
        to: ['unitLeader'],
      },
      { step: 'dueDay', kind: 'reminder', offset: { amount: 0, unit: 'workingDays' }, to: ['responsible'] },
      {
        step: 'dayBefore',
        kind: 'reminder',
        offset: { amount: -1, unit: 'calendarDays' },
        to: ['responsible'],
      },
    ];
    expect(schedule(planLadder(cal, deadline, ladder, officeHours))).toEqual([
      ['dayBefore', '2026-09-29T09:00:00.000+08:00'],
      ['dueDay', '2026-09-30T09:00:00.000+08:00'],
      ['dayAfter', '2026-10-08T09:00:00.000+08:00'],
    ]);
  });

  it('rolls a calendar-day step that lands on a weekend before a Monday due date to the due day', () => {
    const deadline = deadlineOf('2026-09-01T10:00:00+08:00', { unit: 'fixedDate', date: '2026-10-12' });
    const ladder: LadderStep[] = [
      { step: 'eve', kind: 'reminder', offset: { amount: -1, unit: 'calendarDays' }, to: ['responsible'] },
    ];
    expect(schedule(planLadder(cal, deadline, ladder, officeHours))).toEqual([
      ['eve', '2026-10-12T09:00:00.000+08:00'],
    ]);
  });

  it('places sub-day steps exactly relative to the due instant (drills)', () => {
    const deadline = deadlineOf('2026-10-01T10:00:00+08:00', { unit: 'minutes', amount: 30 });
    const drill: LadderStep[] = [
      { step: 'remind', kind: 'reminder', offset: { amount: -60, unit: 'seconds' }, to: ['responsible'] },
      { step: 'chase', kind: 'chaseNotice', offset: { amount: 5, unit: 'minutes' }, to: ['unitLeader'] },
      { step: 'notice', kind: 'publicNotice', offset: { amount: 1, unit: 'hours' }, to: ['reportList'] },
    ];
    expect(schedule(planLadder(cal, deadline, drill, officeHours))).toEqual([
      ['remind', '2026-10-01T10:29:00.000+08:00'],
      ['chase', '2026-10-01T10:35:00.000+08:00'],
      ['notice', '2026-10-01T11:30:00.000+08:00'],
    ]);
  });

  it('copies each step into the plan, urgent flag included', () => {
    const deadline = deadlineOf('2026-09-01T10:00:00+08:00', { unit: 'fixedDate', date: '2026-10-08' });
    const urgent: LadderStep = { ...defaultLadder[3], urgent: true };
    expect(planLadder(cal, deadline, [urgent], officeHours)[0]).toMatchObject({
      ...urgent,
      at: expect.any(Number),
    });
  });
});

describe('ladderStepSchema', () => {
  const valid = defaultLadder[2];
  const pathsOf = (doc: unknown) =>
    ladderStepSchema.safeParse(doc).error?.issues.map((issue) => issue.path.join('.')) ?? [];

  it('rejects unknown audiences, kinds, units, fractional offsets, empty audiences and unknown keys', () => {
    expect(pathsOf({ ...valid, to: ['mayor'] })).toEqual(['to.0']);
    expect(pathsOf({ ...valid, to: [] })).toEqual(['to']);
    expect(pathsOf({ ...valid, kind: 'warning' })).toEqual(['kind']);
    expect(pathsOf({ ...valid, offset: { amount: 1, unit: 'months' } })).toEqual(['offset.unit']);
    expect(pathsOf({ ...valid, offset: { amount: 1.5, unit: 'workingDays' } })).toEqual(['offset.amount']);
    expect(pathsOf({ ...valid, step: '' })).toEqual(['step']);
    expect(pathsOf({ ...valid, urgnet: true })).toEqual(['']);
  });
});
