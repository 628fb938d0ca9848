package app

import (
	"github.com/sluicehq/sluice/internal/envelope"
	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/store"
)

// Accessors for tests and tools that look inside a running server. They
// are not part of any API: a server's behaviour is what its endpoints do.

// Store returns the storage engine (nil before Start).
func (a *App) Store() *store.Store { return a.store }

// Streams returns the delivery-stream service (nil before Start).
func (a *App) Streams() *firehose.Service { return a.streams }

// Sealer returns the envelope sealer of the data path (nil before Start);
// its Open decrypts a sealed stored message.
func (a *App) Sealer() *envelope.Sealer { return a.sealer }
