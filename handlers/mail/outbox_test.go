package mail_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/mail"
	"github.com/illuwa/illuwa/handlers/mail/mailtest"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

var _ notify.Mailer = (*mail.Service)(nil)

func outbox(t *testing.T, st *store.Store, srv *mailtest.Server, o mail.Options, timeout time.Duration) *mail.Service {
	t.Helper()
	return mail.New(mail.Deps{Store: st, Sender: mustSMTP(t, srv.URL(), mail.SMTPOptions{Timeout: timeout}), Options: o})
}

func mustQueue(t *testing.T, s *mail.Service, m mail.Message) {
	t.Helper()
	if err := s.Queue(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func only(t *testing.T, st *store.Store, to string) store.OutboxMail {
	t.Helper()
	ms, err := st.MailsTo(context.Background(), to)
	if err != nil || len(ms) != 1 {
		t.Fatalf("mails to %s: %v %v", to, ms, err)
	}
	return ms[0]
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Run("delivers", func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{})
			ob := outbox(t, st, srv, mail.Options{}, 0)
			m := korean()
			m.To = "delivers@example.test"
			mustQueue(t, ob, m)
			if n := ob.Process(ctx, time.Now()); n != 1 {
				t.Fatalf("attempted %d", n)
			}
			got := srv.Wait(m.To, "이메일")
			if got.Text != m.Text {
				t.Fatalf("text %q", got.Text)
			}
			if row := only(t, st, m.To); row.Status != store.MailSent || row.SentAt == nil || row.Attempts != 1 || row.TextBody != "" || row.HTMLBody != "" {
				t.Fatalf("row %+v", row)
			}
		})
		t.Run("server_down_then_back", func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{})
			srv.Stop()
			ob := outbox(t, st, srv, mail.Options{Backoff: time.Minute}, 0)
			m := korean()
			m.To = "down@example.test"
			mustQueue(t, ob, m) // returns with the server down: queued, not sent
			now := time.Now()
			ob.Process(ctx, now)
			row := only(t, st, m.To)
			if row.Status != store.MailPending || row.Attempts != 1 || row.LastError == "" {
				t.Fatalf("after a failed attempt: %+v", row)
			}
			if n := ob.Process(ctx, now.Add(30*time.Second)); n != 0 {
				t.Fatalf("retried before the backoff: %d", n)
			}
			srv.Restart()
			if n := ob.Process(ctx, now.Add(61*time.Second)); n != 1 {
				t.Fatalf("not retried after the backoff: %d", n)
			}
			srv.Wait(m.To, "이메일")
			if row := only(t, st, m.To); row.Status != store.MailSent || row.Attempts != 2 {
				t.Fatalf("after the retry: %+v", row)
			}
		})
		t.Run("slow_server_does_not_block_queue", func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{})
			release, holding := srv.Hold()
			ob := outbox(t, st, srv, mail.Options{}, time.Hour)
			m := korean()
			m.To = "slow@example.test"
			mustQueue(t, ob, m)
			done := make(chan struct{})
			go func() { ob.Process(ctx, time.Now()); close(done) }()
			<-holding // the worker is stuck on the server...
			m.Subject = "두 번째 " + m.Subject
			mustQueue(t, ob, m) // ...and a request still queues at once
			release()           // the server answers 451 at last
			<-done
			rows := mustMails(t, st, m.To)
			if len(rows) != 2 || rows[0].Status != store.MailPending || rows[0].Attempts != 1 || rows[1].Attempts != 0 {
				t.Fatalf("rows %+v", rows)
			}
			// Later, with the server quick again, both go.
			ob.Process(ctx, time.Now().Add(time.Hour))
			for _, row := range mustMails(t, st, m.To) {
				if row.Status != store.MailSent {
					t.Fatalf("not sent after the server recovered: %+v", row)
				}
			}
		})
		t.Run("refused_recipient_marked_failed", func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{Refuse: func(a string) bool { return strings.HasPrefix(a, "nobody") }})
			ob := outbox(t, st, srv, mail.Options{}, 0)
			m := korean()
			m.To = "nobody@example.test"
			mustQueue(t, ob, m)
			ob.Process(ctx, time.Now())
			if row := only(t, st, m.To); row.Status != store.MailFailed || !strings.Contains(row.LastError, "550") || row.Attempts != 1 {
				t.Fatalf("row %+v", row)
			}
		})
		t.Run("gives_up_after_max_attempts", func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{})
			srv.Stop()
			ob := outbox(t, st, srv, mail.Options{MaxAttempts: 3, Backoff: time.Second, MaxBackoff: time.Second}, 0)
			m := korean()
			m.To = "never@example.test"
			mustQueue(t, ob, m)
			now := time.Now()
			for i := range 5 {
				ob.Process(ctx, now.Add(time.Duration(i)*time.Minute))
			}
			if row := only(t, st, m.To); row.Status != store.MailFailed || row.Attempts != 3 || row.LastError == "" {
				t.Fatalf("row %+v", row)
			}
		})
		t.Run("crashed_worker_lease_runs_out", func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{})
			ob := outbox(t, st, srv, mail.Options{Lease: time.Minute}, 0)
			m := korean()
			m.To = "crash@example.test"
			mustQueue(t, ob, m)
			now := time.Now()
			row := only(t, st, m.To)
			if won, err := st.ClaimMail(ctx, row.ID, now, now.Add(time.Minute)); err != nil || !won {
				t.Fatalf("claim: %v %v", won, err)
			} // ...and the claimer dies before sending.
			if n := ob.Process(ctx, now); n != 0 {
				t.Fatalf("took a leased mail: %d", n)
			}
			ob.Process(ctx, now.Add(2*time.Minute))
			srv.Wait(m.To, "이메일")
		})
		t.Run("two_instances_send_each_once", func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{})
			a := outbox(t, st, srv, mail.Options{Batch: 5}, 0)
			b := outbox(t, st, srv, mail.Options{Batch: 5}, 0)
			const n = 20
			for i := range n {
				m := korean()
				m.To = fmt.Sprintf("many%d@example.test", i)
				mustQueue(t, a, m)
			}
			now := time.Now()
			var wg sync.WaitGroup
			for _, s := range []*mail.Service{a, b} {
				wg.Go(func() {
					for s.Process(ctx, now) > 0 {
					}
				})
			}
			wg.Wait()
			seen := map[string]int{}
			for _, r := range srv.Received() {
				if strings.HasPrefix(r.To, "many") {
					seen[r.To]++
				}
			}
			if len(seen) != n {
				t.Fatalf("%d of %d addresses got mail", len(seen), n)
			}
			for to, c := range seen {
				if c != 1 {
					t.Fatalf("%s got %d copies", to, c)
				}
			}
		})
	})
}

func mustMails(t *testing.T, st *store.Store, to string) []store.OutboxMail {
	t.Helper()
	ms, err := st.MailsTo(context.Background(), to)
	if err != nil || len(ms) == 0 {
		t.Fatalf("mails to %s: %v %v", to, ms, err)
	}
	return ms
}

// TestOutboxSurvivesRestart queues with the mail server down, closes the
// database (the instance stops), and a new instance on the same database
// sends the mail.
func TestOutboxSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			url := storetest.URL(t, kind)
			srv := mailtest.Start(t, mailtest.Options{})
			srv.Stop()
			st, err := store.Open(ctx, url)
			if err != nil {
				storetest.Unavailable(t, string(kind), err)
			}
			if _, err := st.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
			m := korean()
			first := outbox(t, st, srv, mail.Options{}, 0)
			mustQueue(t, first, m)
			first.Process(ctx, time.Now())
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			srv.Restart()
			st2, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer st2.Close()
			outbox(t, st2, srv, mail.Options{}, 0).Process(ctx, time.Now().Add(time.Hour))
			srv.Wait(m.To, "이메일")
			if row := only(t, st2, m.To); row.Status != store.MailSent || row.Attempts != 2 {
				t.Fatalf("row %+v", row)
			}
		})
	}
}
