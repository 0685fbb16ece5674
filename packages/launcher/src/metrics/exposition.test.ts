import { describe, expect, it } from 'vitest';
import { Registry } from './exposition.js';

describe('the Prometheus text format', () => {
  it('renders HELP and TYPE before the samples and escapes label values and help text', () => {
    const registry = new Registry();
    const c = registry.counter('x_total', 'Things\\done\nso far.');
    c.inc({ instance: 'a"b\\c\nd' }, 2);
    c.inc({ instance: 'a"b\\c\nd' });
    expect(registry.render()).toBe(
      '# HELP x_total Things\\\\done\\nso far.\n# TYPE x_total counter\nx_total{instance="a\\"b\\\\c\\nd"} 3\n',
    );
  });

  it('renders a histogram as cumulative buckets with +Inf, sum and count', () => {
    const registry = new Registry();
    const h = registry.histogram('t_seconds', 'T.', [10, 1]);
    h.observe({ i: 'x' }, 0.5);
    h.observe({ i: 'x' }, 5);
    h.observe({ i: 'x' }, 50);
    expect(registry.render().split('\n').slice(2, -1)).toEqual([
      't_seconds_bucket{i="x",le="1"} 1',
      't_seconds_bucket{i="x",le="10"} 2',
      't_seconds_bucket{i="x",le="+Inf"} 3',
      't_seconds_sum{i="x"} 55.5',
      't_seconds_count{i="x"} 3',
    ]);
  });

  it('forgets gauge series on clear, so that gone label sets disappear', () => {
    const registry = new Registry();
    const g = registry.gauge('g', 'G.');
    g.set({ a: '1' }, 1);
    g.clear();
    g.set({ a: '2' }, 2);
    expect(registry.render()).toBe('# HELP g G.\n# TYPE g gauge\ng{a="2"} 2\n');
  });

  it.each(['1bad', 'bad-name', ''])('refuses the metric name %j', (name) => {
    expect(() => new Registry().gauge(name, 'x')).toThrow(/not a metric name/);
  });
});
