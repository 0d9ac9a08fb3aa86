/**
 * The read-through cache behind the cached repositories (partners, webhook endpoints): the document
 * stays the truth (every write goes straight to it and refreshes the entry here), reads within the
 * TTL are answered from memory, concurrent reads of one key share a single request, and callers get
 * copies. Another instance's write is seen here within the TTL at most.
 */
export interface ReadThroughCacheOptions<V = unknown> {
  ttlMs: number;
  now?: () => number;
  maxEntries?: number;
  /** How callers get a value without sharing it (a structured clone unless the value is read-only). */
  copy?: <T extends V>(value: T) => T;
}

interface Entry<V> {
  at: number;
  value: Promise<V | undefined>;
}

export class ReadThroughCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly options: ReadThroughCacheOptions<V>) {}

  private copy(value: V): V {
    return this.options.copy ? this.options.copy(value) : structuredClone(value);
  }

  private now(): number {
    return this.options.now?.() ?? performance.now();
  }

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const now = this.now();
    let entry = this.entries.get(key);
    if (!entry || now - entry.at >= this.options.ttlMs) {
      const value = load();
      entry = { at: now, value };
      this.remember(key, entry);
      // A failed read is not an answer to keep.
      value.catch(() => {
        if (this.entries.get(key)?.value === value) this.entries.delete(key);
      });
    }
    const found = await entry.value;
    return found === undefined ? undefined : this.copy(found);
  }

  /** What a write through this instance stored (or `undefined` for a deletion). */
  set(key: string, value: V | undefined): void {
    this.remember(key, {
      at: this.now(),
      value: Promise.resolve(value === undefined ? undefined : this.copy(value)),
    });
  }

  /** Forgets the key, so that the next read goes to the store (e.g. while a write is in flight). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  private remember(key: string, entry: Entry<V>): void {
    // Bounded: the oldest entries go first (Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, entry);
    const max = this.options.maxEntries ?? 10_000;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value!);
  }
}
