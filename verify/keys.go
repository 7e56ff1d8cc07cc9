package verify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/httprc/v3/errsink"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"
	"golang.org/x/sync/singleflight"
)

// maxMissBackoff is the longest wait between two key-miss fetches while they
// fail.
const maxMissBackoff = 2 * time.Second

// errRateLimited reports that a key-miss refresh happened too recently.
var errRateLimited = errors.New("key set refreshed too recently")

// keySet is one issuer's signing keys. An httprc cache fetches and refreshes
// the JWKS in the background (honouring Cache-Control between KeyRefreshMin
// and KeyRefreshMax, keeping the last good set when a fetch fails). On top of
// it, a token naming a kid the set lacks triggers one immediate refresh:
// single-flight, never waited on by requests whose keys are known, at most
// one per KeyMissInterval after a success, and while fetches fail again after
// 1 s, then every 2 s, so a key rotated in while the JWKS endpoint was down is
// picked up within 2 s of its return.
type keySet struct {
	url     string
	ctrl    httprc.Controller
	res     *httprc.ResourceBase[*keyList]
	every   time.Duration // KeyMissInterval
	timeout time.Duration // bound of one refresh
	stop    context.CancelFunc
	loaded  chan struct{} // closed when the first fetch has succeeded or failed

	snap atomic.Pointer[keySnapshot]

	flight singleflight.Group // the key-miss fetch under way, key keyMissFetch

	mu       sync.Mutex // guards what follows, and snapshot rebuilds
	fetching bool       // a key-miss fetch is under way (in flight)
	lastMiss time.Time  // start of the last key-miss fetch
	failures int        // key-miss fetches failed in a row; 0 after a success
	lastErr  error      // why the last key-miss fetch failed
}

// keySnapshot is the usable keys of one fetched key set.
type keySnapshot struct {
	set   *keyList // identity of the set it was built from
	byKID map[string][]*publicKey
	all   []*publicKey
	gen   uint64 // bumped on every change; verified-token caches key on it
}

// keyMissFetch is the key of the key-miss fetch in keySet.flight.
const keyMissFetch = "jwks"

// newKeySet starts the key cache of the key set at u, the one of issuer's
// provider.
func newKeySet(u, issuer string, client *http.Client, cfg ProviderConfig) (*keySet, error) {
	ctx, stop := context.WithCancel(context.Background())
	loaded := make(chan struct{})
	var once sync.Once
	firstDone := func() { once.Do(func() { close(loaded) }) }
	sink := errsink.NewFunc(func(context.Context, error) { firstDone() })
	// One worker: this client fetches one resource. (The default, five,
	// would park four idle goroutines per provider.)
	ctrl, err := httprc.NewClient(httprc.WithErrorSink(sink), httprc.WithWorkers(1)).Start(ctx)
	if err != nil {
		stop()
		return nil, fmt.Errorf("verify: starting the key cache: %w", err)
	}
	minI, maxI := orDefault(cfg.KeyRefreshMin, 15*time.Minute), orDefault(cfg.KeyRefreshMax, 24*time.Hour)
	if maxI < minI {
		maxI = minI
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	rep := &fetchReport{issuer: issuer, src: u, obs: cfg.Observer, log: log}
	res, err := httprc.NewResource[*keyList](u, httprc.TransformFunc[*keyList](rep.transform(jwksTransformer(u, log))),
		httprc.WithHTTPClient(rep.client(client)),
		httprc.WithMinInterval(minI),
		httprc.WithMaxInterval(maxI),
	)
	if err == nil {
		err = ctrl.Add(ctx, res, httprc.WithWaitReady(false))
	}
	if err != nil {
		stop()
		return nil, fmt.Errorf("verify: registering %s: %w", u, err)
	}
	go func() {
		if res.Ready(ctx) == nil {
			firstDone()
		}
	}()
	ks := &keySet{url: u, ctrl: ctrl, res: res, every: orDefault(cfg.KeyMissInterval, 30*time.Second),
		timeout: client.Timeout, stop: stop, loaded: loaded}
	ks.snap.Store(&keySnapshot{})
	return ks, nil
}

func (k *keySet) close() { k.stop() }

// current returns the snapshot of the newest fetched set.
func (k *keySet) current() *keySnapshot {
	s := k.snap.Load()
	set := k.res.Resource()
	if set == nil || set == s.set {
		return s
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if s = k.snap.Load(); s.set == set {
		return s
	}
	ns := buildSnapshot(set, s.gen+1)
	k.snap.Store(ns)
	return ns
}

// lookup returns the keys that may have signed a token with this kid and alg
// (wide as in publicKey.fits), refreshing the set once when none does.
func (k *keySet) lookup(ctx context.Context, kid, alg string, wide bool) (*keySnapshot, []*publicKey, error) {
	s := k.current()
	if ks := s.match(kid, alg, wide); len(ks) > 0 {
		return s, ks, nil
	}
	if s.set == nil {
		// The background first fetch is under way: wait for it rather
		// than fetching twice.
		select {
		case <-k.loaded:
		case <-ctx.Done():
			return s, nil, fmt.Errorf("%w: waiting for the keys of %s: %w", ErrUnavailable, k.url, ctx.Err())
		}
		s = k.current()
		if ks := s.match(kid, alg, wide); len(ks) > 0 {
			return s, ks, nil
		}
	}
	err := k.refresh(ctx)
	s = k.current()
	if ks := s.match(kid, alg, wide); len(ks) > 0 {
		return s, ks, nil
	}
	switch {
	case err == nil, errors.Is(err, errRateLimited) && len(s.all) > 0:
		// The set was fetched successfully, just now or within the
		// window: the kid is not the issuer's.
		return s, nil, errNoKey
	case errors.Is(err, errRateLimited):
		return s, nil, fmt.Errorf("%w: no keys fetched yet from %s", ErrUnavailable, k.url)
	default:
		// The fetch failed, now or recently: the kid may be a key
		// rotated in that could not be fetched, so the token cannot be
		// judged either way.
		return s, nil, fmt.Errorf("%w: fetching keys from %s: %w", ErrUnavailable, k.url, err)
	}
}

// refresh fetches the key set now, unless a fetch is under way (then it
// waits for that one) or the last one started too recently: then it returns
// errRateLimited when that fetch succeeded, and an error naming the failure
// and the wait when it failed.
//
// The fetch is x/sync/singleflight's DoChan: it runs in its own goroutine,
// and a caller whose ctx ends stops waiting without cancelling it for the
// others. The rate limit needs to know whether a fetch is under way, so
// k.fetching says so; DoChan is called and the finished fetch forgotten
// (Group.Forget) under k.mu, so a caller that sees fetching joins the fetch
// under way, never one that has ended, and one that does not see it starts a
// new one.
func (k *keySet) refresh(ctx context.Context) error {
	k.mu.Lock()
	if !k.fetching {
		now := time.Now()
		if wait := k.lastMiss.Add(k.gap()).Sub(now); !k.lastMiss.IsZero() && wait > 0 {
			err := errRateLimited
			if k.failures > 0 {
				err = fmt.Errorf("%d fetches failed in a row, next in %v: %w", k.failures, wait, k.lastErr)
			}
			k.mu.Unlock()
			return err
		}
		k.lastMiss = now
		k.fetching = true
	}
	ch := k.flight.DoChan(keyMissFetch, k.fetch)
	k.mu.Unlock()
	select {
	case r := <-ch:
		return r.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetch runs one refresh, detached from any one request.
func (k *keySet) fetch() (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), k.timeout)
	defer cancel()
	err := k.ctrl.Refresh(ctx, k.url)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.flight.Forget(keyMissFetch)
	k.fetching = false
	if err != nil {
		k.failures++
		k.lastErr = err
	} else {
		k.failures, k.lastErr = 0, nil
	}
	return nil, err
}

// gap is the least time between two key-miss fetches: KeyMissInterval after
// a success; after a failure 1 s, after two or more in a row 2 s (never more
// than KeyMissInterval). The short steps are what let a key rotated in while
// the endpoint was down pass within 2 s of its return, at the price of one
// fetch per 2 s at most against an endpoint that is down. k.mu is held.
func (k *keySet) gap() time.Duration {
	switch k.failures {
	case 0:
		return k.every
	case 1:
		return min(time.Second, k.every)
	}
	return min(maxMissBackoff, k.every)
}

// match returns the candidate keys for a token's kid and alg (wide as in
// publicKey.fits).
func (s *keySnapshot) match(kid, alg string, wide bool) []*publicKey {
	if kid != "" {
		var out []*publicKey
		for _, pk := range s.byKID[kid] {
			if pk.fits(alg, wide) {
				if out == nil && len(s.byKID[kid]) == 1 {
					return s.byKID[kid]
				}
				out = append(out, pk)
			}
		}
		return out
	}
	var out []*publicKey
	for _, pk := range s.all {
		if pk.fits(alg, wide) {
			out = append(out, pk)
		}
	}
	return out
}

// verify reports whether sig is pk's signature with alg over input. The key
// was exported once when the set was fetched, so each check goes straight to
// jwx's typed verifier for its family, with no key conversion per call.
func (pk *publicKey) verify(alg string, input, sig []byte) bool {
	if !pk.canSign(alg) {
		// lookup hands out only fitting keys; checked again here because
		// the switch below picks the verifier by key type alone, and an
		// RSA key must never check a signature labelled ES256.
		return false
	}
	var h crypto.Hash
	switch alg[len(alg)-3:] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	}
	switch key := pk.key.(type) {
	case *rsa.PublicKey:
		return jwsbb.VerifyRSA(key, input, sig, h, alg[0] == 'P') == nil
	case *ecdsa.PublicKey:
		return jwsbb.VerifyECDSA(key, input, sig, h) == nil
	case ed25519.PublicKey:
		return jwsbb.VerifyEdDSA(key, input, sig) == nil
	}
	return false
}

// buildSnapshot indexes the usable keys of set (see admitKey) by kid.
func buildSnapshot(set *keyList, gen uint64) *keySnapshot {
	s := &keySnapshot{set: set, all: set.keys, byKID: map[string][]*publicKey{}, gen: gen}
	for _, pk := range set.keys {
		s.byKID[pk.kid] = append(s.byKID[pk.kid], pk)
	}
	return s
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
