import { groupBy } from '../../domain/group-by';

test('groups items by key, keys and items in first-seen order', () => {
  const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]);
  expect([...groups]).toEqual([
    ['b', ['b1', 'b2']],
    ['a', ['a1', 'a2']],
    ['c', ['c1']],
  ]);
  expect(groupBy([], (s: string) => s).size).toBe(0);
});
