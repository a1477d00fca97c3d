package realtime

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/bench/cputime"
)

// BenchmarkRedisPublish publishes a stall event's payload (about 200
// bytes) on the Redis broker, from one goroutine and from 32, to one topic
// and to two (a move that crosses a topic cell). "direct" is the path
// before batching: one client PUBLISH per topic, each its own round trip;
// "batched" is RedisBroker.PublishTopics. cpu-ns/op is this process's CPU
// per publish call (the Redis server's is not included). Nobody is
// subscribed, so only the publishing side is measured.
func BenchmarkRedisPublish(b *testing.B) {
	bk := mustRedisBrokerBench(b)
	payload := encodeEnvelope(kindMoved, 42, centerLat, centerLng, time.Now().UnixNano(),
		[]byte(`{"type":"pocha.moved","id":42,"name":"종로 포차","lat":37.5704,"lng":126.9921,"at":"2026-11-25T08:00:00.123456Z","server_time":"2026-11-25T08:00:00.124Z"}`))
	paths := map[string]func(ctx context.Context, topics []string) error{
		"direct": func(ctx context.Context, topics []string) error {
			for _, t := range topics {
				if err := bk.client.Publish(ctx, bk.prefix+t, payload).Err(); err != nil {
					return err
				}
			}
			return nil
		},
		"batched": func(ctx context.Context, topics []string) error {
			return bk.PublishTopics(ctx, topics, payload)
		},
	}
	for _, goroutines := range []int{1, 32} {
		for _, ntopics := range []int{1, 2} {
			topics := []string{"cell:a", "cell:b"}[:ntopics]
			for _, path := range []string{"direct", "batched"} {
				name := "goroutines=" + strconv.Itoa(goroutines) + "/topics=" + strconv.Itoa(ntopics) + "/" + path
				b.Run(name, func(b *testing.B) {
					publish := paths[path]
					ctx := context.Background()
					b.ReportAllocs()
					start := cputime.Self()
					b.ResetTimer()
					if goroutines == 1 {
						for range b.N {
							if err := publish(ctx, topics); err != nil {
								b.Fatal(err)
							}
						}
					} else {
						b.SetParallelism(goroutines / max(1, runtime.GOMAXPROCS(0)))
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								if err := publish(ctx, topics); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					b.ReportMetric(float64(cputime.Self()-start)/float64(b.N), "cpu-ns/op")
				})
			}
		}
	}
}

// mustRedisBrokerBench returns a Redis broker under a random prefix that
// delivers nowhere; it skips the benchmark when Redis is unreachable and
// CI is not "true".
func mustRedisBrokerBench(b *testing.B) *RedisBroker {
	b.Helper()
	client := redis.NewClient(testRedisOptions(b))
	b.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			b.Fatalf("redis unreachable: %v", err)
		}
		b.Skipf("redis unreachable (set CI=true to fail instead): %v", err)
	}
	bk, err := NewRedisBroker(client, randomName("illuwa-bench-")+":", &lateRecorder{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = bk.Close() })
	return bk
}
