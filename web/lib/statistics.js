/** The statistics table (domain.md §7) from GET /api/proposals/statistics: figure names come with it. */

/** The figures the table shows, in order. */
export const shownFigures = [
  'assigned',
  'replied',
  'replyRate',
  'onTimeReplyRate',
  'meetingRate',
  'satisfactionRate',
  'adoptionRate',
  'implementationRate',
  'overdueNow',
];

/** A rate as a percentage, a count as it is; a figure with no denominator (or none by this grouping) as —. */
export const figureText = (key, value) =>
  value === null || value === undefined
    ? '—'
    : key.endsWith('Rate')
      ? `${(value * 100).toFixed(1)}%`
      : String(value);

/**
 * @param {{ groupBy: string, labels: Record<string, string>,
 *   groups: { label: string, figures: Record<string, number | null> }[], total: Record<string, number | null> }} res
 * @param {Record<string, string>} groupingLabels the heading of the group column per grouping (config)
 */
export function statisticsTable(res, groupingLabels) {
  const cells = (figures) => shownFigures.map((key) => figureText(key, figures[key]));
  return {
    headers: [groupingLabels[res.groupBy], ...shownFigures.map((key) => res.labels[key] ?? key)],
    rows: [...res.groups.map((g) => [g.label, ...cells(g.figures)]), ['合计', ...cells(res.total)]],
  };
}
