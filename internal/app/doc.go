// Package app is Sluice's composition root: it builds every component from
// the configuration, starts them in dependency order (storage, domain
// services, background controllers, then the listener) and stops them in
// the reverse order, so that in-flight requests finish before storage
// closes.
//
// It is the only package that knows every other one; nothing imports it
// but cmd/sluice and the integration tests.
package app
