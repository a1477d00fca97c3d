package reviews

import (
	"time"

	"github.com/illuwa/illuwa/store"
)

// ReplyView is the stall owner's answer to a review.
type ReplyView struct {
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
}

// View is a review as the API shows it: the author by nickname only, and
// whether the viewer wrote it. Reply is null without one.
type View struct {
	ID             uint64     `json:"id"`
	PochaID        uint64     `json:"pocha_id"`
	AuthorNickname string     `json:"author_nickname"`
	Stars          int        `json:"stars"`
	Content        string     `json:"content"`
	Public         bool       `json:"public"`
	Mine           bool       `json:"mine"`
	Reply          *ReplyView `json:"reply"`
	CreatedAt      time.Time  `json:"created_at"`
}

// ViewOf is the view of a stored review for the user viewerID (0 is
// anonymous).
func ViewOf(r store.Review, viewerID uint64) View {
	out := View{ID: r.ID, PochaID: r.PochaID, AuthorNickname: r.AuthorNickname, Stars: r.Stars, Content: r.Content,
		Public: r.IsPublic, Mine: viewerID != 0 && viewerID == r.AuthorID, CreatedAt: r.CreatedAt}
	if r.ReplyContent != nil && r.RepliedAt != nil {
		out.Reply = &ReplyView{Content: *r.ReplyContent, CreatedAt: *r.RepliedAt}
	}
	return out
}
