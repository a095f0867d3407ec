import { InteractionWrite } from '../repositories/interactions.repository';
import { ItemWrite } from '../repositories/items.repository';
import { ImportSource, SourceRecord } from './import-source';
import { checkFeedback, checkItem } from './import-validation';

/** Where accepted records go: the repositories, or nowhere on a dry run. */
export interface ImportWriter {
  upsertItems(items: ItemWrite[]): Promise<void>;
  /** Returns how many events were newly stored; the rest were already there. */
  appendFeedback(events: InteractionWrite[]): Promise<number>;
}

export interface Reject {
  where: string;
  reason: string;
}

export interface ImportStats {
  itemsImported: number;
  feedbackAccepted: number;
  feedbackStored: number;
  rejected: number;
  /** Only the first few: a file of bad lines must not fill the heap with reasons. */
  firstRejects: Reject[];
}

const REJECTS_SHOWN = 20;

/**
 * Validates records one by one and writes the valid ones in batches: a bad line is counted and
 * skipped, never a reason to abandon the batch around it.
 */
export class Importer {
  readonly stats: ImportStats = {
    itemsImported: 0,
    feedbackAccepted: 0,
    feedbackStored: 0,
    rejected: 0,
    firstRejects: [],
  };
  /** Keyed by id: one upsert must not name a row twice (SQLite refuses), and the later line wins, as the later of two PUTs would. */
  private readonly pendingItems = new Map<string, ItemWrite>();
  private pendingFeedback: InteractionWrite[] = [];

  constructor(
    private readonly writer: ImportWriter,
    private readonly batchSize: number,
    /** The time of receipt for every record: feedback without a timestamp occurred then. */
    private readonly now: number,
  ) {}

  /** Imports each source in turn; `onProgress` gets the units done across all of them. */
  async run(sources: ImportSource[], onProgress: (done: number) => void): Promise<ImportStats> {
    let before = 0;
    for (const source of sources) {
      for await (const record of source.records()) {
        await this.add(source.kind, record);
        onProgress(before + record.done);
      }
      // Items go in before the feedback about them, so the feedback finds them rather than placeholders.
      await this.flush();
      before += source.size;
      onProgress(before);
    }
    return this.stats;
  }

  private async add(kind: ImportSource['kind'], record: SourceRecord): Promise<void> {
    if ('unreadable' in record) return this.reject(record.where, record.unreadable);
    if (kind === 'item') {
      const checked = await checkItem(record.value);
      if (!checked.ok) return this.reject(record.where, checked.reason);
      this.pendingItems.set(checked.value.id, checked.value);
      if (this.pendingItems.size >= this.batchSize) await this.flushItems();
    } else {
      const checked = await checkFeedback(record.value, this.now);
      if (!checked.ok) return this.reject(record.where, checked.reason);
      this.pendingFeedback.push(checked.value);
      if (this.pendingFeedback.length >= this.batchSize) await this.flushFeedback();
    }
  }

  private reject(where: string, reason: string): void {
    this.stats.rejected++;
    if (this.stats.firstRejects.length < REJECTS_SHOWN) this.stats.firstRejects.push({ where, reason });
  }

  private async flush(): Promise<void> {
    await this.flushItems();
    await this.flushFeedback();
  }

  private async flushItems(): Promise<void> {
    if (this.pendingItems.size === 0) return;
    const items = [...this.pendingItems.values()];
    this.pendingItems.clear();
    await this.writer.upsertItems(items);
    this.stats.itemsImported += items.length;
  }

  private async flushFeedback(): Promise<void> {
    if (this.pendingFeedback.length === 0) return;
    const events = this.pendingFeedback;
    this.pendingFeedback = [];
    this.stats.feedbackStored += await this.writer.appendFeedback(events);
    this.stats.feedbackAccepted += events.length;
  }
}
