package smtptest

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// Parsed is a message read back the way a mail client would.
type Parsed struct {
	Header  mail.Header
	Subject string
	To      []string // addresses in the To header
	Text    string   // the text/plain part, decoded
	HTML    string   // the text/html part, decoded
}

// Parse reads an RFC 5322 message with a text/plain part and, optionally,
// a text/html alternative; it fails the test if the message is malformed.
func Parse(tb testing.TB, data []byte) Parsed {
	tb.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("smtptest: message does not parse: %v\n%s", err, data)
	}
	p := Parsed{Header: msg.Header}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		tb.Fatalf("smtptest: subject: %v", err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil {
		tb.Fatalf("smtptest: To: %v", err)
	}
	for _, a := range to {
		p.To = append(p.To, a.Address)
	}
	readPart(tb, &p, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return p
}

func readPart(tb testing.TB, p *Parsed, contentType, encoding string, body io.Reader) {
	tb.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		tb.Fatalf("smtptest: Content-Type %q: %v", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart() // decodes quoted-printable itself
			if err == io.EOF {
				return
			}
			if err != nil {
				tb.Fatalf("smtptest: multipart: %v", err)
			}
			readPart(tb, p, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part)
		}
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		tb.Fatalf("smtptest: body: %v", err)
	}
	switch mt {
	case "text/plain":
		p.Text = string(b)
	case "text/html":
		p.HTML = string(b)
	}
}
