/**
 * Several broker addresses for one app: brokers that share one store (issue 14's PostgreSQL, or
 * a standby behind the same data), any of which may serve every call. The app connects to the
 * first that answers, in the order given, and moves to the next when its broker goes away: the
 * Work and Produce streams it was on fail, the worker and the producer open new ones (as after a
 * broker restart), and those go to the next broker that answers.
 *
 * This is gRPC's own client-side failover: one channel whose name resolves to a list of
 * endpoints, under the `pick_first` policy (connect to the first reachable endpoint, stay there,
 * and resolve and try again in order once it is lost). gRPC's `ipv4:`/`ipv6:` names do that for IP
 * literals only; the `qtasks-brokers:` scheme registered here takes `HOST:PORT` entries as users
 * write them (names or literals), and resolves each name again whenever the channel asks
 * (after a lost connection), so a broker moved to a new address is found.
 */
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { Metadata, experimental, status, type ChannelOptions } from '@grpc/grpc-js';

/** The resolver scheme of a list of broker addresses. */
const SCHEME = 'qtasks-brokers';

/**
 * Least time between two lookups of the list's names (gRPC's DNS resolver waits 30 s): the channel
 * asks again on every call while no broker answers.
 */
const MIN_RESOLVE_INTERVAL_MS = 1000;

/** A gRPC target of its own (`ipv4:a,b`, `dns:///name`, `unix:path`): taken whole, commas and all. */
const GRPC_TARGET = /^(ipv4|ipv6|dns|unix|unix-abstract|vsock):|:\/\//;

/**
 * The addresses `broker` names, in order: a list, or one string that may hold several, separated
 * by commas (as `QTASKS_BROKER_ADDRESS` does). One address is taken as it is, as before.
 *
 * @throws TypeError naming an entry of several that is empty or has no port
 */
export function brokerAddresses(broker: string | readonly string[]): string[] {
  if (typeof broker === 'string' && GRPC_TARGET.test(broker)) return [broker];
  const entries = (typeof broker === 'string' ? broker.split(',') : broker.flatMap((entry) => entry.split(','))).map((entry) => entry.trim());
  if (entries.length === 0) throw new TypeError('broker: the list of broker addresses is empty');
  if (entries.length === 1) return entries;
  for (const entry of entries) {
    if (experimental.splitHostPort(entry)?.port === undefined || entry === '') {
      throw new TypeError(`broker: "${entry}" is not HOST:PORT (several brokers: "HOST:PORT,HOST:PORT" or a list)`);
    }
  }
  return entries;
}

/**
 * The gRPC target for `addresses`: the address itself when there is one (gRPC's DNS resolver, as
 * before), a `qtasks-brokers:` list when there are several.
 */
export function channelTarget(addresses: readonly string[]): string {
  if (addresses.length === 1) return addresses[0]!;
  registerOnce();
  return `${SCHEME}:///${addresses.join(',')}`;
}

let registered = false;

function registerOnce(): void {
  if (registered) return;
  experimental.registerResolver(SCHEME, BrokerListResolver);
  registered = true;
}

/** Resolves a `qtasks-brokers:` list to one endpoint per entry, in order (see the module comment). */
class BrokerListResolver implements experimental.Resolver {
  private readonly entries: { host: string; port: number }[];
  private resolving = false;
  /** Bumped by {@link destroy}: a lookup started before reports nothing. */
  private generation = 0;
  private lastResolvedMs = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    target: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
    _options: ChannelOptions,
  ) {
    this.entries = target.path.split(',').map((entry) => {
      const { host, port } = experimental.splitHostPort(entry)!;
      return { host, port: port! };
    });
  }

  /**
   * Called by the channel when it starts and after a lost connection: resolves every name again,
   * at most once per {@link MIN_RESOLVE_INTERVAL_MS}, and always after this call returns.
   */
  updateResolution(): void {
    if (this.resolving || this.timer) return;
    const waitMs = Math.max(0, this.lastResolvedMs + MIN_RESOLVE_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.resolving = true;
      this.lastResolvedMs = performance.now();
      const generation = this.generation;
      void this.resolve(generation).finally(() => {
        if (generation === this.generation) this.resolving = false;
      });
    }, waitMs);
  }

  /**
   * The channel stops listening (it closed, or went idle: it may call {@link updateResolution}
   * again later): nothing started before is reported.
   */
  destroy(): void {
    this.generation++;
    this.resolving = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The first address: what TLS checks the certificate against (see the README). */
  static getDefaultAuthority(target: experimental.GrpcUri): string {
    return target.path.split(',')[0]!;
  }

  private async resolve(generation: number): Promise<void> {
    const endpoints: experimental.Endpoint[] = [];
    for (const { host, port } of this.entries) {
      // A name that does not resolve now is left out: the others still serve.
      const found = isIP(host) ? [{ address: host }] : await lookup(host, { all: true }).catch(() => []);
      if (found.length > 0) endpoints.push({ addresses: found.map(({ address }) => ({ host: address, port })) });
    }
    if (generation !== this.generation) return;
    if (endpoints.length > 0) {
      this.listener(experimental.statusOrFromValue(endpoints), {}, null, '');
      return;
    }
    const details = `none of the broker addresses resolved: ${this.entries.map(({ host, port }) => `${host}:${port}`).join(', ')}`;
    this.listener(experimental.statusOrFromError({ code: status.UNAVAILABLE, details, metadata: new Metadata() }), {}, null, '');
  }
}
