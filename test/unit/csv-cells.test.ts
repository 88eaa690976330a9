import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { escapeCell, unescapeCell } from '../../api/csv-cells';

const formulas = ['=1+1', '+x', '-2', '@SUM(A1:A2)', '\tcmd', '\r=1', '=HYPERLINK("http://x","点我")'];

describe('escapeCell', () => {
  test.each(formulas)('a text cell starting a formula (%j) gets a leading apostrophe', (value) => {
    expect(escapeCell(value)).toBe(`'${value}`);
  });

  test('a text cell starting with an apostrophe gets one more, so the rule stays unambiguous', () => {
    expect(escapeCell("'=1")).toBe("''=1");
    expect(escapeCell("'abc")).toBe("''abc");
  });

  test('ordinary text and numbers are left alone', () => {
    expect(escapeCell('关于加强社区养老服务的提案')).toBe('关于加强社区养老服务的提案');
    expect(escapeCell('a=b')).toBe('a=b');
    expect(escapeCell('')).toBe('');
    expect(escapeCell(-2)).toBe(-2);
    expect(escapeCell(2026)).toBe(2026);
  });
});

describe('unescapeCell', () => {
  test('drops the apostrophe the export added', () => {
    expect(unescapeCell("'=1+1")).toBe('=1+1');
    expect(unescapeCell("''=1")).toBe("'=1");
    expect(unescapeCell("'\tcmd")).toBe('\tcmd');
  });

  test('keeps an apostrophe typed before anything else, and cells without one', () => {
    expect(unescapeCell("'abc")).toBe("'abc");
    expect(unescapeCell("'")).toBe("'");
    expect(unescapeCell('=1')).toBe('=1');
    expect(unescapeCell('标题')).toBe('标题');
  });
});

test('every value survives escape → CSV → parse → unescape unchanged', () => {
  const values = [...formulas, "'=1", "''=1", "'abc", "'", 'plain', '', '多行\n文本', 'a,"b"'];
  const csv = stringify([values.map(escapeCell)]);
  const [cells] = parse(csv, { trim: true }) as string[][];
  expect(cells.map(unescapeCell)).toEqual(values);
  for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
});
