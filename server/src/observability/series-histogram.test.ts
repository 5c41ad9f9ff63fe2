import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from './series-histogram.js';

describe('SeriesHistogram', () => {
  it('is served by a prom-client registry as a histogram: cumulative buckets, +Inf, sum and count per label set', async () => {
    const registry = new Registry();
    const histogram = new SeriesHistogram('test_seconds', 'A test.', ['queue'], [0.1, 1], [registry]);
    const a = histogram.series({ queue: 'a' });
    expect(histogram.series({ queue: 'a' })).toBe(a);
    for (const value of [0.05, 0.1, 0.5, 3]) a.observe(value);
    histogram.series({ queue: 'b' }).observe(1);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE test_seconds histogram');
    const lines = text.split('\n').filter((line) => line.startsWith('test_seconds'));
    expect(lines).toEqual([
      'test_seconds_bucket{queue="a",le="0.1"} 2',
      'test_seconds_bucket{queue="a",le="1"} 3',
      'test_seconds_bucket{queue="a",le="+Inf"} 4',
      'test_seconds_sum{queue="a"} 3.65',
      'test_seconds_count{queue="a"} 4',
      'test_seconds_bucket{queue="b",le="0.1"} 0',
      'test_seconds_bucket{queue="b",le="1"} 1',
      'test_seconds_bucket{queue="b",le="+Inf"} 1',
      'test_seconds_sum{queue="b"} 1',
      'test_seconds_count{queue="b"} 1',
    ]);
    registry.resetMetrics();
    expect((await registry.metrics()).split('\n').filter((line) => line.startsWith('test_seconds'))).toEqual([]);
  });
});
