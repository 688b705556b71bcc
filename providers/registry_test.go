package providers

import (
	"strings"
	"testing"
)

func TestEntry_MaintenanceWarning(t *testing.T) {
	if w := (Entry{Name: "fake", Maintenance: NotMaintained}).MaintenanceWarning(); w != "store fake isn't currently maintained. Please plan and prepare accordingly." {
		t.Fatalf("not maintained: %q", w)
	}
	if w := (Entry{Name: "old", Maintenance: Deprecated}).MaintenanceWarning(); !strings.Contains(w, "store old is deprecated") {
		t.Fatalf("deprecated: %q", w)
	}
	if w := (Entry{Name: "aws"}).MaintenanceWarning(); w != "" {
		t.Fatalf("maintained: %q", w)
	}
}

func TestNewRegistry_rejectsUnknownAndDuplicateNames(t *testing.T) {
	if _, err := NewRegistry(Entry{Name: "nosuch"}); err == nil {
		t.Fatal("a name that is not a field of spec.provider must be refused")
	}
	if _, err := NewRegistry(Entry{Name: "fake"}, Entry{Name: "fake"}); err == nil {
		t.Fatal("duplicates must be refused")
	}
}
