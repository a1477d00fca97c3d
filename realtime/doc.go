// Package realtime serves Illuwa's WebSocket protocol (docs/protocol.md):
// it owns the local client connections of one server instance, keeps each
// watcher's live map exact, and fans events out between instances through a
// Broker (in-process or Redis pub/sub).
//
// The package does not know the geo index, the store or the HTTP handlers.
// It declares what it needs as small interfaces (Map, Inbound) and trades
// plain values (ids, coordinates, bytes); the program's main wires them.
//
// Wiring, in order:
//
//	hub, err := realtime.NewHub(opts, mapImpl)
//	broker := realtime.NewMemoryBroker(hub) // or NewRedisBroker(client, prefix, hub)
//	hub.SetBroker(broker)
//	go hub.Run(ctx)
//	// route GET /ws to a handler that authenticates and calls
//	// hub.ServeWS(w, r, who, inbound)
//	// shutdown: HTTP server, then hub.Shutdown, then broker.Close
package realtime
