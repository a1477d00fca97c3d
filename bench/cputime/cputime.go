// Package cputime reads the CPU time this process has used, for the load
// tool's report and the benchmarks that give CPU per operation.
package cputime
