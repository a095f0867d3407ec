import { ImportStats } from './importer';

/** The closing report: what was rejected (the first few), then the totals. */
export function formatImportReport(stats: ImportStats, seconds: number, dryRun: boolean): string {
  const lines: string[] = [];
  if (stats.rejected > 0) {
    lines.push(`rejected (first ${stats.firstRejects.length} of ${stats.rejected}):`);
    for (const reject of stats.firstRejects) lines.push(`  ${reject.where}: ${reject.reason}`);
    const unshown = stats.rejected - stats.firstRejects.length;
    if (unshown > 0) lines.push(`  … and ${unshown} more`);
  }
  const rows: [string, string][] = dryRun
    ? [
        ['dry run', 'nothing written; duplicates not checked'],
        ['items valid', String(stats.itemsImported)],
        ['feedback valid', String(stats.feedbackAccepted)],
      ]
    : [
        ['items imported', String(stats.itemsImported)],
        ['feedback stored', String(stats.feedbackStored)],
        ['duplicates skipped', String(stats.feedbackAccepted - stats.feedbackStored)],
      ];
  rows.push(
    ['lines rejected', String(stats.rejected)],
    ['seconds', seconds.toFixed(1)],
    ['feedback events/s', seconds > 0 ? Math.round(stats.feedbackAccepted / seconds).toString() : '—'],
  );
  for (const [label, value] of rows) lines.push(`${`${label}:`.padEnd(20)}${value}`);
  return lines.join('\n');
}
