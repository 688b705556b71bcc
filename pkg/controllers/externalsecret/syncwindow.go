package externalsecret

import (
	"time"

	"github.com/robfig/cron/v3"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// cronParser reads the 5-field schedules and @descriptors (@hourly, @every 2h) of syncWindows,
// evaluated in UTC.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// windowState reports whether a periodic refresh may run at now under sw, and when it may run
// next if not (§17.15: the object sleeps until then instead of polling). A schedule that does
// not parse never opens its window (the CRD rejects most bad schedules up front).
func windowState(sw *esv1.SyncWindows, now time.Time) (bool, time.Time) {
	if sw == nil || len(sw.Windows) == 0 {
		return true, time.Time{}
	}
	now = now.UTC()
	var insideAny bool
	var nextOpen, latestClose time.Time
	for _, w := range sw.Windows {
		sched, err := cronParser.Parse(w.Schedule)
		if err != nil {
			continue
		}
		start := sched.Next(now.Add(-w.Duration.Duration))
		if !start.After(now) {
			insideAny = true
			if end := start.Add(w.Duration.Duration); end.After(latestClose) {
				latestClose = end
			}
		}
		if next := sched.Next(now); nextOpen.IsZero() || next.Before(nextOpen) {
			nextOpen = next
		}
	}
	if sw.Kind == esv1.SyncWindowDeny {
		if insideAny {
			return false, latestClose
		}
		return true, time.Time{}
	}
	if insideAny {
		return true, time.Time{}
	}
	return false, nextOpen
}
