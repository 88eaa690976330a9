/**
 * What the simulation prints: the paths taken, and the §7 figures as the product answers them next to
 * the same figures folded from scratch.
 */
import type { Figures } from '../../domain/statistics';
import type { SupervisionFigures } from '../../domain/supervision';
import type { FigureDifference } from './fold';

export const say = (line = '') => console.log(line === '' ? '' : `[sim] ${line}`);

export function formatDuration(ms: number) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Path counts grouped by their first segment: `review: filed 470 · notFiled 48 …`. */
export function printPaths(counts: Map<string, number>) {
  const byGroup = new Map<string, [string, number][]>();
  for (const [key, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    const [group, ...rest] = key.split('.');
    byGroup.set(group, [...(byGroup.get(group) ?? []), [rest.join('.') || group, n]]);
  }
  for (const [group, entries] of byGroup)
    console.log(`  ${group.padEnd(13)} ${entries.map(([k, n]) => `${k} ${n}`).join(' · ')}`);
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null) => (x === null ? '–' : String(x));

const columns: [string, (f: Figures) => string][] = [
  ['交办', (f) => num(f.assigned)],
  ['答复', (f) => num(f.replied)],
  ['办复率', (f) => pct(f.replyRate)],
  ['按期办复率', (f) => pct(f.onTimeReplyRate)],
  ['见面率', (f) => pct(f.meetingRate)],
  ['满意率', (f) => pct(f.satisfactionRate)],
  ['不满意', (f) => num(f.unsatisfied)],
  ['未反馈', (f) => num(f.noFeedback)],
  ['解决采纳率', (f) => pct(f.adoptionRate)],
  ['落实率', (f) => pct(f.implementationRate)],
  ['平均天数', (f) => num(f.averageDaysToReply)],
  ['逾期', (f) => num(f.overdueNow)],
  ['催办', (f) => num(f.chaseNotices)],
  ['督办', (f) => num(f.escalations)],
];

/** Display width: CJK characters take two columns. */
const width = (s: string) => [...s].reduce((w, c) => w + (/[\u3000-\u9fff\uff00-\uffef]/.test(c) ? 2 : 1), 0);
const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - width(s)));
const padStart = (s: string, w: number) => ' '.repeat(Math.max(0, w - width(s))) + s;

/** One table: per group, the product's row and the from-scratch row under it (`=` where all agree). */
export function printFigures(groups: { key: string; label: string; product?: Figures; scratch?: Figures }[]) {
  const labelWidth = Math.max(...groups.map((g) => width(g.label))) + 2;
  const widths = columns.map(([head]) => Math.max(width(head), 7));
  console.log(
    `  ${pad('', labelWidth)}${pad('', 9)}${columns.map(([head], i) => padStart(head, widths[i] + 1)).join('')}`,
  );
  for (const g of groups) {
    const row = (f: Figures | undefined) =>
      columns.map(([, cell], i) => padStart(f ? cell(f) : 'absent', widths[i] + 1)).join('');
    const a = row(g.product);
    const b = row(g.scratch);
    console.log(`  ${pad(g.label, labelWidth)}${pad('product', 9)}${a}`);
    console.log(
      `  ${pad('', labelWidth)}${pad(a === b ? 'scratch' : 'SCRATCH', 9)}${a === b ? '  = same' : b}`,
    );
  }
}

export function printDifferences(title: string, differences: FigureDifference[]) {
  if (differences.length === 0) return say(`${title}: product = from scratch (every figure equal)`);
  say(`${title}: ${differences.length} figure(s) DIFFER`);
  for (const d of differences.slice(0, 40))
    console.log(
      `    ${d.group} ${d.field}: product ${JSON.stringify(d.product)}, scratch ${JSON.stringify(d.scratch)}`,
    );
  if (differences.length > 40) console.log(`    … and ${differences.length - 40} more`);
}

export function printSupervision(
  rows: { key: string; product?: SupervisionFigures; scratch?: SupervisionFigures }[],
) {
  const cells = (f?: SupervisionFigures) =>
    f
      ? `letters ${f.letters}, replied ${f.replied} (on time ${f.repliedOnTime}, ${pct(f.replyOnTimeRate)}), ` +
        `rated ${f.evaluated}, adopted ${f.adopted} (${pct(f.adoptionRate)}), ` +
        `implementing ${f.implementing} (${f.openCommitments} open commitments), open ${f.open}`
      : 'absent';
  for (const r of rows) {
    const a = cells(r.product);
    const b = cells(r.scratch);
    console.log(`  ${r.key.padEnd(18)} product  ${a}`);
    console.log(`  ${''.padEnd(18)} ${a === b ? 'scratch  = same' : `SCRATCH  ${b}`}`);
  }
}
