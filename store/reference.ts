/**
 * Reference data — the directory, the policy, the working calendar — is read by nearly every activity
 * (who gets a reminder, office hours, working days) and changes a few times a year. On FerretDB v1
 * every such read decodes the whole collection (docs/storage.md), so each process keeps a copy and
 * checks it against a stamp: one small document read by `_id`, replaced after every write of the data.
 *
 * A reader takes the stamp before it loads, so a write that lands meanwhile leaves a copy under the old
 * stamp, reloaded at the next read. A write that never stamps (a process killed between the two) is
 * seen at the next stamped write of the same data.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from './index';
import { isDuplicateKey } from './mongo';

interface Stamp {
  _id: string;
  token: string;
}

const stamps = (store: Store) => store.conn.db!.collection<Stamp>('stamps');

export function referenceData<T>(name: string, load: (store: Store) => Promise<T>) {
  const copies = new WeakMap<Store, { token: string; value: Promise<T> }>();
  return {
    /** The data as of the latest stamp; loaded again only when the stamp changed. */
    async read(store: Store): Promise<T> {
      const token = (await stamps(store).findOne({ _id: name }))?.token ?? '';
      const copy = copies.get(store);
      if (copy?.token === token) return copy.value;
      const value = load(store);
      copies.set(store, { token, value });
      // A failed load is not kept: the next read tries again.
      value.catch(() => copies.get(store)?.value === value && copies.delete(store));
      return value;
    },
    /** Call after every write of the data: every process loads it again at its next read. */
    async changed(store: Store): Promise<void> {
      copies.delete(store);
      const stamp = () =>
        stamps(store).updateOne({ _id: name }, { $set: { token: randomUUID() } }, { upsert: true });
      // Two first stamps at once: one inserts, the other meets its key and stamps again as an update.
      await stamp().catch((err: unknown) => (isDuplicateKey(err) ? stamp() : Promise.reject(err)));
    },
  };
}
