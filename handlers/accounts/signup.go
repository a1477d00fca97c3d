package accounts

import (
	"context"
	"errors"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// NewUser is an account as it is asked for: by sign-up or by the command line.
type NewUser struct {
	LoginID  string `json:"login_id"`
	Password string `json:"password"`
	Nickname string `json:"nickname"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Role     string `json:"role"`
	// BusinessNumber is an owner's 사업자등록번호 (dashes allowed), checked
	// by its check digit; an admin approves the owner before a stall goes live.
	BusinessNumber string `json:"business_number,omitempty"`
}

// SignUp makes a customer or owner account. client is the caller's address:
// every valid sign-up from it counts against its hourly budget.
func (s *Service) SignUp(ctx context.Context, client string, nu NewUser) (View, error) {
	u, err := validate(nu, "must be customer or owner", store.RoleCustomer, store.RoleOwner)
	if err != nil {
		return View{}, err
	}
	if _, ok, wait := s.signups.Take(s.now(), "ip:"+client); !ok {
		return View{}, tooMany("too many sign-ups from this address; wait and try again", wait)
	}
	if err := s.insert(ctx, &u, nu.Password); err != nil {
		return View{}, err
	}
	if err := s.sendVerification(ctx, u); err != nil {
		s.log.ErrorContext(ctx, "verification mail not queued", "user_id", u.ID, "error", err.Error())
	}
	return ViewOf(u), nil
}

// Create makes an account of any role, admin included (the command line is
// the only way to make an admin), with the sign-up rules and no rate limit;
// an owner made so is approved.
// Its validation error (a *check.Error) names every offending field on one line.
func (s *Service) Create(ctx context.Context, nu NewUser) (store.User, error) {
	u, err := validate(nu, "must be customer, owner or admin", store.RoleCustomer, store.RoleOwner, store.RoleAdmin)
	if err != nil {
		return store.User{}, err
	}
	if u.Role == store.RoleOwner {
		u.Approval = store.ApprovalApproved // made by whoever runs the server
	}
	if err := s.insert(ctx, &u, nu.Password); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// insert hashes the password and stores the validated user.
func (s *Service) insert(ctx context.Context, u *store.User, password string) error {
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	err = s.store.CreateUser(ctx, u)
	if errors.Is(err, store.ErrConflict) {
		return &check.Explained{Err: ErrLoginTaken, Fields: []check.FieldError{{Field: "login_id", Message: "already taken"}}}
	}
	return err
}
