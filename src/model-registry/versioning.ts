/** v1.0.7 → v1.0.8: every training run of an algorithm bumps the patch number of its line. */
export function nextVersion(version: string): string {
  const match = /^v(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) return 'v1.0.0';
  return `v${match[1]}.${match[2]}.${Number(match[3]) + 1}`;
}
