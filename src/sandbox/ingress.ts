import http from 'node:http';

/** Client-API paths that a correct reverse proxy sends to MAS instead of Synapse (ESS does this). */
export const MAS_COMPAT_PATH = /^\/_matrix\/client\/(v3|r0|api\/v1|unstable)\/(login|logout|refresh)(\/|$)/;

/**
 * The reverse proxy in front of the sandbox, as an ingress or ESS's haproxy would be: client
 * traffic goes to Synapse, except the compatibility login endpoints, which go to MAS unless the
 * scenario says the proxy forgot them. Matrix clients and `doctor` use this URL as the homeserver.
 */
export function ingressListener(
  targets: { mas: string; synapse: string },
  options: { routeLoginToMas: boolean },
): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const target = new URL(
      options.routeLoginToMas && MAS_COMPAT_PATH.test(path) ? targets.mas : targets.synapse,
    );
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          host: target.host,
          'x-forwarded-host': req.headers.host ?? '',
          'x-forwarded-proto': 'http',
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('502 Bad Gateway');
    });
    req.pipe(upstream);
  };
}
