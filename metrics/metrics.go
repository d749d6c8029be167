// Package metrics holds callboard's Prometheus metrics: one Metrics value
// per server, on its own registry (never the global one), so that tests
// run servers side by side. The features report through plain functions
// and hooks wired in package app; none of them imports this package.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the series of one server. Build it with New; the Observe
// methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests         *prometheus.HistogramVec
	processing       *prometheus.HistogramVec
	processingErrors *prometheus.CounterVec
	tasks            *prometheus.HistogramVec
	docsBuilds       *prometheus.HistogramVec
	outside          *prometheus.HistogramVec
	outsideErrors    *prometheus.CounterVec
}

// processingBuckets are few, since there is a histogram per location.
var processingBuckets = []float64{0.01, 0.05, 0.25, 1, 5, 30}

// Prefix starts every callboard series name.
const Prefix = "callboard_"

// New returns the metrics with the Go runtime and process collectors
// registered.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.requests = m.histogram("http_request_duration_seconds",
		"Time to answer an HTTP request, by method, route pattern (never the raw path) and status code.",
		prometheus.DefBuckets, "method", "route", "status")
	m.processing = m.histogram("catalog_processing_duration_seconds",
		"Time to read and process one file of a catalog location, by the registered or configured location it belongs to.",
		processingBuckets, "location")
	m.processingErrors = m.counter("catalog_processing_errors_total",
		"Catalog location files that failed to read or had problems (syntax, rejected entities), by location.", "location")
	m.tasks = m.histogram("scaffolder_task_duration_seconds",
		"Time a scaffolder task ran in this process until it finished, by template and final status.",
		[]float64{0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800}, "template", "status")
	m.docsBuilds = m.histogram("techdocs_build_duration_seconds",
		"Time to build and publish one entity's TechDocs site, by result (built, failed).",
		[]float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}, "result")
	m.outside = m.histogram("plugin_request_duration_seconds",
		"Time of a plugin's call to its outside system (Env.HTTPClient), by plugin ID and status code (\"error\" when no answer came).",
		prometheus.DefBuckets, "plugin", "code")
	m.outsideErrors = m.counter("plugin_request_errors_total",
		"A plugin's calls to its outside system that failed: no answer, or a 5xx status.", "plugin")
	return m
}

func (m *Metrics) histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: Prefix + name, Help: help, Buckets: buckets}, labels)
	m.reg.MustRegister(h)
	return h
}

func (m *Metrics) counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: Prefix + name, Help: help}, labels)
	m.reg.MustRegister(c)
	return c
}

// Registry is where the series are registered, for a feature that adds
// its own collector.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the series in Prometheus' text format (or OpenMetrics
// when the scraper asks for it). A collector that fails is reported in
// the answer and the others are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, EnableOpenMetrics: true})
}

// ObserveRequest records one answered HTTP request. route is the
// ServeMux pattern that matched ("GET /catalog/{namespace}/{kind}/{name}"),
// so that the number of series stays bounded whatever paths clients send;
// methods outside the standard ones count as OTHER.
func (m *Metrics) ObserveRequest(method, route string, status int, took time.Duration) {
	if route == "" {
		route = "none"
	}
	m.requests.WithLabelValues(knownMethod(method), route, strconv.Itoa(status)).Observe(took.Seconds())
}

func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// ObserveProcessing records one read of a catalog location's file. location
// is the location it belongs to ("url:https://..."); its credentials and
// query, if any, are dropped from the label (Location).
func (m *Metrics) ObserveProcessing(location string, took time.Duration, failed bool) {
	location = Location(location)
	m.processing.WithLabelValues(location).Observe(took.Seconds())
	if failed {
		m.processingErrors.WithLabelValues(location).Inc()
	} else {
		m.processingErrors.WithLabelValues(location).Add(0) // the series exists from the first read
	}
}

// ObserveTask records a scaffolder task that ended in this process.
func (m *Metrics) ObserveTask(template, status string, took time.Duration) {
	m.tasks.WithLabelValues(template, status).Observe(took.Seconds())
}

// ObserveDocsBuild records one TechDocs build; failed builds count too.
func (m *Metrics) ObserveDocsBuild(took time.Duration, err error) {
	result := "built"
	if err != nil {
		result = "failed"
	}
	m.docsBuilds.WithLabelValues(result).Observe(took.Seconds())
}

// gaugeTimeout bounds a gauge's function at scrape time, so that a slow
// database never hangs the scrape.
const gaugeTimeout = 2 * time.Second

// CountEntities exports callboard_catalog_entities{kind} from count, read
// at each scrape; count returns nil while the catalog is not loaded.
func (m *Metrics) CountEntities(count func() map[string]int) {
	m.reg.MustRegister(&countsCollector{
		desc: prometheus.NewDesc(Prefix+"catalog_entities", "Entities in the catalog, by kind.", []string{"kind"}, nil),
		read: func(context.Context) (map[string]int, error) { return count(), nil },
	})
}

// QueueDepth exports callboard_scaffolder_tasks{status} from count, read
// at each scrape: the tasks open (waiting for a worker) and processing,
// over every replica sharing the database.
func (m *Metrics) QueueDepth(count func(ctx context.Context) (map[string]int, error)) {
	m.reg.MustRegister(&countsCollector{
		desc: prometheus.NewDesc(Prefix+"scaffolder_tasks", "Scaffolder tasks by status (open = queued), over the whole database.", []string{"status"}, nil),
		read: count,
	})
}

// RegisterLag exports callboard_changelog_lag_seconds from lag, read at
// each scrape: how far this replica's index is behind the change log.
// Call it once, when the change log is wired.
func (m *Metrics) RegisterLag(lag func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: Prefix + "changelog_lag_seconds",
		Help: "How far this replica's index is behind the database's change log, in seconds.",
	}, lag))
}

// countsCollector turns a map of counts into one gauge per key.
type countsCollector struct {
	desc *prometheus.Desc
	read func(ctx context.Context) (map[string]int, error)
}

func (c *countsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *countsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), gaugeTimeout)
	defer cancel()
	counts, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k)
	}
}
