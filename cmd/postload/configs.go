package main

import (
	"crypto/x509"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/egress"
	"github.com/postload/postload/embedded"
)

// The package configs serve's settings make. The Kafka clients, loggers
// and observers are serve's to add; a zero setting is the package's
// default.

// groupConfig is consumer group id on topics of brokers.
func (c serveConfig) groupConfig(brokers []string, id string, topics ...string) consumer.GroupConfig {
	return consumer.GroupConfig{
		Brokers: brokers, GroupID: id, Topics: topics,
		MaxInFlight: c.MaxInFlight, MaxInFlightPerPartition: c.MaxPerPart,
		DrainTimeout: c.DrainTimeout, SessionTimeout: c.SessionTimeout,
	}
}

// dispatcherConfig is the dispatcher's, on topics.
func (c serveConfig) dispatcherConfig(topics topicNames) dispatcher.Config {
	return dispatcher.Config{
		InvalidTopic: topics.Invalid, RetryTopics: topics.Retry, RetryDelays: c.RetryDelays, NoGroups: c.NoRetryGroups,
		DLQTopic: topics.DLQ, Endpoints: c.Breaker, MaxEventBytes: c.MaxEventBytes,
	}
}

// clientConfig is the HTTPS client's that makes the attempts, trusting
// cas and guarded by policy.
func (c serveConfig) clientConfig(cas *x509.CertPool, policy *egress.Policy) dispatcher.ClientConfig {
	return dispatcher.ClientConfig{
		AttemptTimeout: c.AttemptTimeout, RootCAs: cas,
		ConnsPerHost: c.Breaker.HostMaxConcurrent, HTTP1Only: !c.HTTP2,
		Egress: egress.TransportConfig{Dialer: egress.DialerConfig{Policy: policy, SourceAddr: c.SourceAddr}},
	}
}

// embeddedConfig is the embedded broker's.
func (c serveConfig) embeddedConfig() embedded.Config {
	return embedded.Config{Addr: c.EmbeddedAddr, DataDir: c.DataDir, CleanerInterval: c.RetentionInterval}
}

// trimConfig is the embedded broker's retention of the topics read.
func (c serveConfig) trimConfig(read []embedded.Topic) embedded.TrimConfig {
	return embedded.TrimConfig{Topics: read, Retention: c.Retention, RetentionBytes: c.RetentionBytes, Interval: c.RetentionInterval}
}
