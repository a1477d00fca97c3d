package pochas

import (
	"context"
	"fmt"
)

// Favourite keeps the stall among userID's favourites and returns it; an
// unknown stall is store.ErrNotFound. Keeping it again changes nothing.
func (s *Service) Favourite(ctx context.Context, userID, pochaID uint64) (View, error) {
	p, err := s.store.PochaByID(ctx, pochaID)
	if err != nil {
		return View{}, err
	}
	if err := s.store.AddFavourite(ctx, userID, pochaID); err != nil {
		return View{}, fmt.Errorf("stalls: favourite: %w", err)
	}
	return s.View(ctx, p), nil
}

// Unfavourite drops the stall from userID's favourites; an unknown stall is
// store.ErrNotFound, a stall that was not kept is no error.
func (s *Service) Unfavourite(ctx context.Context, userID, pochaID uint64) error {
	if _, err := s.store.PochaByID(ctx, pochaID); err != nil {
		return err
	}
	if err := s.store.RemoveFavourite(ctx, userID, pochaID); err != nil {
		return fmt.Errorf("stalls: unfavourite: %w", err)
	}
	return nil
}

// Favourites lists userID's favourite stalls, the latest kept first (none
// is an empty list).
func (s *Service) Favourites(ctx context.Context, userID uint64) ([]View, error) {
	ps, err := s.store.FavouritePochas(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("stalls: favourites: %w", err)
	}
	return s.Views(ctx, ps), nil
}
