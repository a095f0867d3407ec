/** Epoch milliseconds as the API writes times (ISO 8601, UTC); null stays null. */
export function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
