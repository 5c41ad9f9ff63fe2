/**
 * A labelled histogram for per-task observations, served by prom-client's registry through its
 * public metric interface (`get()`). prom-client's own `Histogram` validates and hashes a child's
 * labels on every `observe`, even a child kept from `labels()`: twice per task (wait and run), that
 * was most of what metrics cost a drain (docs/benchmarks.md, "Metrics on"). Here a label set is
 * looked up once, and its {@link HistogramSeries} is kept by the caller: an observation is a
 * bucket search and three increments.
 */
import type { Registry } from 'prom-client';

/** One label set's buckets, sum and count. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot is past the highest bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Counts one value. */
  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** One sample as prom-client's registry reads it. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** A histogram whose label sets are {@link HistogramSeries}, registered in prom-client registries. */
export class SeriesHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly all = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    private readonly bounds: readonly number[],
    registers: readonly Registry[],
  ) {
    for (const registry of registers) registry.registerMetric(this as never);
  }

  /** The series of one label set, made on first use: keep it, and observe on it. */
  series(labels: Readonly<Record<L, string>>): HistogramSeries {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let series = this.all.get(key);
    if (!series) this.all.set(key, (series = new HistogramSeries({ ...labels }, this.bounds)));
    return series;
  }

  /** What the registry serves: per series, cumulative `_bucket`s with `le`, then `_sum` and `_count`. */
  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] } {
    const values: Sample[] = [];
    for (const series of this.all.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({ labels: { ...series.labels, le: bound }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...series.labels }, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Forgets every observation (the registry's `resetMetrics`). */
  reset(): void {
    this.all.clear();
  }
}
