// Package geo is the live index of stall positions.
//
// It holds pure helpers over H3 cells (coordinate validation, haversine
// distance, fan-out topic names and coverings) and the Index interface with
// two implementations: MemoryIndex for a single instance and RedisIndex for
// many instances sharing one Redis. Both pass the same contract test suite.
//
// The package trades plain values (ids, coordinates, times) and imports no
// other package of this module.
package geo
