package accounts

import (
	"net/mail"
	"regexp"
	"strings"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

var (
	loginIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{3,31}$`)
	phonePattern   = regexp.MustCompile(`^\+?[0-9]{9,15}$`)
)

// normalizeLoginID makes login ids case-insensitive on every database.
func normalizeLoginID(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// normalizePhone drops the spaces, dashes and dots people type in numbers.
func normalizePhone(s string) string {
	return strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "").Replace(strings.TrimSpace(s))
}

func checkEmail(cs *check.Fields, field, email string) {
	a, err := mail.ParseAddress(email)
	cs.Add(err != nil || a.Address != email || len(email) > 254, field, "must be a plain e-mail address like name@example.com")
}

func checkPhone(cs *check.Fields, field, phone string) {
	cs.Add(!phonePattern.MatchString(normalizePhone(phone)), field, "must be a phone number of 9 to 15 digits, like 010-1234-5678")
}

// checkNickname checks a nickname as it will be stored: trimmed.
func checkNickname(cs *check.Fields, field, nick string) {
	cs.Name(field, &nick, true, 30)
}

// validate checks a new account and returns the user to store (without its
// password hash). The role must be one of roles; roleMsg explains the refusal.
func validate(nu NewUser, roleMsg string, roles ...string) (store.User, error) {
	return validateUser(nu, true, roleMsg, roles...)
}

// validateUser is validate, with or without a password (an account made
// through a sign-in provider has none).
func validateUser(nu NewUser, withPassword bool, roleMsg string, roles ...string) (store.User, error) {
	var cs check.Fields
	login := normalizeLoginID(nu.LoginID)
	cs.Add(!loginIDPattern.MatchString(login), "login_id", "must be 4 to 32 characters: letters, digits, '_', '.', '-', starting with a letter or digit")
	if withPassword {
		checkPasswordRules(&cs, "password", nu.Password, nu.LoginID, nu.Email)
	}
	checkNickname(&cs, "nickname", nu.Nickname)
	checkEmail(&cs, "email", nu.Email)
	checkPhone(&cs, "phone", nu.Phone)
	known := false
	for _, r := range roles {
		known = known || nu.Role == r
	}
	cs.Add(!known, "role", roleMsg)
	bn := NormalizeBusinessNumber(nu.BusinessNumber)
	if nu.BusinessNumber != "" {
		cs.Add(nu.Role != store.RoleOwner, "business_number", "only owners give a business registration number")
		cs.Add(!ValidBusinessNumber(bn), "business_number", "must be a 사업자등록번호 of 10 digits (123-45-67890) with a correct check digit")
	}
	if err := cs.Err(); err != nil {
		return store.User{}, err
	}
	u := store.User{LoginID: login, Nickname: strings.TrimSpace(nu.Nickname), Email: nu.Email,
		Phone: normalizePhone(nu.Phone), Role: nu.Role, BusinessNumber: bn}
	if u.Role == store.RoleOwner {
		u.Approval = store.ApprovalPending
	}
	return u, nil
}
