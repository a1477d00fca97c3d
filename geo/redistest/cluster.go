// Package redistest starts private Redis servers on loopback ports for tests:
// a Redis Cluster of masters and replicas, each node a redis-server child
// process that dies with the test binary. It never touches a Redis it did not
// start (such as the machine's own on 6379).
//
// A package's tests share one cluster: Shared starts it at first use, and the
// package's TestMain calls Main, which stops it when the tests end. A test
// that kills nodes starts a cluster of its own with StartCluster.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo/keyslot"
)

// ErrNoRedis is returned (wrapped) when redis-server or redis-cli is not on
// the PATH.
var ErrNoRedis = errors.New("redistest: redis-server and redis-cli are required")

// NodeTimeout is the clusters' cluster-node-timeout: a master silent this
// long is failed over to its replica.
const NodeTimeout = 2 * time.Second

// Cluster is a running Redis Cluster on 127.0.0.1.
type Cluster struct {
	// Nodes lists every node in the order they were created; which ones are
	// masters changes with failovers (see Master).
	Nodes []*Node
	dir   string
}

// Node is one redis-server of a Cluster.
type Node struct {
	// Port is the node's client port (its cluster bus is Port+10000).
	Port int
	// Addr is "127.0.0.1:Port".
	Addr string
	dir  string
	args []string
	mu   sync.Mutex
	proc *os.Process
	done chan struct{} // closed when the running process has exited
}

// StartCluster starts masters*(1+replicas) nodes and joins them into one
// cluster with redis-cli --cluster create, then waits until every node
// reports cluster_state:ok and every replica is in sync with its master.
// It takes about a second or two.
func StartCluster(masters, replicas int) (*Cluster, error) {
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoRedis, err)
		}
	}
	dir, err := os.MkdirTemp("", "illuwa-redis-cluster-")
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	c := &Cluster{dir: dir}
	if err := c.start(masters * (1 + replicas)); err != nil {
		c.Stop()
		return nil, err
	}
	args := []string{"--cluster", "create"}
	for _, n := range c.Nodes {
		args = append(args, n.Addr)
	}
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.WaitHealthy(30 * time.Second); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// start launches n nodes on free ports and waits until each answers PING.
func (c *Cluster) start(n int) error {
	ports, err := freePorts(n)
	if err != nil {
		return err
	}
	for _, p := range ports {
		nd := &Node{Port: p, Addr: "127.0.0.1:" + strconv.Itoa(p), dir: filepath.Join(c.dir, strconv.Itoa(p))}
		if err := os.MkdirAll(nd.dir, 0o750); err != nil {
			return fmt.Errorf("redistest: %w", err)
		}
		nd.args = []string{
			"--port", strconv.Itoa(p), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(nd.dir, "nodes.conf"),
			"--cluster-node-timeout", strconv.Itoa(int(NodeTimeout / time.Millisecond)),
			// A replica however long cut off may take over: tests kill on purpose.
			"--cluster-replica-validity-factor", "0",
			"--dir", nd.dir, "--save", "", "--appendonly", "no",
			// A new replica loads its master's data from the socket, so no
			// node writes an RDB file (a forked writer would outlive a kill).
			"--repl-diskless-load", "on-empty-db",
			"--logfile", filepath.Join(nd.dir, "redis.log"),
		}
		c.Nodes = append(c.Nodes, nd)
		if err := nd.Start(); err != nil {
			return err
		}
	}
	for _, nd := range c.Nodes {
		if err := nd.waitPing(10 * time.Second); err != nil {
			return err
		}
	}
	return nil
}

// URL returns the cluster's seed list in go-redis's cluster URL form,
// redis://h1:p1?addr=h2:p2&addr=h3:p3 (every node).
func (c *Cluster) URL() string {
	var b strings.Builder
	b.WriteString("redis://" + c.Nodes[0].Addr)
	for i, n := range c.Nodes[1:] {
		if i == 0 {
			b.WriteString("?addr=")
		} else {
			b.WriteString("&addr=")
		}
		b.WriteString(n.Addr)
	}
	return b.String()
}

// Addrs returns the address of every node.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr
	}
	return out
}

// Client returns a new cluster client seeded with every node, which
// reloads the cluster's layout at most a second after a failover (go-redis
// otherwise keeps sending to a dead master for up to a minute). The caller
// closes it.
func (c *Cluster) Client() *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs(), ClusterStateReloadInterval: time.Second})
}

// Stop kills every node and removes the cluster's folder (trying for a
// few seconds, should a process the nodes forked still write into it).
func (c *Cluster) Stop() {
	for _, n := range c.Nodes {
		_ = n.Kill()
	}
	for range 50 {
		if os.RemoveAll(c.dir) == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Master returns the node that is now master of key's hash slot, as a
// running node sees it (CLUSTER SHARDS).
func (c *Cluster) Master(key string) (*Node, error) {
	return c.slotMaster(keyslot.Of(key))
}

func (c *Cluster) slotMaster(slot int) (*Node, error) {
	var lastErr error
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		m, err := c.masterSeenBy(n, slot)
		if err == nil {
			return m, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("redistest: no running node answers: %v", lastErr)
}

// masterSeenBy returns the master of slot as node n sees it.
func (c *Cluster) masterSeenBy(n *Node, slot int) (*Node, error) {
	shards, err := n.clusterShards()
	if err != nil {
		return nil, err
	}
	for _, s := range shards {
		for _, r := range s.Slots {
			if int64(slot) < r.Start || int64(slot) > r.End {
				continue
			}
			for _, sn := range s.Nodes {
				if sn.Role != "master" || sn.Health != "online" {
					continue
				}
				for _, m := range c.Nodes {
					if int64(m.Port) == sn.Port {
						return m, nil
					}
				}
			}
			return nil, fmt.Errorf("redistest: slot %d has no online master", slot)
		}
	}
	return nil, fmt.Errorf("redistest: slot %d is not served", slot)
}

// Masters returns the running nodes that are masters now.
func (c *Cluster) Masters() []*Node {
	var out []*Node
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		cl := n.client()
		info, err := cl.Info(ctx, "replication").Result()
		_ = cl.Close()
		if err == nil && strings.Contains(info, "role:master") {
			out = append(out, n)
		}
	}
	return out
}

// MoveSlot hands slot to master to, as a resharding does (IMPORTING on
// to, MIGRATING on the old owner, then NODE everywhere), and waits until
// the cluster is healthy. The slot must hold no keys.
func (c *Cluster) MoveSlot(slot int, to *Node) error {
	from, err := c.slotMaster(slot)
	if err != nil {
		return err
	}
	if from == to {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fromCl, toCl := from.client(), to.client()
	defer fromCl.Close()
	defer toCl.Close()
	fromID, err := fromCl.ClusterMyID(ctx).Result()
	if err != nil {
		return fmt.Errorf("redistest: %w", err)
	}
	toID, err := toCl.ClusterMyID(ctx).Result()
	if err != nil {
		return fmt.Errorf("redistest: %w", err)
	}
	steps := []struct {
		n    *Node
		args []any
	}{
		{to, []any{"CLUSTER", "SETSLOT", slot, "IMPORTING", fromID}},
		{from, []any{"CLUSTER", "SETSLOT", slot, "MIGRATING", toID}},
		{to, []any{"CLUSTER", "SETSLOT", slot, "NODE", toID}},
		{from, []any{"CLUSTER", "SETSLOT", slot, "NODE", toID}},
	}
	for _, st := range steps {
		cl := st.n.client()
		err := cl.Do(ctx, st.args...).Err()
		_ = cl.Close()
		if err != nil {
			return fmt.Errorf("redistest: %v on %s: %w", st.args, st.n.Addr, err)
		}
	}
	if err := c.WaitHealthy(30 * time.Second); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		agreed := true
		for _, n := range c.Nodes {
			if !n.Running() {
				continue
			}
			if m, err := c.masterSeenBy(n, slot); err != nil || m != to {
				agreed = false
			}
		}
		if agreed {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redistest: nodes do not agree that %s owns slot %d", to.Addr, slot)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitHealthy waits until every running node reports cluster_state:ok with
// all 16384 slots assigned and agrees on the number of nodes, and every
// running replica's link to its master is up.
func (c *Cluster) WaitHealthy(within time.Duration) error {
	deadline := time.Now().Add(within)
	var why string
	for {
		why = c.unhealthy()
		if why == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redistest: cluster not healthy after %s: %s", within, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// unhealthy returns why the cluster is not healthy yet, or "".
func (c *Cluster) unhealthy() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		cl := n.client()
		info, err := cl.ClusterInfo(ctx).Result()
		if err != nil {
			_ = cl.Close()
			return n.Addr + ": " + err.Error()
		}
		for _, want := range []string{"cluster_state:ok", "cluster_slots_assigned:16384", "cluster_slots_ok:16384",
			"cluster_known_nodes:" + strconv.Itoa(len(c.Nodes))} {
			if !strings.Contains(info, want+"\r\n") {
				_ = cl.Close()
				return n.Addr + " lacks " + want
			}
		}
		repl, err := cl.Info(ctx, "replication").Result()
		_ = cl.Close()
		if err != nil {
			return n.Addr + ": " + err.Error()
		}
		if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
			return n.Addr + ": replica not in sync"
		}
	}
	return ""
}

// Start starts the node's process (again, after Kill: it rejoins the
// cluster from its nodes.conf, as a replica when it was failed over).
func (n *Node) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc != nil {
		return fmt.Errorf("redistest: node %s already running", n.Addr)
	}
	cmd := exec.Command("redis-server", n.args...)
	dieWithParent(cmd)
	if err := spawn(cmd); err != nil {
		return fmt.Errorf("redistest: start redis-server on %s: %w", n.Addr, err)
	}
	n.proc = cmd.Process
	done := make(chan struct{})
	n.done = done
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	return nil
}

// Kill sends the node's process SIGKILL (by its pid) and waits until it
// has exited. A node that is not running is left alone.
func (n *Node) Kill() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil {
		return nil
	}
	err := n.proc.Kill()
	<-n.done
	n.proc, n.done = nil, nil
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("redistest: kill %s: %w", n.Addr, err)
	}
	return nil
}

// Running reports whether the node's process is running.
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil {
		return false
	}
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// Log returns the node's log file.
func (n *Node) Log() string {
	b, _ := os.ReadFile(filepath.Join(n.dir, "redis.log"))
	return string(b)
}

// client returns a plain client of this one node.
func (n *Node) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: n.Addr, MaxRetries: -1, DialTimeout: time.Second})
}

func (n *Node) clusterShards() ([]redis.ClusterShard, error) {
	cl := n.client()
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return cl.ClusterShards(ctx).Result()
}

func (n *Node) waitPing(within time.Duration) error {
	cl := n.client()
	defer cl.Close()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := cl.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if !n.Running() || time.Now().After(deadline) {
			return fmt.Errorf("redistest: redis-server on %s does not answer: %v\n%s", n.Addr, err, n.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePorts returns n distinct ports p, each with p and its cluster bus
// port p+10000 free on 127.0.0.1 when asked.
func freePorts(n int) ([]int, error) {
	var ports []int
	seen := map[int]bool{}
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			return nil, errors.New("redistest: no free loopback ports")
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("redistest: %w", err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		if p+10000 > 65535 || seen[p] || seen[p+10000] || seen[p-10000] {
			_ = ln.Close()
			continue
		}
		bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		_ = ln.Close()
		if err != nil {
			continue
		}
		_ = bus.Close()
		seen[p] = true
		ports = append(ports, p)
	}
	return ports, nil
}
