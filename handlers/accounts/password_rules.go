package accounts

import (
	_ "embed"
	"strings"
	"sync"

	"github.com/illuwa/illuwa/handlers/check"
)

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the bundled deny-list, lower-case.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	out := map[string]struct{}{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out[strings.ToLower(line)] = struct{}{}
		}
	}
	return out
})

// checkPasswordRules refuses a password that is too short or long, blank
// (only spaces and the like), one of the most common ones, or the user's own
// login id or e-mail address (ignoring case).
func checkPasswordRules(cs *check.Fields, field, pw, loginID, email string) {
	if len(pw) < 8 || len(pw) > 128 {
		cs.Add(true, field, "must be 8 to 128 bytes long")
		return
	}
	lower := strings.ToLower(pw)
	_, common := commonPasswords()[lower]
	switch {
	case strings.TrimSpace(pw) == "":
		cs.Add(true, field, "must not be only spaces")
	case common:
		cs.Add(true, field, "is one of the most common passwords; choose another")
	case (loginID != "" && lower == strings.ToLower(strings.TrimSpace(loginID))) || (email != "" && lower == strings.ToLower(strings.TrimSpace(email))):
		cs.Add(true, field, "must not be your login id or e-mail")
	}
}
