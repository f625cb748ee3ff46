package main

import (
	"cmp"
	"fmt"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/attemptlog"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/dlq"
	"github.com/postload/postload/operator"
	"github.com/postload/postload/schema"
)

// operatorTokenHint says how to make an operator token.
const operatorTokenHint = "a file holding one token of at least 16 characters, e.g. `openssl rand -hex 32 > operator-token`"

// readOperatorToken reads the operator's token from path: the file's
// text, surrounding white space trimmed.
func readOperatorToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--operator-token-file: %w: give %s", err, operatorTokenHint)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < operator.MinTokenLength || strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("--operator-token-file %s: holds %d characters or several words: give %s", path, len(tok), operatorTokenHint)
	}
	return tok, nil
}

// newOperator is the operator's view (--operator-addr) over the process's
// registry, delivery log index, dead-letter queue and Kafka client.
func newOperator(cfg serveConfig, p *parts, log *zap.Logger) (*operator.Server, error) {
	tok, err := readOperatorToken(cfg.OperatorTokenFile)
	if err != nil {
		return nil, err
	}
	queue, err := dlq.NewQueue(dlqConfig(p.client, p.topics, log), p.store, p.writer, time.Now)
	if err != nil {
		return nil, err
	}
	oc := operator.Config{
		Token: tok, Hooks: p.store, DeadLetters: queue, Offsets: p.client, Groups: operatorGroups(p.topics, cfg.Group),
		Sessions: p.client, SessionTopic: p.topics.Sessions,
		MinRequests:  cmp.Or(cfg.Breaker.MinRequests, dispatcher.DefaultMinRequests),
		FailureRatio: cmp.Or(cfg.Breaker.FailureRatio, dispatcher.DefaultFailureRatio),
		AutoDisabled: operatorAutoDisabled,
		Log:          log.Named("operator"),
	}
	if idx := p.log.index; idx != nil {
		oc.Attempts = indexAttempts(idx)
	}
	return operator.New(oc)
}

// indexAttempts answers the operator's reads of the delivery log from the
// index.
func indexAttempts(idx *attemptlog.Index) operator.AttemptsFunc {
	return func(clientID, hookID int64, since time.Time, limit int) ([]schema.LoggedAttempt, error) {
		page, err := idx.Attempts(clientID, hookID, attemptlog.Query{Since: since, Limit: limit})
		return page.Attempts, err
	}
}

// operatorGroups are postload's consumer groups with the topics each
// reads, as roleRunners and the email role name them.
func operatorGroups(topics topicNames, group string) []operator.Group {
	var out []operator.Group
	at := map[string]int{}
	for _, r := range topics.readers(group) {
		for _, g := range r.Groups {
			i, ok := at[g]
			if !ok {
				i = len(out)
				at[g] = i
				out = append(out, operator.Group{Name: g})
			}
			out[i].Topics = append(out[i].Topics, r.Name)
		}
	}
	return out
}

// operatorAutoDisabled is what the hook record says auto-disable did.
func operatorAutoDisabled(h schema.Hook) *operator.AutoDisabled {
	if a := h.AutoDisabled; a != nil {
		return &operator.AutoDisabled{FailingSince: a.FailingSince, FailedAttempts: a.FailedAttempts, LastError: a.LastError}
	}
	return nil
}
