/**
 * What was computed once per distinct text, for logs that repeat the same calls. Bounded (emptied
 * when full), and it rests while too few lookups hit: on a trace of distinct paths every entry would
 * be made, kept long enough for the garbage collector to promote it, and dropped unused, which costs
 * more than the work it saves. It tries again after a rest, as a log can change its habits.
 */
export class RepeatCache<V> {
  private readonly table = new Map<string, V>();
  private hits = 0;
  private lookups = 0;
  /** Lookups left before entries are kept again; 0 while keeping. */
  private resting = 0;

  constructor(
    private readonly limit: number,
    /** Below this share of hits over a full table, the cache rests. */
    private readonly minHitRate = 0.3,
    /** A rest lasts this many lookups per entry of the limit. */
    private readonly restFactor = 8,
  ) {}

  get(key: string): V | undefined {
    if (this.resting > 0) {
      this.resting--;
      return undefined;
    }
    this.lookups++;
    const value = this.table.get(key);
    if (value !== undefined) this.hits++;
    return value;
  }

  set(key: string, value: V): void {
    if (this.resting > 0) return;
    if (this.table.size >= this.limit) {
      const poor = this.hits < this.lookups * this.minHitRate;
      this.table.clear();
      this.hits = 0;
      this.lookups = 0;
      if (poor) {
        this.resting = this.limit * this.restFactor;
        return;
      }
    }
    this.table.set(key, value);
  }
}
