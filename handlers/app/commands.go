package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/store"
)

// openStore opens and migrates the configured database.
func openStore(ctx context.Context, cfg Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	return st, nil
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: illuwa migrate up|down|status (the database comes from ILLUWA_DATABASE_URL / ILLUWA_DATA_DIR)")
		return errors.New("migrate needs up, down or status")
	}
	sub := args[0]
	cfg, err := loadConfig("migrate "+sub, args[1:], getenv, stderr)
	if err != nil {
		return quietHelp(err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "up":
		n, err := st.MigrateUp(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	case "down":
		did, err := st.MigrateDown(ctx)
		if err != nil {
			return err
		}
		if did {
			fmt.Fprintln(stdout, "rolled back one migration")
		} else {
			fmt.Fprintln(stdout, "nothing to roll back")
		}
	case "status":
		return st.MigrateStatus(ctx, stdout)
	default:
		return fmt.Errorf("unknown migrate command %q: want up, down or status", sub)
	}
	return nil
}

// userCmd: illuwa user create --role admin --login-id ... (password from
// ILLUWA_NEW_PASSWORD or the first line of standard input, never a flag).
func userCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: illuwa user create --role admin|owner|customer --login-id ID --nickname N --email E --phone P (password from ILLUWA_NEW_PASSWORD or stdin)")
		return errors.New("user needs a command: create")
	}
	fs := flag.NewFlagSet("illuwa user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var nu accounts.NewUser
	fs.StringVar(&nu.Role, "role", "admin", "admin, owner or customer")
	fs.StringVar(&nu.LoginID, "login-id", "", "login id (4..32 of a-z 0-9 _ . -)")
	fs.StringVar(&nu.Nickname, "nickname", "", "display name")
	fs.StringVar(&nu.Email, "email", "", "e-mail address")
	fs.StringVar(&nu.Phone, "phone", "", "phone number")
	if err := fs.Parse(args[1:]); err != nil {
		return quietHelp(err)
	}
	if nu.Nickname == "" {
		nu.Nickname = nu.LoginID
	}
	nu.Password = getenv("ILLUWA_NEW_PASSWORD")
	if nu.Password == "" {
		fmt.Fprintln(stderr, "password (one line on standard input):")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no password: set ILLUWA_NEW_PASSWORD or pipe it on standard input")
		}
		nu.Password = strings.TrimRight(line, "\r\n")
	}
	cfg, err := loadConfig("user create", nil, getenv, stderr)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.MigrateUp(ctx); err != nil {
		return err
	}
	// A refusal is one line: every bad field with why, or the taken login id.
	u, err := accounts.New(accounts.Deps{Store: st}).Create(ctx, nu)
	if err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	fmt.Fprintf(stdout, "created %s %q (id %d)\n", u.Role, u.LoginID, u.ID)
	return nil
}
