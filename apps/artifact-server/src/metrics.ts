import { Counter, Gauge, type Registry } from 'prom-client';

type RequestCounter = { inc(value?: number): void };

/** The artifact server's own metrics, registered in the service's registry. */
export class ArtifactMetrics {
  private readonly requests: Counter<'method' | 'status'>;
  private readonly bytesServed: Counter;
  private readonly publishes: Counter<'result'>;
  private readonly publishedBytes: Counter;
  private readonly requestChildren = new Map<string, RequestCounter>();

  constructor(registry: Registry, countArtifacts: () => number) {
    this.requests = new Counter({
      name: 'artifact_http_requests_total',
      help: 'Artifact HTTP requests answered, by method and status.',
      labelNames: ['method', 'status'],
      registers: [registry],
    });
    this.bytesServed = new Counter({ name: 'artifact_http_bytes_served_total', help: 'Artifact content bytes sent.', registers: [registry] });
    this.publishes = new Counter({
      name: 'artifact_publishes_total',
      help: 'Publish calls, by result (published or rejected).',
      labelNames: ['result'],
      registers: [registry],
    });
    this.publishedBytes = new Counter({ name: 'artifact_published_bytes_total', help: 'Bytes of artifacts published.', registers: [registry] });
    new Gauge({
      name: 'artifact_published',
      help: 'Artifacts currently published.',
      registers: [registry],
      collect() {
        this.set(countArtifacts());
      },
    });
  }

  /** One answered request (the label children are cached: this is on the download hot path). */
  request(method: string, status: number): void {
    const key = `${method} ${status}`;
    let child = this.requestChildren.get(key);
    if (!child) {
      child = this.requests.labels(method, String(status));
      this.requestChildren.set(key, child);
    }
    child.inc();
  }

  /** Content bytes sent to a client. */
  served(bytes: number): void {
    if (bytes > 0) this.bytesServed.inc(bytes);
  }

  /** A publish that succeeded with `bytes` of content, or was rejected. */
  published(bytes: number): void {
    this.publishes.labels('published').inc();
    this.publishedBytes.inc(bytes);
  }

  /** A publish that was refused or failed. */
  rejected(): void {
    this.publishes.labels('rejected').inc();
  }
}
