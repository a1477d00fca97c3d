package realtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	redisIdlePing     = 15 * time.Second      // ping the subscription connection when idle
	redisBackoffMin   = 50 * time.Millisecond // first wait after a connection error
	redisBackoffMax   = 2 * time.Second       // longest wait between reconnect attempts
	redisResyncMarker = "illuwa-resync"       // ping payload that ends a reconnect
	redisBarrierPfx   = "illuwa-barrier-"     // ping payloads that confirm (un)subscribes
	redisPingTimeout  = 5 * time.Second       // NewRedisBroker's reachability check
)

// ClusterGroups is the number of channel groups of a broker on Redis
// Cluster: each group's channels share one hash slot, so one subscription
// connection (to that slot's master) carries them all. An instance holds
// at most this many subscription connections. 12 groups spread evenly over
// 2, 3, 4 or 6 masters.
const ClusterGroups = 12

// RedisBroker is a Broker over Redis pub/sub.
//
// On a single Redis (NewRedisBroker) every topic is the channel
// prefix+topic, and all subscriptions share ONE connection (a go-redis
// PubSub). On Redis Cluster (NewRedisClusterBroker) it uses sharded pub/sub
// (SSUBSCRIBE, SPUBLISH): topic t is the channel prefix+"{"+tag+"}"+t,
// where the tag is that of t's group (one of ClusterGroups, by a hash of t,
// with tags whose slots are evenly spread), so a message travels only
// through the master that owns its slot, never the whole cluster's bus.
// Each group the instance's watchers need gets one subscription connection
// to its master, opened at the first subscription and kept until Close.
//
// Publishing uses the client's ordinary pool. Concurrent publishes share
// round trips: a publish that finds none in flight is sent at once, and
// those that arrive meanwhile go out together as one pipeline when it ends
// (no goroutine of the broker's own, no added wait when publishes come one
// at a time).
//
// When a subscription connection drops, the broker reconnects and
// re-subscribes, waits until the new connection has confirmed its
// subscriptions, then calls Receiver.Resync (once for connections lost
// together, when the last of them is back). A connection that stays silent
// (no answer to a ping for a whole idle interval, e.g. a half-open TCP
// connection) is replaced the same way. On Redis Cluster a connection is
// also replaced when its master fails over or hands the group's slot to
// another master (Redis then unsubscribes it): the broker asks the cluster
// for its new layout, connects to the slot's new master, and calls Resync.
// Messages published meanwhile are lost.
//
// Receive is called from one goroutine per subscription connection, the
// only reader of that connection, straight from it: the broker buffers
// nothing of its own. A slow receiver makes Redis buffer the messages
// instead, up to its pub/sub output buffer limit, past which Redis drops
// the connection (then Resync follows). A message on a channel outside the
// prefix is dropped and reported to the Receiver's DropCounter
// (DropUnknownChannel).
type RedisBroker struct {
	client  redis.UniversalClient
	cluster *redis.ClusterClient // nil on a single Redis
	pub     publishBatcher
	prefix  string
	tags    []string // cluster: the groups' hash tags
	recv    Receiver
	drops   DropCounter // recv's, or nil
	idle    time.Duration

	connsMu sync.Mutex
	conns   []*psConn // single: conns[0]; cluster: by group, nil until needed

	lostMu sync.Mutex
	lost   int // subscription connections lost and not yet back

	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
}

var (
	_ Broker         = (*RedisBroker)(nil)
	_ MultiPublisher = (*RedisBroker)(nil)
)

// NewRedisBroker checks that Redis answers, then starts the broker's receive
// loop, delivering to recv. prefix starts every channel name (e.g.
// "illuwa:"). Close stops the broker; it does not close client.
func NewRedisBroker(client *redis.Client, prefix string, recv Receiver) (*RedisBroker, error) {
	return newRedisBroker(client, prefix, recv, redisIdlePing)
}

func newRedisBroker(client *redis.Client, prefix string, recv Receiver, idle time.Duration) (*RedisBroker, error) {
	b, err := newBroker(client, prefix, recv, idle)
	if err != nil {
		return nil, err
	}
	open := func(ctx context.Context, chans []string) *redis.PubSub { return client.Subscribe(ctx, chans...) }
	b.conns = []*psConn{b.startConn(open, "")}
	return b, nil
}

// NewRedisClusterBroker is NewRedisBroker on Redis Cluster, over sharded
// pub/sub (see RedisBroker). tags are the hash tags of the ClusterGroups
// channel groups, one each; for the groups to spread over the masters they
// should sit evenly in the slot space (geo/keyslot.SpreadTags makes such
// tags), and the prefix must hold no '{' (a hash tag in the prefix would put
// every channel in its slot). Close does not close client.
func NewRedisClusterBroker(client *redis.ClusterClient, prefix string, tags []string, recv Receiver) (*RedisBroker, error) {
	if len(tags) != ClusterGroups {
		return nil, fmt.Errorf("realtime: redis cluster broker: %d hash tags, want %d", len(tags), ClusterGroups)
	}
	b, err := newBroker(client, prefix, recv, redisIdlePing)
	if err != nil {
		return nil, err
	}
	b.cluster = client
	b.tags = append([]string(nil), tags...)
	b.conns = make([]*psConn, ClusterGroups)
	b.pub.sharded = true
	return b, nil
}

func newBroker(client redis.UniversalClient, prefix string, recv Receiver, idle time.Duration) (*RedisBroker, error) {
	pctx, pcancel := context.WithTimeout(context.Background(), redisPingTimeout)
	defer pcancel()
	if err := client.Ping(pctx).Err(); err != nil {
		return nil, fmt.Errorf("realtime: redis broker: ping: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &RedisBroker{
		client: client,
		pub:    publishBatcher{client: client},
		prefix: prefix,
		recv:   recv,
		idle:   idle,
		ctx:    ctx,
		cancel: cancel,
	}
	b.drops, _ = recv.(DropCounter)
	return b, nil
}

// Publish sends payload on topic's channel. It shares a pipeline with
// concurrent publishes; when ctx ends before the message was sent, it
// returns ctx's error and the message is not sent.
func (b *RedisBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	return b.PublishTopics(ctx, []string{topic}, payload)
}

// PublishTopics implements MultiPublisher: payload goes on the channel of
// each topic, in order, in one round trip (shared with concurrent
// publishes; on Redis Cluster, one per master, in parallel).
func (b *RedisBroker) PublishTopics(ctx context.Context, topics []string, payload []byte) error {
	if b.ctx.Err() != nil {
		return ErrBrokerClosed
	}
	if len(topics) == 0 {
		return nil
	}
	chans := make([]string, len(topics))
	for i, t := range topics {
		chans[i] = b.channel(t)
	}
	return b.pub.do(ctx, chans, payload)
}

// Subscribe subscribes to topics and returns once Redis has confirmed it
// (on Redis Cluster: every master concerned, in parallel).
func (b *RedisBroker) Subscribe(ctx context.Context, topics ...string) error {
	return b.change(ctx, topics, (*psConn).subscribe)
}

// Unsubscribe unsubscribes from topics and returns once Redis has
// confirmed it.
func (b *RedisBroker) Unsubscribe(ctx context.Context, topics ...string) error {
	return b.change(ctx, topics, (*psConn).unsubscribe)
}

// change applies op to topics' channels, connection by connection.
func (b *RedisBroker) change(ctx context.Context, topics []string, op func(*psConn, context.Context, []string) error) error {
	if len(topics) == 0 {
		return nil
	}
	if b.ctx.Err() != nil {
		return ErrBrokerClosed
	}
	if b.cluster == nil {
		chans := make([]string, len(topics))
		for i, t := range topics {
			chans[i] = b.prefix + t
		}
		return op(b.conns[0], ctx, chans)
	}
	byGroup := make(map[int][]string)
	for _, t := range topics {
		g := groupOf(t)
		byGroup[g] = append(byGroup[g], b.groupChannel(g, t))
	}
	errs := make(chan error, len(byGroup))
	for g, chans := range byGroup {
		c, err := b.groupConn(g)
		if err != nil {
			errs <- err
			continue
		}
		go func() { errs <- op(c, ctx, chans) }()
	}
	var all []error
	for range byGroup {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// groupConn returns the subscription connection of group g, opening it
// (subscribed to the group's anchor channel) at the first call.
func (b *RedisBroker) groupConn(g int) (*psConn, error) {
	b.connsMu.Lock()
	defer b.connsMu.Unlock()
	if b.ctx.Err() != nil {
		return nil, ErrBrokerClosed
	}
	if c := b.conns[g]; c != nil {
		return c, nil
	}
	open := func(ctx context.Context, chans []string) *redis.PubSub { return b.cluster.SSubscribe(ctx, chans...) }
	c := b.startConn(open, b.groupChannel(g, anchorTopic))
	b.conns[g] = c
	return c, nil
}

// anchorTopic names the channel every cluster subscription connection keeps
// for its lifetime: it ties the connection to its group's slot, so that a
// reconnect with no other channel still goes to the slot's master. Nobody
// publishes on it.
const anchorTopic = "!anchor"

// Close stops the receive loops and closes the subscription connections.
func (b *RedisBroker) Close() error {
	var errs []error
	b.once.Do(func() {
		b.connsMu.Lock()
		b.cancel()
		b.connsMu.Unlock()
		for _, c := range b.conns {
			if c == nil {
				continue
			}
			if err := c.pubsub().Close(); err != nil {
				errs = append(errs, fmt.Errorf("realtime: redis broker close: %w", err))
			}
		}
	})
	for _, c := range b.conns {
		if c != nil {
			<-c.done
		}
	}
	return errors.Join(errs...)
}

// connLost counts a subscription connection that failed.
func (b *RedisBroker) connLost() {
	b.lostMu.Lock()
	b.lost++
	b.lostMu.Unlock()
}

// connBack counts a lost connection that has every channel subscribed
// again; when none is lost any more, the receiver gets Resync. So when a
// master fails, its groups' connections, lost together, cost the receiver
// one Resync, once they are all back.
func (b *RedisBroker) connBack() {
	b.lostMu.Lock()
	b.lost--
	all := b.lost == 0
	b.lostMu.Unlock()
	if all {
		b.recv.Resync()
	}
}

// channel returns topic's channel name.
func (b *RedisBroker) channel(topic string) string {
	if b.cluster == nil {
		return b.prefix + topic
	}
	return b.groupChannel(groupOf(topic), topic)
}

// groupChannel returns the channel of topic in group g on Redis Cluster.
func (b *RedisBroker) groupChannel(g int, topic string) string {
	return b.prefix + "{" + b.tags[g] + "}" + topic
}

// topicOf returns the topic of a channel this broker subscribes to; false
// for a channel outside its prefix (or an anchor).
func (b *RedisBroker) topicOf(channel string) (string, bool) {
	rest, ok := strings.CutPrefix(channel, b.prefix)
	if !ok || b.cluster == nil {
		return rest, ok
	}
	if !strings.HasPrefix(rest, "{") {
		return "", false
	}
	_, topic, ok := strings.Cut(rest, "}")
	if !ok || topic == anchorTopic {
		return "", false
	}
	return topic, true
}

// groupOf returns the channel group of topic on Redis Cluster: FNV-1a of
// the topic, modulo ClusterGroups.
func groupOf(topic string) int {
	h := uint32(2166136261)
	for i := 0; i < len(topic); i++ {
		h ^= uint32(topic[i])
		h *= 16777619
	}
	return int(h % ClusterGroups)
}

// sleepCtx waits d or until ctx ends; it reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
