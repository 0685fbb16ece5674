/**
 * A few metric families and their rendering in the Prometheus text exposition format (version 0.0.4):
 * `# HELP`, `# TYPE`, then one `name{labels} value` line per series. Written here rather than taken from
 * prom-client: the launcher needs counters, gauges and one histogram, which this file covers in a fraction of
 * that library's size and start-up cost, and with no default process metrics that a textfile must not carry.
 */

export type Labels = Readonly<Record<string, string>>;

interface Series {
  labels: Labels;
  value: number;
}

/** `\`, `"` and line feeds escaped, as the text format asks of label values. */
function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

/** The key of a series: its labels in a fixed order. */
function seriesKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

abstract class Family {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  constructor(name: string, help: string) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`not a metric name: ${name}`);
    this.name = name;
    this.help = help;
  }
  protected abstract lines(): string[];
  render(): string {
    const help = this.help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
    return [`# HELP ${this.name} ${help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines()].join('\n');
  }
}

class Simple extends Family {
  readonly type: 'counter' | 'gauge';
  protected readonly series = new Map<string, Series>();
  constructor(name: string, help: string, type: 'counter' | 'gauge') {
    super(name, help);
    this.type = type;
  }
  protected entry(labels: Labels): Series {
    const key = seriesKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { ...labels }, value: 0 };
      this.series.set(key, s);
    }
    return s;
  }
  get(labels: Labels = {}): number | undefined {
    return this.series.get(seriesKey(labels))?.value;
  }
  /** Forgets the series whose labels `drop` picks (a label value that is gone for good). */
  remove(drop: (labels: Labels) => boolean): void {
    for (const [key, s] of this.series) if (drop(s.labels)) this.series.delete(key);
  }
  protected lines(): string[] {
    return [...this.series.values()].map(
      (s) => `${this.name}${formatLabels(s.labels)} ${formatValue(s.value)}`,
    );
  }
}

/** A value that only goes up (`..._total`). */
export class Counter extends Simple {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels).value += by;
  }
}

/** A value that is set to what holds now. */
export class Gauge extends Simple {
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, value: number): void {
    this.entry(labels).value = value;
  }
  /** Forgets every series (before setting those that hold now, so that gone ones disappear). */
  clear(): void {
    this.series.clear();
  }
}

interface HistogramSeries {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets (`le`), with their sum and count. */
export class Histogram extends Family {
  readonly type = 'histogram';
  readonly buckets: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();
  constructor(name: string, help: string, buckets: readonly number[]) {
    super(name, help);
    this.buckets = [...buckets].sort((a, b) => a - b);
  }
  observe(labels: Labels, value: number): void {
    const key = seriesKey(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { labels: { ...labels }, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  protected lines(): string[] {
    const lines: string[] = [];
    for (const s of this.#series.values()) {
      this.buckets.forEach((le, i) => {
        const labels = formatLabels({ ...s.labels, le: formatValue(le) });
        lines.push(`${this.name}_bucket${labels} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket${formatLabels({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${formatLabels(s.labels)} ${formatValue(s.sum)}`);
      lines.push(`${this.name}_count${formatLabels(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

/** The metric families of one process, rendered together. */
export class Registry {
  readonly #families: Family[] = [];
  #add<T extends Family>(family: T): T {
    if (this.#families.some((f) => f.name === family.name)) throw new Error(`metric ${family.name} twice`);
    this.#families.push(family);
    return family;
  }
  counter(name: string, help: string): Counter {
    return this.#add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.#add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.#add(new Histogram(name, help, buckets));
  }
  /** The text exposition format, ending with a line feed. */
  render(): string {
    return `${this.#families.map((f) => f.render()).join('\n')}\n`;
  }
}

/** The content type of {@link Registry.render}'s text. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
