/**
 * The guarantee over the read model: every open item either has its response or an active
 * escalation (domain/guarantee.ts says precisely what that means). A lifecycle whose items await
 * answers puts them into the open-work view (store/open-work.ts), its clocks with the same `itemKind`.
 */
import { checkGuarantee, type GuaranteeReport } from '../domain/guarantee';
import type { Store } from './index';
import { readOpenWork } from './open-work';

/** Open items and running clocks from the open-work view (`ids`: only these items). */
async function check(store: Store, ids?: string[]): Promise<GuaranteeReport> {
  const { items, clocks } = await readOpenWork(store);
  const wanted = (item: { itemId: string }) => !ids || ids.includes(item.itemId);
  return checkGuarantee(items.filter(wanted), clocks.filter(wanted));
}

/** How long an item may sit between two of its workflow's writes (one clock met, the next started). */
export const SETTLE_MS = 1_000;

/**
 * The guarantee and the ledger. Items and clocks are two reads, and a workflow writes its item and its
 * clocks in separate activities, so an item caught between them (a clock met, the next one not yet
 * recorded) can look uncovered; such candidates are read again after SETTLE_MS, and only those still
 * uncovered are reported.
 */
export async function guarantee(store: Store): Promise<GuaranteeReport> {
  const report = await check(store);
  if (report.uncovered.length === 0) return report;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const again = await check(
    store,
    report.uncovered.map((item) => item.itemId),
  );
  return { ...report, uncovered: again.uncovered };
}
