/**
 * Names for the unit and group ids lists and items carry, from the directory the caller may read
 * (committee staff all, a unit its own, a group its own and its department); an id stays as it is
 * where the directory is not readable.
 */
import { api } from './api.js';
import { hasRole } from './lib/board.js';

/** @returns {Promise<(id: string) => string>} */
export async function directoryNames(me) {
  const all = hasRole(me, 'committee', 'leader', 'admin');
  const member = all || Boolean(me.unitId) || Boolean(me.groupId);
  const readable = member ? ['units', 'groups'] : [];
  const lists = await Promise.all(
    readable.map((collection) =>
      api(`/api/${collection}`).then(
        (res) => res.items,
        () => [],
      ),
    ),
  );
  const names = new Map(lists.flat().map((record) => [record.id, record.name]));
  return (id) => names.get(id) ?? id;
}
