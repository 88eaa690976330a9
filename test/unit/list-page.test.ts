/** A page of a list read chunk by chunk (api/routes/proposals/list.ts) is that page of the whole list. */
import fc from 'fast-check';
import { page } from '../../api/routes/proposals/list';

test('a page taken across chunks equals the slice of the joined list, in either order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.nat(), { maxLength: 6 }), { maxLength: 6 }),
      fc.constantFrom('asc' as const, 'desc' as const),
      fc.nat(40),
      fc.integer({ min: 1, max: 10 }),
      (chunks, order, offset, limit) => {
        const all = order === 'asc' ? chunks.flat() : chunks.flat().reverse();
        expect(page(chunks, order, offset, limit)).toEqual(all.slice(offset, offset + limit));
      },
    ),
  );
});
