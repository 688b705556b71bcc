package azurekv

import (
	"regexp"
)

// secretName is what Key Vault accepts as an object name.
var secretName = regexp.MustCompile(`^[0-9A-Za-z-]{1,127}$`)

func validName(name string) bool { return secretName.MatchString(name) }
