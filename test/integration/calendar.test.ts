import request from 'supertest';
import type { Role } from '../../domain/roles';
import { startStack, type Stack } from '../helpers/stack';
import { tokensByRole } from '../helpers/tokens';

let stack: Stack;
let tokens: Record<Role, string>;
beforeAll(async () => {
  stack = await startStack();
  tokens = await tokensByRole(stack);
});
afterAll(() => stack?.stop());

const deadline = (query: string) => request(stack.app).get(`/api/calendar/deadline?${query}`);
const loadYear = (year: number | string, body: object, role: Role = 'admin') =>
  request(stack.app).put(`/api/calendar/years/${year}`).set('Authorization', tokens[role]).send(body);

/** A made-up 2027 arrangement: Spring Festival 5–13 February, make-up working day Sunday 14 February. */
const year2027 = {
  holidays: [
    '2027-01-01',
    ...[5, 6, 7, 8, 9, 10, 11, 12, 13].map((d) => `2027-02-${String(d).padStart(2, '0')}`),
  ],
  workdays: ['2027-02-14'],
  source: '测试：假想的 2027 年安排',
};

describe('deadline calculator', () => {
  test('5 working days from 28 September 2026 skip the National Day holiday', async () => {
    const res = await deadline('start=2026-09-28&amount=5&unit=workingDays').expect(200);
    expect(res.body).toMatchObject({
      due: '2026-10-10',
      dueAt: '2026-10-10T23:59:59.999+08:00',
      uncertain: false,
    });
  });

  test('3 months from 31 March 2026 end on 30 June', async () => {
    const res = await deadline('start=2026-03-31&amount=3&unit=months').expect(200);
    expect(res.body).toMatchObject({ due: '2026-06-30', dueAt: '2026-06-30T23:59:59.999+08:00' });
  });

  test.each([
    ['query.start', 'start=2026-02-30&amount=5&unit=workingDays'],
    ['query.start', 'amount=5&unit=workingDays'],
    ['query.amount', 'start=2026-09-28&amount=five&unit=workingDays'],
    ['query.amount', 'start=2026-09-28&amount=-1&unit=workingDays'],
    ['query.amount', 'start=2026-09-28&amount=1.5&unit=workingDays'],
    ['query.unit', 'start=2026-09-28&amount=5&unit=weeks'],
  ])('a bad parameter is a 400 naming %s', async (field, query) => {
    const res = await deadline(query).expect(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toContain(field);
  });
});

// The tests build on each other: 2027 is unknown, then loaded.
describe('loading a new year', () => {
  const spring = 'start=2027-02-04&amount=5&unit=workingDays';

  test('before it is loaded, 2027 counts as plain weekdays and is flagged uncertain', async () => {
    const res = await deadline(spring).expect(200);
    expect(res.body).toMatchObject({ due: '2027-02-11', uncertain: true });
    const years = await request(stack.app).get('/api/calendar/years').expect(200);
    expect(years.body.items.map((y: { year: number }) => y.year)).not.toContain(2027);
    expect(years.body.items).toContainEqual(
      expect.objectContaining({ year: 2026, source: expect.stringMatching(/^chinese-days@/) }),
    );
    await request(stack.app).get('/api/calendar/years/2027').expect(404);
  });

  test('an admin loads it; the calculator then counts its holidays and is certain', async () => {
    const res = await loadYear(2027, year2027).expect(200);
    expect(res.body).toMatchObject({ year: 2027, holidayCount: 10, workdayCount: 1, changed: true });
    expect(res.body.loadedAt).toMatch(/\+08:00$/);

    const after = await deadline(spring).expect(200);
    expect(after.body).toMatchObject({ due: '2027-02-18', uncertain: false });
    const listed = await request(stack.app).get('/api/calendar/years').expect(200);
    expect(listed.body.items).toContainEqual({
      year: 2027,
      source: year2027.source,
      holidayCount: 10,
      workdayCount: 1,
      loadedAt: res.body.loadedAt,
    });
    const full = await request(stack.app).get('/api/calendar/years/2027').expect(200);
    expect(full.body).toMatchObject({ holidays: year2027.holidays, workdays: year2027.workdays });
  });

  test('loading the same lists again (year in the body, other order) changes nothing', async () => {
    const before = (await request(stack.app).get('/api/calendar/years/2027')).body;
    const again = { ...year2027, year: 2027, holidays: [...year2027.holidays].reverse() };
    const res = await loadYear(2027, again).expect(200);
    expect(res.body).toMatchObject({ changed: false, loadedAt: before.loadedAt });
  });

  test('a corrected list replaces the year', async () => {
    const res = await loadYear(2027, { ...year2027, workdays: [] }).expect(200);
    expect(res.body).toMatchObject({ workdayCount: 0, changed: true });
    expect((await deadline(spring)).body.due).toBe('2027-02-19');
  });
});

describe('bad calendar input', () => {
  test.each([
    ['body.year', { ...year2027, year: 2028 }],
    ['body.holidays.0', { ...year2027, holidays: ['2027-02-30'] }],
    ['body.holidays.0', { ...year2027, holidays: ['2026-12-31'] }],
    ['body.holidays.1', { ...year2027, holidays: ['2027-01-01', '2027-01-01'] }],
    ['body.workdays.0', { ...year2027, workdays: ['2027-02-15'] }],
    ['body.source', { ...year2027, source: ' ' }],
    ['body.holidays', { workdays: [], source: 'x' }],
    ['body', { ...year2027, note: 'x' }],
  ])('is a 400 naming %s', async (field, body) => {
    const res = await loadYear(2027, body).expect(400);
    expect(res.body.error.details.issues.map((i: { field: string }) => i.field)).toContain(field);
  });

  test('a year that is not a year is a 400 naming params.year', async () => {
    for (const year of ['next', '1900', '20270'])
      expect((await loadYear(year, year2027).expect(400)).body.error.message).toContain('params.year');
    await request(stack.app).get('/api/calendar/years/next').expect(400);
  });

  test('only an admin loads a year', async () => {
    await request(stack.app).put('/api/calendar/years/2027').send(year2027).expect(401);
    await loadYear(2027, year2027, 'committee').expect(403);
  });
});
