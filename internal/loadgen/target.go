package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
)

// CheckTarget accepts only an http(s) URL whose host is on the loopback
// interface: a literal address in 127.0.0.0/8 or ::1, or a name that
// resolves to loopback addresses only.
func CheckTarget(ctx context.Context, target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("loadgen: target %q: %w", target, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("loadgen: target %q: scheme must be http or https", target)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("loadgen: target %q has no host", target)
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if !isLoopback(addr) {
			return fmt.Errorf("loadgen: refusing target %s: not a loopback address (127.0.0.0/8 or ::1)", host)
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("loadgen: resolve target host %q: %w", host, err)
	}
	for _, a := range addrs {
		if !isLoopback(a) {
			return fmt.Errorf("loadgen: refusing target %s: it resolves to %s, not a loopback address", host, a)
		}
	}
	if len(addrs) == 0 {
		return fmt.Errorf("loadgen: target host %q resolves to nothing", host)
	}
	return nil
}

func isLoopback(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is4() {
		return netip.MustParsePrefix("127.0.0.0/8").Contains(a)
	}
	return a == netip.IPv6Loopback()
}
