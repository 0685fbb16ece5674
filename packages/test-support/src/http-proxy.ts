// A real HTTP proxy on loopback for tests: absolute-form requests are forwarded (RFC 9112 §3.2.2) and CONNECT
// opens a tunnel (RFC 9110 §9.3.6). It can ask for Basic credentials (407 otherwise) and send the requests
// for some host names to another address, like a proxy that alone can resolve GitLab's name.
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import { connect, type Socket } from 'node:net';

/** One request the proxy got: `GET http://host:port/path` (forwarded) or `CONNECT host:port`. */
export interface ProxiedRequest {
  method: string;
  target: string;
  /** Its Proxy-Authorization header, if any. */
  authorization: string | undefined;
  /** What the proxy answered itself (407, 502), when it did not pass the request on. */
  refused?: number;
}

export interface TestProxy {
  /** `http://127.0.0.1:<port>` (add credentials yourself: `http://user:pw@127.0.0.1:<port>`). */
  url: string;
  port: number;
  readonly requests: readonly ProxiedRequest[];
  close(): Promise<void>;
}

export interface TestProxyOptions {
  /** `user:password` the proxy asks for (Basic); without it, anyone may use the proxy. */
  credentials?: string;
  /** Host name → `127.0.0.1:<port>` or `127.0.0.1`: where requests for that host really go. */
  hosts?: Record<string, string>;
}

/** Starts the proxy on 127.0.0.1 (a free port). */
export async function startTestProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const expected = options.credentials
    ? `Basic ${Buffer.from(options.credentials).toString('base64')}`
    : undefined;
  const allowed = (headers: IncomingHttpHeaders) =>
    expected === undefined || headers['proxy-authorization'] === expected;
  const place = (host: string, port: number) => {
    const to = options.hosts?.[host];
    if (!to) return { host, port };
    const [toHost, toPort] = to.split(':');
    return { host: toHost!, port: toPort ? Number(toPort) : port };
  };

  const server = createServer((req, res) => {
    const entry: ProxiedRequest = {
      method: req.method ?? 'GET',
      target: req.url ?? '',
      authorization: req.headers['proxy-authorization'],
    };
    requests.push(entry);
    if (!allowed(req.headers)) {
      entry.refused = 407;
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test proxy"' }).end();
      return;
    }
    const url =
      /^http:\/\//.test(entry.target) && URL.canParse(entry.target) ? new URL(entry.target) : undefined;
    if (!url) {
      entry.refused = 400;
      res.writeHead(400).end('absolute-form http:// request expected');
      return;
    }
    const { host, port } = place(url.hostname, Number(url.port) || 80);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = request(
      { host, port, method: req.method, path: `${url.pathname}${url.search}`, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      entry.refused = 502;
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req, socket: Socket, head: Buffer) => {
    const entry: ProxiedRequest = {
      method: 'CONNECT',
      target: req.url ?? '',
      authorization: req.headers['proxy-authorization'],
    };
    requests.push(entry);
    socket.on('error', () => socket.destroy());
    if (!allowed(req.headers)) {
      entry.refused = 407;
      socket.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test proxy"\r\n\r\n',
      );
      return;
    }
    const at = entry.target.lastIndexOf(':');
    const { host, port } = place(entry.target.slice(0, at), Number(entry.target.slice(at + 1)));
    const upstream = connect(port, host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => {
      entry.refused = 502;
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
