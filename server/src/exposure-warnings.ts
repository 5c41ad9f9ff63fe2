/**
 * Warnings for a broker reachable from other machines without the protection it would need there.
 * The broker is meant for networks shared with other services, where an open listener lets anyone
 * who can reach the port enqueue, lease, cancel and read every task.
 */

/** True for the hosts only this machine can reach: 127.0.0.0/8, `localhost`, `[::1]`. */
export function isLoopbackHost(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i.test(host);
}

/**
 * The warnings (one line each, without prefix) for serving on `host` with or without tokens and
 * TLS; none on a loopback host.
 */
export function exposureWarnings(host: string, security: { tokens: boolean; tls: boolean }): string[] {
  if (isLoopbackHost(host)) return [];
  if (!security.tokens) {
    return [
      `listening on ${host}, reachable from other machines, without authentication (TLS ${security.tls ? 'on' : 'off'}): ` +
        'anyone who can reach the port may enqueue, lease, cancel and read every task; set --auth-tokens-file (or QTASKS_BROKER_AUTH_TOKEN)' +
        (security.tls ? '' : ' and serve TLS (--tls-cert, --tls-key)'),
    ];
  }
  if (!security.tls) return ['tokens travel in plaintext off this machine; serve TLS (--tls-cert, --tls-key)'];
  return [];
}

/**
 * The warnings for serving the HTTP endpoint (the dashboard, `--http-listen`) on `host`: it has no
 * TLS of its own, so off this machine its tokens travel in plaintext, and without tokens anyone who
 * reaches it reads every task and may cancel, retry, pause and resume. None on a loopback host.
 */
export function httpExposureWarnings(host: string, security: { tokens: boolean }): string[] {
  if (isLoopbackHost(host)) return [];
  if (!security.tokens) {
    return [
      `the dashboard on ${host} (--http-listen) is reachable from other machines without authentication: anyone who can reach it reads every task and may cancel, retry, pause and resume; set --auth-tokens-file (or QTASKS_BROKER_AUTH_TOKEN)`,
    ];
  }
  return [`the dashboard on ${host} (--http-listen) is plain HTTP: its tokens travel in plaintext off this machine; serve it behind a TLS proxy`];
}
