// Package replicas proves that callboard replicas sharing one PostgreSQL
// database behave as one portal. Its tests build the binary, run three
// `callboard serve` processes on loopback ports and drive them over HTTP:
// TestReplicasAgree (whenever PostgreSQL is configured) registers on one
// replica and unregisters on another; TestReplicasUnderFaults (with
// CALLBOARD_TEST_FAULTS=1; bench/replicas.sh runs it) puts them under mixed
// load on a private PostgreSQL cluster, kills one in the middle of a task
// and restarts the database, then checks that nothing ran twice, nothing
// was lost and every replica serves the same catalog.
package replicas
