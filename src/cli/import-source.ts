/** One input record, parsed, or the reason it could not be; `where` names it in reports. */
export type SourceRecord = { where: string; done: number } & ({ value: unknown } | { unreadable: string });

/** A stream of records of one kind, in the API's batch shape, with how far through it each one is. */
export interface ImportSource {
  kind: 'item' | 'feedback';
  /** In the unit of each record's `done`: bytes for a file, records for MovieLens. */
  size: number;
  records(): AsyncIterable<SourceRecord>;
}
