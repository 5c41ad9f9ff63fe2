package qtasks

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"time"

	brokerv1 "github.com/qtasks/qtasks-broker/clients/go/gen/qtasks/broker/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// DefaultCallTimeout is how long one unary call may take (beyond any wait it asks for) when
// neither the context nor [WithCallTimeout] sets a shorter limit.
const DefaultCallTimeout = 30 * time.Second

// DefaultMaxBatch is the most items the client sends in one Enqueue, Heartbeat or Complete.
const DefaultMaxBatch = 1000

// Client is a connection to a broker. It is safe for concurrent use.
type Client struct {
	conn        *grpc.ClientConn
	rpc         brokerv1.BrokerServiceClient
	callTimeout time.Duration
	maxBatch    int
	maxResends  int
}

// Option configures [Dial].
type Option func(*settings)

type settings struct {
	token       string
	creds       credentials.TransportCredentials
	callTimeout time.Duration
	maxBatch    int
	maxResends  int
	dialOptions []grpc.DialOption
}

// WithToken sends `authorization: Bearer token` on every call, for a broker started with
// --auth-token or --auth-tokens-file. Without TLS the token travels in clear text.
func WithToken(token string) Option { return func(s *settings) { s.token = token } }

// WithTransportCredentials connects with these credentials (e.g. credentials.NewTLS(cfg)) instead
// of plaintext.
func WithTransportCredentials(creds credentials.TransportCredentials) Option {
	return func(s *settings) { s.creds = creds }
}

// WithTLS connects over TLS with this configuration (nil: the system's roots, no client
// certificate).
func WithTLS(cfg *tls.Config) Option {
	return func(s *settings) {
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		s.creds = credentials.NewTLS(cfg)
	}
}

// WithCallTimeout sets how long one unary call may take beyond any wait it asks for (Lease's
// long poll). Default [DefaultCallTimeout].
func WithCallTimeout(d time.Duration) Option { return func(s *settings) { s.callTimeout = d } }

// WithMaxBatch sets the most tasks sent in one Enqueue RPC (and items in one Heartbeat or Complete
// of a [Worker]); larger calls are split. Default [DefaultMaxBatch]; the broker's own limit is
// 10000 unless configured otherwise.
func WithMaxBatch(n int) Option { return func(s *settings) { s.maxBatch = n } }

// WithMaxOverloadResends sets how many times one Enqueue RPC refused by an overloaded broker is
// sent again (after the broker's retry hint) before the error is returned. Default 10; 0 never
// resends.
func WithMaxOverloadResends(n int) Option { return func(s *settings) { s.maxResends = n } }

// WithDialOptions adds gRPC dial options, e.g. interceptors.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(s *settings) { s.dialOptions = append(s.dialOptions, opts...) }
}

// Dial creates a client of the broker at addr ("host:port"), or of several brokers sharing one
// store ("host:port,host:port"): the client uses the first that answers and moves to the next when
// it goes away (see brokers.go). The connection is made lazily, on the first call; Dial fails only
// on bad options.
func Dial(addr string, opts ...Option) (*Client, error) {
	if addr == "" {
		return nil, errors.New("qtasks: Dial: empty broker address")
	}
	addresses, err := brokerAddresses(addr)
	if err != nil {
		return nil, err
	}
	s := settings{callTimeout: DefaultCallTimeout, maxBatch: DefaultMaxBatch, maxResends: 10}
	for _, opt := range opts {
		opt(&s)
	}
	if s.maxBatch <= 0 || s.callTimeout <= 0 || s.maxResends < 0 {
		return nil, errors.New("qtasks: Dial: max batch and call timeout must be positive, max resends not negative")
	}
	creds := s.creds
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	backoffConfig := backoff.DefaultConfig
	backoffConfig.BaseDelay = 100 * time.Millisecond
	backoffConfig.MaxDelay = 5 * time.Second
	dialOptions := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoffConfig, MinConnectTimeout: 5 * time.Second}),
	}
	if s.token != "" {
		dialOptions = append(dialOptions, grpc.WithPerRPCCredentials(bearerToken(s.token)))
	}
	target := addr
	if len(addresses) > 1 {
		// One authority for the connection: TLS checks every broker's certificate against the
		// first address's host, unless the caller's TLS config names the server.
		target = brokersScheme + ":///" + strings.Join(addresses, ",")
		dialOptions = append(dialOptions, grpc.WithResolvers(brokersBuilder{}))
		if creds.Info().ServerName == "" { //nolint:staticcheck // the only way to read a ServerName the caller set
			dialOptions = append(dialOptions, grpc.WithAuthority(addresses[0]))
		}
	}
	conn, err := grpc.NewClient(target, append(dialOptions, s.dialOptions...)...)
	if err != nil {
		return nil, err
	}
	return &Client{
		conn:        conn,
		rpc:         brokerv1.NewBrokerServiceClient(conn),
		callTimeout: s.callTimeout,
		maxBatch:    s.maxBatch,
		maxResends:  s.maxResends,
	}, nil
}

// Close closes the connection; calls in flight fail.
func (c *Client) Close() error { return c.conn.Close() }

// Raw returns the generated gRPC client on the same connection, for RPCs this package does not
// wrap (ReportProgress outside a [Worker]) or for full control of a call.
func (c *Client) Raw() brokerv1.BrokerServiceClient { return c.rpc }

// withTimeout bounds ctx by the call timeout plus extra (a wait the call asks for).
func (c *Client) withTimeout(ctx context.Context, extra time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.callTimeout+extra)
}

// unary runs one unary RPC with a deadline and turns its error into an *Error.
func unary[Req, Resp any](ctx context.Context, c *Client, method string, extra time.Duration, call func(context.Context, Req, ...grpc.CallOption) (Resp, error), req Req) (Resp, error) {
	ctx, cancel := c.withTimeout(ctx, extra)
	defer cancel()
	var trailer metadata.MD
	resp, err := call(ctx, req, grpc.Trailer(&trailer))
	if err != nil {
		return resp, newError(method, err, trailer)
	}
	return resp, nil
}

// bearerToken sends `authorization: Bearer TOKEN` with every call.
type bearerToken string

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (t bearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(t)}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials: the token is also sent over
// plaintext connections (as the other SDKs do), e.g. to a broker on localhost.
func (bearerToken) RequireTransportSecurity() bool { return false }
