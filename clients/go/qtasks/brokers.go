package qtasks

// Several broker addresses for one client: brokers that share one store (issue 14), any of which
// may serve every call. The client connects to the first that answers, in the order given, and
// moves to the next when its broker goes away: calls in flight fail with Unavailable, the worker's
// Work stream reopens (as after a broker restart) and goes to the next broker that answers.
//
// This is gRPC's own client-side failover: one connection whose name resolves to one endpoint per
// address under the default pick_first policy (the first reachable endpoint, kept until it is
// lost, then the list again in order). The qtasks-brokers resolver below takes HOST:PORT entries
// (names or literals) and looks the names up again whenever the connection asks, after a lost
// connection. The TypeScript SDK does the same (sdk-ts/src/broker-addresses.ts).

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/resolver"
)

// brokersScheme is the resolver scheme of a list of broker addresses.
const brokersScheme = "qtasks-brokers"

// grpcTarget matches a gRPC target of its own ("ipv4:a,b", "dns:///name", "unix:path"): taken
// whole, commas and all, as before.
var grpcTarget = regexp.MustCompile(`^(ipv4|ipv6|dns|unix|unix-abstract|vsock|passthrough):|://`)

// brokerAddresses splits addr ("HOST:PORT" or "HOST:PORT,HOST:PORT,...") into its entries,
// refusing one of several that is not HOST:PORT by name. One address is taken as it is (any gRPC
// target, as before).
func brokerAddresses(addr string) ([]string, error) {
	entries := strings.Split(addr, ",")
	if len(entries) == 1 || grpcTarget.MatchString(addr) {
		return []string{addr}, nil
	}
	for i, entry := range entries {
		entry = strings.TrimSpace(entry)
		if host, port, err := net.SplitHostPort(entry); err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("qtasks: Dial: broker address %q is not HOST:PORT (several brokers: \"HOST:PORT,HOST:PORT\")", entry)
		}
		entries[i] = entry
	}
	return entries, nil
}

// brokersBuilder builds the resolver of a qtasks-brokers:///HOST:PORT,HOST:PORT target.
type brokersBuilder struct{}

func (brokersBuilder) Scheme() string { return brokersScheme }

func (brokersBuilder) Build(target resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	entries, err := brokerAddresses(target.Endpoint())
	if err != nil {
		return nil, err
	}
	r := &brokersResolver{cc: cc, entries: entries}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.ResolveNow(resolver.ResolveNowOptions{})
	return r, nil
}

// brokersResolver resolves each entry to one endpoint, in order. A lookup that finds nothing is
// tried again with backoff (100 ms doubling to 5 s), as gRPC's DNS resolver does, until one
// succeeds or the connection closes.
type brokersResolver struct {
	cc      resolver.ClientConn
	entries []string

	ctx    context.Context // ends at Close
	cancel context.CancelFunc

	mu        sync.Mutex
	resolving bool
	again     bool // a ResolveNow came during a lookup: one more lookup follows it
	closed    bool
}

// ResolveNow looks every name up again, in the background (gRPC asks after a lost connection).
func (r *brokersResolver) ResolveNow(resolver.ResolveNowOptions) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.resolving {
		r.again = true
		return
	}
	r.resolving = true
	go r.loop()
}

// loop looks the names up until a lookup finds some and no ResolveNow is pending, backing off
// after failures.
func (r *brokersResolver) loop() {
	delay := 100 * time.Millisecond
	for {
		ok := r.resolve()
		r.mu.Lock()
		if r.closed || (ok && !r.again) {
			r.resolving = false
			r.mu.Unlock()
			return
		}
		r.again = false
		wait := time.Duration(0)
		if !ok {
			wait = delay
			delay = min(2*delay, 5*time.Second)
		}
		r.mu.Unlock()
		select {
		case <-time.After(wait):
		case <-r.ctx.Done():
		}
	}
}

// resolve looks every entry up and reports the endpoints found; false if none was.
func (r *brokersResolver) resolve() bool {
	ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
	defer cancel()
	var endpoints []resolver.Endpoint
	for _, entry := range r.entries {
		host, port, _ := net.SplitHostPort(entry)
		hosts := []string{host}
		if net.ParseIP(host) == nil {
			found, err := net.DefaultResolver.LookupHost(ctx, host)
			if err != nil {
				continue // a name that does not resolve now is left out: the others still serve
			}
			hosts = found
		}
		endpoint := resolver.Endpoint{}
		for _, h := range hosts {
			endpoint.Addresses = append(endpoint.Addresses, resolver.Address{Addr: net.JoinHostPort(h, port)})
		}
		endpoints = append(endpoints, endpoint)
	}
	if r.ctx.Err() != nil {
		return true // closed meanwhile: nothing to report
	}
	if len(endpoints) == 0 {
		r.cc.ReportError(fmt.Errorf("none of the broker addresses resolved: %s", strings.Join(r.entries, ", ")))
		return false
	}
	return r.cc.UpdateState(resolver.State{Endpoints: endpoints}) == nil
}

// Close stops the lookups: one in flight is cancelled, and nothing more is reported.
func (r *brokersResolver) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.cancel()
}
