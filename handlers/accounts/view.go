package accounts

import (
	"time"

	"github.com/illuwa/illuwa/store"
)

// View is a user as the API shows it: never the password hash.
type View struct {
	ID        uint64    `json:"id"`
	LoginID   string    `json:"login_id"`
	Nickname  string    `json:"nickname"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	Role      string    `json:"role"`
	Verified  bool      `json:"verified"`
	CreatedAt time.Time `json:"created_at"`
}

// ViewOf is the view of a stored user.
func ViewOf(u store.User) View {
	return View{ID: u.ID, LoginID: u.LoginID, Nickname: u.Nickname, Email: u.Email, Phone: u.Phone,
		Role: u.Role, Verified: u.Verified, CreatedAt: u.CreatedAt}
}

// Session is a successful login: the bearer token (shown this once), when
// it expires, and the user.
type Session struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      View      `json:"user"`
}
