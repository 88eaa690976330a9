/**
 * CSV injection (issue 12 item 4): the export writes text cells that a spreadsheet would run as a
 * formula with a leading apostrophe, and the import drops it, so export → import keeps every value.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { ProposalState } from '../../domain/proposal';
import { proposalApi, type ProposalApi } from '../helpers/proposal-api';
import { startStack, type Stack } from '../helpers/stack';
import { until } from '../helpers/supervision-api';

let stack: Stack;
let api: ProposalApi;
beforeAll(async () => {
  stack = await startStack({ env: { JWT_SECRET: 'csv-round-trip-test-secret-of-32-chars!' } });
  api = await proposalApi(stack);
});
afterAll(() => stack?.stop());

const importCsv = (text: string) =>
  api.post('/api/proposals/import', text, 'committee').set('Content-Type', 'text/csv; charset=utf-8');
const stateOf = (id: string) =>
  until(async () => (await stack.store.proposalStates.findById(id).lean<{ state: ProposalState }>())?.state);

/** Filed through the API (which trims), so no leading tab here: that one comes in by import below. */
const filed = [
  { title: '=1+1', content: '=HYPERLINK("http://evil.example","点我")' },
  { title: '@SUM(A1:A9)', content: '-2 是负数开头的内容' },
  { title: '-2', content: '+x 加号开头' },
  { title: '+x', content: "'=本来就以引号等号开头" },
  { title: "'=引号等号", content: '普通内容' },
];
const tabbed = { number: '2023-0100', title: '\t制表符开头的标题', content: '\r=1 回车开头' };

const cellsOf = (text: string) => {
  const [head, ...rows] = parse(text, { bom: true }) as string[][];
  return rows.map((row) => Object.fromEntries(head.map((h, i) => [h, row[i]])));
};

test('formula cells leave escaped and come back unchanged', async () => {
  for (const body of filed) {
    const res = await api.file({ ...body, sessionYear: 2023, leadProposerId: 'member-zhang' }, 'committee');
    expect(res.status).toBe(201);
  }
  // A value that starts with a tab or CR cannot be filed (the API trims): the import carries it in.
  const escapedRow = stringify([
    ['编号', '类型', '标题', '内容', '第一提案人'],
    [tabbed.number, '平时提案', `'${tabbed.title}`, `'${tabbed.content}`, 'member-zhang'],
  ]);
  expect((await importCsv(escapedRow)).body).toMatchObject({ created: 1, errors: [] });
  const tabbedState = await stateOf(tabbed.number);
  expect([tabbedState.title, tabbedState.content]).toEqual([tabbed.title, tabbed.content]);

  const exported = await api.get('/api/proposals/export.csv?sessionYear=2023', 'committee').buffer(true);
  expect(exported.status).toBe(200);
  const rows = cellsOf(exported.text);
  const originals = [...filed, tabbed];
  expect(rows.map((r) => r.标题)).toEqual(originals.map((o) => `'${o.title}`));
  expect(rows.map((r) => r.内容)).toEqual(
    originals.map((o) => (/^[=+\-@\t\r']/.test(o.content) ? `'${o.content}` : o.content)),
  );
  for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

  // The exported file under other numbers (2022-…): imported, every title and text as it was.
  const renumbered = exported.text.replace(/\n2023-/g, '\n2022-');
  const back = await importCsv(renumbered);
  expect(back.body).toMatchObject({ created: originals.length, errors: [] });
  for (const row of rows) {
    const copy = await stateOf(row.编号.replace(/^2023-/, '2022-'));
    const original = await stateOf(row.编号);
    expect({ title: copy.title, content: copy.content }).toEqual({
      title: original.title,
      content: original.content,
    });
  }
  expect((await stateOf('2022-0001')).title).toBe('=1+1');
});
