/**
 * A reader for the Prometheus text exposition format, just enough for the dashboard's own
 * metrics: families declared by `# TYPE` lines and samples with their labels. The service's
 * Telemetry keeps a registry per application instance and exposes it only as this text, so
 * reading the text is what works whichever registry the metrics live in.
 */
export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface ParsedMetrics {
  /** Family names from `# TYPE` lines: a family may be declared and have no sample yet. */
  families: ReadonlySet<string>;
  samples: readonly MetricSample[];
}

const TYPE_LINE = /^#\s*TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s/;
const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): ParsedMetrics {
  const families = new Set<string>();
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const type = TYPE_LINE.exec(line);
    if (type) {
      families.add(type[1]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) continue;
    samples.push({ name: sample[1], labels: parseLabels(sample[2] ?? ''), value: parseValue(sample[3]) });
  }
  return { families, samples };
}

function parseLabels(body: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, name, escaped] of body.matchAll(LABEL)) {
    labels[name] = escaped.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** Number() reads "+Inf" as NaN; the format spells infinities that way. */
function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}
