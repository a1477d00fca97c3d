// Package loadgen drives a running Illuwa server the way real clients do:
// owners send "location" messages over WebSockets, anonymous customers
// "watch" circles, and HTTP clients query GET /api/v1/pochas/nearby. It
// measures throughput, update-to-delivery latency, delivery completeness
// against an expectation model, and the server's memory from /metrics.
//
// Setup signs owners up, and owners wait for an admin's approval before
// their stalls open: with Config.AdminLogin it approves them through the
// admin API (approve.go), and without it stops saying how to give it one.
//
// Run is the entry point; Config.Flags binds its settings to a flag set so
// that the "illuwa loadgen" subcommand can expose them. The generator is
// meant to run on the same machine as the server: latency is the receive
// time minus the "at" the owner put in the location, on one clock.
package loadgen
