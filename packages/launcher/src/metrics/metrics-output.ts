import { createServer, type Server } from 'node:http';
import { writeFileAtomic } from '@mr/node-kit/atomic-write';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';

/** `host:port`, `[v6]:port` or `:port` (all interfaces) → what `server.listen` takes. */
export function parseListen(listen: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65_535) throw new Error(`expected host:port or :port, found "${listen}"`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

/** A running `/metrics` listener. */
export interface MetricsServer {
  /** `http://host:port/metrics` as bound (the real port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

/** Serves `render()` at `GET /metrics` (404 elsewhere) on `listen` (`host:port`). */
export async function serveMetrics(listen: string, render: () => string): Promise<MetricsServer> {
  const { host, port } = parseListen(listen);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    const body = render();
    res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address : { address: host ?? '0.0.0.0', port };
  const shown = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shown}:${bound.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Writes the metrics for node_exporter's textfile collector: a temporary file renamed into place, so that
 * node_exporter never reads half a file. Mode 0644: node_exporter usually runs as another user.
 */
export async function writeMetricsTextfile(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text, { mode: 0o644 });
}
