// Package mail sends e-mail through an outbox: a request queues a message
// (one row written, nothing sent, so it never waits on a mail server) and a
// worker on any instance claims due rows and hands them to a Sender, retrying
// with backoff and marking a message failed only when the server refused it
// for good or every attempt failed; nothing is dropped silently. The Sender
// is SMTP when ILLUWA_SMTP_URL is set, otherwise the log.
package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
	"time"
)

// Message is one e-mail: a plain-text body and, when HTML is set, an HTML
// alternative of the same content.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	Kind    string // what it is for (verify, reset, notification...), for the records
}

// TextToHTML renders plain text as a small HTML document: escaped, one
// paragraph per blank-line-separated block, line breaks kept, and every
// http(s) URL standing on a line of its own made a link.
func TextToHTML(text string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\"></head><body>\n")
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			t := strings.TrimSpace(line)
			if (strings.HasPrefix(t, "https://") || strings.HasPrefix(t, "http://")) && !strings.ContainsAny(t, " \t") {
				fmt.Fprintf(&b, "<a href=\"%s\">%s</a>", html.EscapeString(t), html.EscapeString(t))
				continue
			}
			b.WriteString(html.EscapeString(line))
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// Render builds the RFC 5322 message: UTF-8 headers (the subject encoded),
// and a multipart/alternative body with the text first and the HTML second,
// each base64-encoded so any server takes them.
func Render(from string, m Message, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	h("From", from)
	h("To", m.To)
	h("Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+randomID()+"@"+domainOf(from)+">")
	h("MIME-Version", "1.0")
	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=UTF-8")
		h("Content-Transfer-Encoding", "base64")
		buf.WriteString("\r\n")
		writeBase64(&buf, m.Text)
		return buf.Bytes(), nil
	}
	mw := multipart.NewWriter(&buf)
	h("Content-Type", "multipart/alternative; boundary=\""+mw.Boundary()+"\"")
	buf.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=UTF-8"},
			"Content-Transfer-Encoding": {"base64"},
		})
		if err != nil {
			return nil, err
		}
		var pb bytes.Buffer
		writeBase64(&pb, part.body)
		if _, err := w.Write(pb.Bytes()); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeBase64 writes s base64-encoded in lines of 76 characters.
func writeBase64(buf *bytes.Buffer, s string) {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	for len(enc) > 76 {
		buf.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	buf.WriteString(enc + "\r\n")
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// domainOf is the domain of an address ("Name <a@b>" or "a@b"), or localhost.
func domainOf(addr string) string {
	_, d, ok := strings.Cut(strings.TrimSuffix(strings.TrimSpace(addr), ">"), "@")
	if !ok || d == "" {
		return "localhost"
	}
	return d
}
