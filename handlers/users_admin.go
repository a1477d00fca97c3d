package handlers

import (
	"context"
	"strings"

	"github.com/illuwa/illuwa/store"
)

// NewUser is an account made outside the sign-up endpoint (the command line
// is the only way to make an admin).
type NewUser struct {
	LoginID, Password, Nickname, Email, Phone, Role string
}

// CreateUser validates nu with the sign-up rules (any role, admin included),
// hashes the password and stores the user. A validation failure's error
// message lists the offending fields.
func CreateUser(ctx context.Context, st *store.Store, nu NewUser) (store.User, error) {
	req := signupRequest{LoginID: nu.LoginID, Password: nu.Password, Nickname: nu.Nickname, Email: nu.Email, Phone: nu.Phone, Role: store.RoleCustomer}
	if err := req.validate(); err != nil {
		return store.User{}, fieldsError(err)
	}
	if nu.Role != store.RoleCustomer && nu.Role != store.RoleOwner && nu.Role != store.RoleAdmin {
		return store.User{}, fieldsError(validationError([]FieldError{{Field: "role", Message: "must be customer, owner or admin"}}))
	}
	hash, err := hashPassword(nu.Password)
	if err != nil {
		return store.User{}, err
	}
	u := store.User{LoginID: req.LoginID, PasswordHash: hash, Nickname: strings.TrimSpace(nu.Nickname), Email: nu.Email,
		Phone: normalizePhone(nu.Phone), Role: nu.Role}
	if err := st.CreateUser(ctx, &u); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// fieldsError flattens a validation error into one readable line.
type fieldsErr struct{ fields []FieldError }

func (e fieldsErr) Error() string {
	parts := make([]string, len(e.fields))
	for i, f := range e.fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid user: " + strings.Join(parts, "; ")
}

func fieldsError(err error) error {
	if ae, ok := err.(*apiError); ok {
		return fieldsErr{ae.fields}
	}
	return err
}
