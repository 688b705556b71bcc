package externalsecret

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func TestWindowState(t *testing.T) {
	nightly := []esv1.SyncWindow{{Schedule: "0 2 * * *", Duration: metav1.Duration{Duration: time.Hour}}} // 02:00-03:00 UTC
	at := func(h, m int) time.Time { return time.Date(2026, 1, 1, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		sw      *esv1.SyncWindows
		now     time.Time
		allowed bool
		next    time.Time
	}{
		{"no windows", nil, at(12, 0), true, time.Time{}},
		{"allow: inside", &esv1.SyncWindows{Kind: esv1.SyncWindowAllow, Windows: nightly}, at(2, 30), true, time.Time{}},
		{"allow: outside waits for the next opening", &esv1.SyncWindows{Kind: esv1.SyncWindowAllow, Windows: nightly}, at(12, 0), false, time.Date(2026, 1, 2, 2, 0, 0, 0, time.UTC)},
		{"allow: the window's end is exclusive", &esv1.SyncWindows{Kind: esv1.SyncWindowAllow, Windows: nightly}, at(3, 0), false, time.Date(2026, 1, 2, 2, 0, 0, 0, time.UTC)},
		{"deny: inside waits for the window to close", &esv1.SyncWindows{Kind: esv1.SyncWindowDeny, Windows: nightly}, at(2, 15), false, at(3, 0)},
		{"deny: outside", &esv1.SyncWindows{Kind: esv1.SyncWindowDeny, Windows: nightly}, at(12, 0), true, time.Time{}},
		{"descriptor", &esv1.SyncWindows{Kind: esv1.SyncWindowAllow, Windows: []esv1.SyncWindow{{Schedule: "@hourly", Duration: metav1.Duration{Duration: 10 * time.Minute}}}}, at(12, 5), true, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allowed, next := windowState(tt.sw, tt.now)
			if allowed != tt.allowed || !next.Equal(tt.next) {
				t.Fatalf("got %v %v, want %v %v", allowed, next, tt.allowed, tt.next)
			}
		})
	}
}
