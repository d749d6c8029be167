package kubernetes

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"callboard/internal/kubefake"
)

// TestClusterClientWrapsTransport: the host's WrapTransport (its metrics)
// sees client-go's calls to a cluster, as it sees HTTPClient's.
func TestClusterClientWrapsTransport(t *testing.T) {
	srv := kubefake.NewServer(t, kubefake.Options{})
	srv.Add(t, kubefake.PaymentService)
	var calls atomic.Int64
	wrap := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			return next.RoundTrip(r)
		})
	}
	c := &cluster{ClusterConfig: ClusterConfig{URL: srv.URL, Name: "prod", AuthProvider: "serviceAccount",
		ServiceAccountToken: kubefake.Token}, timeout: 5 * time.Second}
	cc, err := newClusterClient(c, wrap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.dyn.Resource(eventsGVR).Namespace("").List(t.Context(), metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() == 0 {
		t.Error("a list of events did not go through the wrapped transport")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
