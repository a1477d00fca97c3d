package pochas

// Category is a kind of street food a stall sells: a stable code (what the
// API stores and filters by) and its names.
type Category struct {
	Code string `json:"code"`
	Ko   string `json:"ko"`
	En   string `json:"en"`
}

// Categories are the stall categories, in the order a picker shows them.
// Codes are never renamed or reused: stalls and clients keep them.
var Categories = []Category{
	{"bungeoppang", "붕어빵", "Fish-shaped pastry"},
	{"tteokbokki", "떡볶이", "Tteokbokki"},
	{"eomuk", "어묵", "Fish cake skewers"},
	{"hotteok", "호떡", "Sweet pancakes"},
	{"sundae", "순대", "Sundae (Korean sausage)"},
	{"kkochi", "꼬치", "Skewers"},
	{"twigim", "튀김", "Fried snacks"},
	{"gyeranppang", "계란빵", "Egg bread"},
	{"gunbam", "군밤·군고구마", "Roasted chestnuts and sweet potatoes"},
	{"dakgangjeong", "닭강정", "Sweet crispy chicken"},
	{"silnae_pocha", "실내포차", "Indoor pocha"},
	{"other", "기타", "Other"},
}

var categoryCodes = func() map[string]bool {
	m := make(map[string]bool, len(Categories))
	for _, c := range Categories {
		m[c.Code] = true
	}
	return m
}()

// IsCategory reports whether code is one of Categories.
func IsCategory(code string) bool { return categoryCodes[code] }
